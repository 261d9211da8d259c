{#- Case-audit results per authority, theme, audit period and question. A question is met only on
    Yes; No and Partial are applicable and not met; Not applicable and blank are outside the
    denominator. pct_met is met / applicable as a whole percentage, rounded half up (null when no
    case was applicable); ratio is the same as text, met:applicable. -#}
with answers as (
    select * from {{ ref('int_audit_answers_reported') }}
),

counted as (
    select
        la_code,
        audit_theme,
        audit_period,
        question_id,
        mode() within group (order by question_text) as question_text,
        count(*) filter (where answer = 'yes') as met,
        count(*) filter (where answer in ('yes', 'no', 'partial')) as applicable
    from answers
    group by la_code, audit_theme, audit_period, question_id
),

final as (
    select
        la_code,
        audit_theme,
        audit_period,
        question_id,
        question_text,
        met,
        applicable,
        {{ whole_percent('met', 'applicable') }} as pct_met,
        met || ':' || applicable as ratio
    from counted
)

select * from final
