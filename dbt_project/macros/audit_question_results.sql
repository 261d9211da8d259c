{#- The results of each audit question, over rows of answers (la_code, audit_theme, audit_period,
    question_id, case_ref, answer, question_text), for audit_results and, one agency at a time (by =
    ['agency']), audit_results_by_agency: one definition for both.

    audit_answers_counted: cases answered (distinct case references), met (Yes) and applicable (Yes,
    No, Partial; Not applicable and blank are outside the denominator), and the most common wording.
    audit_results_compared: pct_met (met / applicable, a whole percentage rounded half up, null when
    nothing was applicable), ratio (met:applicable), and the same question's pct_met at the theme's
    previous audit period that asked it (a re-audit with the same parameters), with the change in
    percentage points. -#}
{% macro audit_answers_counted(answers, by=[]) -%}
    {%- set grain = ['la_code', 'audit_theme', 'audit_period', 'question_id'] + by -%}
    select
        {{ grain | join(', ') }},
        mode() within group (order by question_text) as question_text,
        count(distinct case_ref) as cases,
        count(*) filter (where answer = 'yes') as met,
        count(*) filter (where answer in ('yes', 'no', 'partial')) as applicable
    from {{ answers }}
    group by {{ grain | join(', ') }}
{%- endmacro %}

{% macro audit_results_compared(counted, by=[]) -%}
    {%- set question = ['la_code', 'audit_theme', 'question_id'] + by -%}
    select
        *,
        lag(pct_met) over (partition by {{ question | join(', ') }} order by audit_period) as previous_pct_met
    from (
        select
            *,
            {{ whole_percent('met', 'applicable') }} as pct_met,
            met || ':' || applicable as ratio
        from {{ counted }}
    ) as with_percentages
{%- endmacro %}
