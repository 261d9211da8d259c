{#- Each planned audit's status as at its authority's newest as_at (contract 2). cases_audited: the
    distinct cases returned for the theme (any agency; themes matched ignoring case) with an audit_date
    in the planned month or the two months after. The status is the first that applies:
      done         cases_audited >= sample_size
      planned      the planned month is after as_at's month
      due          the planned month is as_at's month and nothing has been returned
      in progress  something returned, and as_at is no later than the end of the second month after
      overdue      otherwise: the month ended with nothing returned, or the grace ended short of the sample -#}
with programme as (
    select * from {{ ref('int_audit_programme_reported') }}
),

answers as (
    select * from {{ ref('int_audit_answers_reported') }}
),

newest_as_at as (
    select * from {{ ref('int_newest_as_at_listed') }}
),

cases_returned as (
    select
        programme.la_code,
        programme.audit_theme,
        programme.planned_month,
        count(distinct answers.case_ref) as cases_audited
    from programme
    left join answers
        on answers.la_code = programme.la_code
        and lower(answers.audit_theme) = lower(programme.audit_theme)
        and answers.audit_date >= programme.planned_month
        and answers.audit_date < programme.planned_month + interval '3 months'
    group by programme.la_code, programme.audit_theme, programme.planned_month
),

programme_as_at as (
    select
        programme.la_code,
        programme.audit_theme,
        programme.planned_month,
        programme.sample_size,
        programme.lead,
        cases_returned.cases_audited,
        newest_as_at.as_at,
        date_trunc('month', newest_as_at.as_at)::date as as_at_month,
        (programme.planned_month + interval '3 months')::date as grace_ends_before
    from programme
    inner join cases_returned
        on cases_returned.la_code = programme.la_code
        and cases_returned.audit_theme = programme.audit_theme
        and cases_returned.planned_month = programme.planned_month
    inner join newest_as_at on newest_as_at.la_code = programme.la_code
),

final as (
    select
        la_code,
        audit_theme,
        planned_month,
        sample_size,
        lead,
        cases_audited,
        case
            when cases_audited >= sample_size then 'done'
            when planned_month > as_at_month then 'planned'
            when planned_month = as_at_month and cases_audited = 0 then 'due'
            when cases_audited > 0 and as_at < grace_ends_before then 'in progress'
            else 'overdue'
        end as status,
        as_at
    from programme_as_at
)

select * from final
