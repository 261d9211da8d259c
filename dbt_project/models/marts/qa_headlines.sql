{#- The committee report's figures, one row per authority, as_at and measure, each with the
    previous value it is compared with and one plain-English sentence. Weekly measures compare with
    the authority's previous as_at; an audit question compares with the previous audit of its theme.
    Audits are reported at every as_at from their month on, until the next audit of the theme. Where an
    authority delivered an audit programme or actions, its overdue audits and actions are counted at the
    newest as_at their statuses are as at. Where an authority delivered a CIN census, its front door
    figures of the week (cin_weekly) too: referrals, re-referrals, children on a CIN plan, step-downs,
    and assessments and ICPCs in timescale as a whole percentage, for a week that completed any. -#}
with cp_weekly as (
    select * from {{ ref('cp_weekly') }}
),

lac_weekly as (
    select * from {{ ref('lac_weekly') }}
),

care_leavers as (
    select * from {{ ref('care_leavers_turning_18') }}
),

brief_episodes as (
    select * from {{ ref('lac_brief_episodes') }}
),

cin_weekly as (
    select * from {{ ref('cin_weekly') }}
),

audit_results as (
    select * from {{ ref('audit_results') }}
),

audit_programme as (
    select * from {{ ref('audit_programme_status') }}
),

audit_actions as (
    select * from {{ ref('audit_actions_status') }}
),

weekly_figures as (
    select
        la_code,
        as_at,
        'children_on_plan' as measure,
        children_on_plan as value,
        'children were subject to a child protection plan' as described_as,
        'child was subject to a child protection plan' as described_as_one
    from cp_weekly
    union all
    select
        la_code,
        as_at,
        'cp_plan_starts' as measure,
        plan_starts as value,
        'child protection plans started in the week' as described_as,
        'child protection plan started in the week' as described_as_one
    from cp_weekly
    union all
    select
        la_code,
        as_at,
        'children_looked_after' as measure,
        children_looked_after as value,
        'children were looked after' as described_as,
        'child was looked after' as described_as_one
    from lac_weekly
    union all
    select
        la_code,
        as_at,
        'lac_starts' as measure,
        lac_starts as value,
        'children started to be looked after in the week' as described_as,
        'child started to be looked after in the week' as described_as_one
    from lac_weekly
    union all
    select
        la_code,
        as_at,
        'referrals' as measure,
        referrals as value,
        'referrals were received in the week' as described_as,
        'referral was received in the week' as described_as_one
    from cin_weekly
    union all
    select
        la_code,
        as_at,
        're_referrals_12m' as measure,
        re_referrals_12m as value,
        'of the week''s referrals were re-referrals within 12 months of a previous referral' as described_as,
        'of the week''s referrals was a re-referral within 12 months of a previous referral' as described_as_one
    from cin_weekly
    union all
    select
        la_code,
        as_at,
        'children_on_cin_plan' as measure,
        children_on_cin_plan as value,
        'children were on a child in need plan' as described_as,
        'child was on a child in need plan' as described_as_one
    from cin_weekly
    union all
    select
        la_code,
        as_at,
        'cin_plan_step_downs' as measure,
        cin_plan_step_downs as value,
        'child in need plans started in the week within 7 days of the end of a child protection plan'
            as described_as,
        'child in need plan started in the week within 7 days of the end of a child protection plan'
            as described_as_one
    from cin_weekly
),

turning_18 as (
    select
        lac_weekly.la_code,
        lac_weekly.as_at,
        'turning_18_next_months' as measure,
        coalesce(sum(care_leavers.children), 0) as value,
        'looked-after young people will turn 18 by the end of the fifth month after as_at' as described_as,
        'looked-after young person will turn 18 by the end of the fifth month after as_at' as described_as_one
    from lac_weekly
    left join care_leavers
        on care_leavers.la_code = lac_weekly.la_code and care_leavers.as_at = lac_weekly.as_at
    group by lac_weekly.la_code, lac_weekly.as_at
),

brief_returns as (
    -- lac_brief_episodes holds the newest accepted delivery only, so only its week has this measure
    select
        la_code,
        as_at,
        'brief_returns_home' as measure,
        count(*) filter (where flag = 'BRIEF_RETURNED_HOME' and period_end between as_at - 6 and as_at) as value,
        'periods of care of 3 days or less ended with a return home in the week' as described_as,
        'period of care of 3 days or less ended with a return home in the week' as described_as_one
    from brief_episodes
    group by la_code, as_at
),

weekly_measures as (
    select * from weekly_figures
    union all
    select * from turning_18
    union all
    select * from brief_returns
),

weekly_compared as (
    select
        *,
        lag(value) over (partition by la_code, measure order by as_at) as previous_value
    from weekly_measures
),

weekly_statements as (
    select
        la_code,
        as_at,
        measure,
        value::numeric as value,
        previous_value::numeric as previous_value,
        format(
            'As at %s, %s %s%s.',
            to_char(as_at, 'FMDD FMMonth YYYY'),
            value,
            case when value = 1 then described_as_one else described_as end,
            case
                when previous_value is null then ''
                when value > previous_value then format(' (up %s on the previous week)', value - previous_value)
                when value < previous_value then format(' (down %s on the previous week)', previous_value - value)
                else ' (unchanged on the previous week)'
            end
        ) as statement
    from weekly_compared
),

timescales as (
    select
        la_code,
        as_at,
        'pct_assessments_within_45wd' as measure,
        assessments_within_45wd as in_time,
        assessments_completed as completed,
        'assessments completed in the week were within 45 working days' as described_as
    from cin_weekly
    union all
    select
        la_code,
        as_at,
        'pct_icpcs_within_15wd' as measure,
        icpcs_within_15wd as in_time,
        icpcs as completed,
        'initial child protection conferences held in the week were within 15 working days of their'
        || ' section 47 enquiry''s start' as described_as
    from cin_weekly
),

timescales_compared as (
    -- compared with the previous as_at, whose percentage is null when it completed none
    select
        *,
        {{ whole_percent('in_time', 'completed') }} as pct,
        lag({{ whole_percent('in_time', 'completed') }}) over (partition by la_code, measure order by as_at)
            as previous_pct
    from timescales
),

timescale_statements as (
    select
        la_code,
        as_at,
        measure,
        pct as value,
        previous_pct as previous_value,
        format(
            'As at %s, %s%% (%s of %s) of the %s%s.',
            to_char(as_at, 'FMDD FMMonth YYYY'),
            pct,
            in_time,
            completed,
            described_as,
            case
                when previous_pct is null then ''
                when pct = previous_pct then ' (as the previous week)'
                else format(' (%s%% the previous week)', previous_pct)
            end
        ) as statement
    from timescales_compared
    where completed > 0
),

audits_compared as (
    select
        *,
        lead(audit_period) over (partition by la_code, audit_theme, question_id order by audit_period) as next_period
    from audit_results
),

report_dates as (
    select distinct la_code, as_at from weekly_measures
),

audit_statements as (
    select
        report_dates.la_code,
        report_dates.as_at,
        'audit:' || audits.audit_theme || ':' || audits.question_id as measure,
        audits.pct_met::numeric as value,
        audits.previous_pct_met::numeric as previous_value,
        format(
            '%s in %s%% (%s) of the cases it applied to, in the %s audit of %s.',
            audits.question_text,
            audits.pct_met,
            audits.ratio,
            lower(audits.audit_theme),
            to_char(audits.audit_period, 'FMMonth YYYY')
        ) as statement
    from report_dates
    inner join audits_compared as audits
        on audits.la_code = report_dates.la_code
        and audits.audit_period <= report_dates.as_at
        and (audits.next_period is null or audits.next_period > report_dates.as_at)
),

overdue_counts as (
    select
        la_code,
        as_at,
        'overdue_audits' as measure,
        count(*) filter (where status = 'overdue') as overdue,
        count(*) as listed,
        'audits of the programme' as described_as
    from audit_programme
    group by la_code, as_at
    union all
    select
        la_code,
        as_at,
        'overdue_actions' as measure,
        count(*) filter (where overdue) as overdue,
        count(*) as listed,
        'audit actions' as described_as
    from audit_actions
    group by la_code, as_at
),

overdue_statements as (
    select
        la_code,
        as_at,
        measure,
        overdue::numeric as value,
        null::numeric as previous_value,
        format(
            'As at %s, %s of the %s %s %s overdue.',
            to_char(as_at, 'FMDD FMMonth YYYY'),
            overdue,
            listed,
            described_as,
            case when overdue = 1 then 'was' else 'were' end
        ) as statement
    from overdue_counts
),

final as (
    select * from weekly_statements
    union all
    select * from timescale_statements
    union all
    select * from audit_statements
    union all
    select * from overdue_statements
)

select * from final
