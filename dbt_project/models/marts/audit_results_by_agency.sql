{#- Case-audit results per authority, theme, audit period, question and agency: audit_results for one
    agency's answers at a time, so a multi-agency audit shows where the agencies' findings differ.
    The same definitions as audit_results (macros/audit_question_results.sql). -#}
with answers as (
    select * from {{ ref('int_audit_answers_reported') }}
),

counted as (
    {{ audit_answers_counted('answers', by=['agency']) }}
),

compared as (
    {{ audit_results_compared('counted', by=['agency']) }}
),

final as (
    select
        la_code,
        audit_theme,
        audit_period,
        question_id,
        agency,
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
