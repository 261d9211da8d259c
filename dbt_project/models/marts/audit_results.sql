{#- Case-audit results per authority, theme, audit period and question, every agency's answers
    together (a multi-agency audit of 5 cases by 3 agencies gives 15 answers per question). A question
    is met only on Yes; No and Partial are applicable and not met; Not applicable and blank are outside
    the denominator. pct_met is met / applicable as a whole percentage, rounded half up (null when no
    case was applicable); ratio is the same as text, met:applicable. previous_pct_met is the same
    question's at the theme's previous audit that asked it, change_pct_points the difference. -#}
with answers as (
    select * from {{ ref('int_audit_answers_reported') }}
),

counted as (
    {{ audit_answers_counted('answers') }}
),

compared as (
    {{ audit_results_compared('counted') }}
),

final as (
    select
        la_code,
        audit_theme,
        audit_period,
        question_id,
        question_text,
        cases,
        met,
        applicable,
        pct_met,
        ratio,
        previous_pct_met,
        pct_met - previous_pct_met as change_pct_points
    from compared
)

select * from final
