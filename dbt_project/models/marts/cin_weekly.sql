{#- Children in need per authority and as_at, by the data contract's definitions (history.cin_figures
    says them): referrals in the week, of those re-referrals within 12 months and no further action;
    children with a referral open on as_at; assessments completed in the week and within 45 working
    days; section 47 enquiries started and ICPCs held in the week, ICPCs within 15 working days of the
    enquiry's start; children on a CIN plan on as_at and CIN plans stepped down from a CP plan in the
    week. Each figure as reported by the as_at's own CIN census, and restated (`_restated`) from the
    authority's newest one; each read from history.cin_figures, where every evaluation is kept. -#}
with versions as (
    select * from {{ ref('int_versions_reported') }}
    where figures = 'CIN'
),

figures as (
    select * from {{ ref('cin_figures') }}
),

weekly as (
    {{
        reported_and_restated('versions', 'figures', [
            'referrals', 're_referrals_12m', 'referrals_nfa', 'children_in_need', 'assessments_completed',
            'assessments_within_45wd', 's47_started', 'icpcs', 'icpcs_within_15wd', 'children_on_cin_plan',
            'cin_plan_step_downs'
        ])
    }}
),

with_changes as (
    select
        *,
        {{ change_columns('children_in_need') }}
    from weekly
),

final as (
    select
        la_code,
        as_at,
        referrals,
        re_referrals_12m,
        referrals_nfa,
        children_in_need,
        assessments_completed,
        assessments_within_45wd,
        {{ whole_percent('assessments_within_45wd', 'assessments_completed') }} as pct_assessments_within_45wd,
        s47_started,
        icpcs,
        icpcs_within_15wd,
        children_on_cin_plan,
        cin_plan_step_downs,
        change_vs_previous,
        change_vs_4_weeks,
        referrals_restated,
        re_referrals_12m_restated,
        referrals_nfa_restated,
        children_in_need_restated,
        assessments_completed_restated,
        assessments_within_45wd_restated,
        {{ whole_percent('assessments_within_45wd_restated', 'assessments_completed_restated') }}
            as pct_assessments_within_45wd_restated,
        s47_started_restated,
        icpcs_restated,
        icpcs_within_15wd_restated,
        children_on_cin_plan_restated,
        cin_plan_step_downs_restated
    from with_changes
)

select * from final
