{#- Children-in-need figures for each evaluation (a CIN census version read at an as_at), kept between
    runs like cp_figures: only evaluations history lacks are computed, and unlisted ones are deleted
    after each run. Definitions as in the data contract: the week of as_at = as_at - 6 .. as_at; a
    referral is open on d when CINreferralDate <= d and (CINclosureDate is null or > d), a CIN plan
    when start <= d and (end is null or end > d), each child counted once however many it has. A
    re-referral's child had another referral, in the same delivery, dated on or after its date minus
    12 calendar months and before it. Timescales count working days (macros/working_days.sql) from
    AssessmentActualStartDate to AssessmentAuthorisationDate (at most 45) and from S47ActualStartDate
    to DateOfInitialCPC (at most 15). A step-down is a CIN plan starting in the week whose child had a
    CP plan, in the same delivery (the census's own CP plans), ending from 7 days before the CIN
    plan's start to its start day. -#}
{{ config(post_hook=["{{ forget_unlisted_evaluations('CIN') }}", "{{ analyze_without_statistics() }}"]) }}

with evaluations as (
    {{ evaluations_to_compute('CIN') }}
),

referrals as (
    select * from {{ ref('stg_cin__referrals') }}
),

assessments as (
    select * from {{ ref('stg_cin__assessments') }}
),

section47 as (
    select * from {{ ref('stg_cin__section47') }}
),

cin_plans as (
    select * from {{ ref('stg_cin__plans') }}
),

cp_plans as (
    select * from {{ ref('stg_cin__cp_plans') }}
),

working_day_numbers as (
    {{ working_day_numbers() }}
),

versions_to_compute as (
    select distinct delivery_version_id from evaluations
),

-- Only these versions' rows (in_versions says how they are found), typed once. Whether a referral is
-- a re-referral is a fact of its delivery, not of the date it is read at: the child's latest earlier
-- referral is found once per version, and another one dated within the 12 months exists exactly when
-- that one is.
version_referrals as materialized (
    select
        delivery_version_id,
        child_id,
        referral_date,
        closure_date,
        is_referral_nfa,
        lag(referral_date) over (
            partition by delivery_version_id, child_id order by referral_date
        ) as previous_referral_date
    from referrals
    where delivery_version_id {{ in_versions('versions_to_compute') }}
),

version_assessments as materialized (
    select delivery_version_id, assessment_start_date, assessment_authorisation_date
    from assessments
    where delivery_version_id {{ in_versions('versions_to_compute') }}
),

version_section47 as materialized (
    select delivery_version_id, s47_start_date, icpc_date
    from section47
    where delivery_version_id {{ in_versions('versions_to_compute') }}
),

version_cin_plans as materialized (
    select delivery_version_id, child_id, cin_plan_start_date, cin_plan_end_date
    from cin_plans
    where delivery_version_id {{ in_versions('versions_to_compute') }}
),

version_cp_plan_ends as materialized (
    select delivery_version_id, child_id, plan_end_date
    from cp_plans
    where delivery_version_id {{ in_versions('versions_to_compute') }} and plan_end_date is not null
),

evaluated_referrals as (
    select
        evaluations.as_at,
        version_referrals.*
    from evaluations
    inner join version_referrals on version_referrals.delivery_version_id = evaluations.delivery_version_id
),

open_referrals as (
    select delivery_version_id, as_at, count(distinct child_id) as children_in_need
    from evaluated_referrals
    where referral_date <= as_at and (closure_date is null or closure_date > as_at)
    group by delivery_version_id, as_at
),

referrals_in_week as (
    select
        *,
        coalesce(previous_referral_date >= (referral_date - interval '12 months')::date, false) as is_re_referral
    from evaluated_referrals
    where referral_date between as_at - 6 and as_at
),

referral_counts as (
    select
        delivery_version_id,
        as_at,
        count(*) as referrals,
        count(*) filter (where is_re_referral) as re_referrals_12m,
        count(*) filter (where is_referral_nfa) as referrals_nfa
    from referrals_in_week
    group by delivery_version_id, as_at
),

assessments_completed_in_week as (
    select
        evaluations.delivery_version_id,
        evaluations.as_at,
        {{ working_days_between('started', 'authorised') }} as working_days_taken
    from evaluations
    inner join version_assessments
        on version_assessments.delivery_version_id = evaluations.delivery_version_id
        and version_assessments.assessment_authorisation_date between evaluations.as_at - 6 and evaluations.as_at
    left join working_day_numbers as started on started.calendar_date = version_assessments.assessment_start_date
    left join working_day_numbers as authorised
        on authorised.calendar_date = version_assessments.assessment_authorisation_date
),

assessment_counts as (
    select
        delivery_version_id,
        as_at,
        count(*) as assessments_completed,
        count(*) filter (where working_days_taken <= 45) as assessments_within_45wd
    from assessments_completed_in_week
    group by delivery_version_id, as_at
),

s47_starts as (
    select evaluations.delivery_version_id, evaluations.as_at, count(*) as s47_started
    from evaluations
    inner join version_section47
        on version_section47.delivery_version_id = evaluations.delivery_version_id
        and version_section47.s47_start_date between evaluations.as_at - 6 and evaluations.as_at
    group by evaluations.delivery_version_id, evaluations.as_at
),

icpcs_held_in_week as (
    select
        evaluations.delivery_version_id,
        evaluations.as_at,
        {{ working_days_between('enquiry_started', 'conference_held') }} as working_days_taken
    from evaluations
    inner join version_section47
        on version_section47.delivery_version_id = evaluations.delivery_version_id
        and version_section47.icpc_date between evaluations.as_at - 6 and evaluations.as_at
    left join working_day_numbers as enquiry_started
        on enquiry_started.calendar_date = version_section47.s47_start_date
    left join working_day_numbers as conference_held on conference_held.calendar_date = version_section47.icpc_date
),

icpc_counts as (
    select
        delivery_version_id,
        as_at,
        count(*) as icpcs,
        count(*) filter (where working_days_taken <= 15) as icpcs_within_15wd
    from icpcs_held_in_week
    group by delivery_version_id, as_at
),

evaluated_cin_plans as (
    select
        evaluations.as_at,
        version_cin_plans.*
    from evaluations
    inner join version_cin_plans on version_cin_plans.delivery_version_id = evaluations.delivery_version_id
),

open_cin_plans as (
    select delivery_version_id, as_at, count(distinct child_id) as children_on_cin_plan
    from evaluated_cin_plans
    where cin_plan_start_date <= as_at and (cin_plan_end_date is null or cin_plan_end_date > as_at)
    group by delivery_version_id, as_at
),

step_downs as (
    select delivery_version_id, as_at, count(*) as cin_plan_step_downs
    from evaluated_cin_plans
    where
        cin_plan_start_date between as_at - 6 and as_at
        and exists (
            select from version_cp_plan_ends as cp_plan
            where cp_plan.delivery_version_id = evaluated_cin_plans.delivery_version_id
                and cp_plan.child_id = evaluated_cin_plans.child_id
                and cp_plan.plan_end_date between evaluated_cin_plans.cin_plan_start_date - 7
                and evaluated_cin_plans.cin_plan_start_date
        )
    group by delivery_version_id, as_at
),

final as (
    select
        evaluations.la_code,
        evaluations.as_at,
        evaluations.delivery_version_id,
        coalesce(referral_counts.referrals, 0) as referrals,
        coalesce(referral_counts.re_referrals_12m, 0) as re_referrals_12m,
        coalesce(referral_counts.referrals_nfa, 0) as referrals_nfa,
        coalesce(open_referrals.children_in_need, 0) as children_in_need,
        coalesce(assessment_counts.assessments_completed, 0) as assessments_completed,
        coalesce(assessment_counts.assessments_within_45wd, 0) as assessments_within_45wd,
        coalesce(s47_starts.s47_started, 0) as s47_started,
        coalesce(icpc_counts.icpcs, 0) as icpcs,
        coalesce(icpc_counts.icpcs_within_15wd, 0) as icpcs_within_15wd,
        coalesce(open_cin_plans.children_on_cin_plan, 0) as children_on_cin_plan,
        coalesce(step_downs.cin_plan_step_downs, 0) as cin_plan_step_downs
    from evaluations
    left join referral_counts
        on referral_counts.delivery_version_id = evaluations.delivery_version_id
        and referral_counts.as_at = evaluations.as_at
    left join open_referrals
        on open_referrals.delivery_version_id = evaluations.delivery_version_id
        and open_referrals.as_at = evaluations.as_at
    left join assessment_counts
        on assessment_counts.delivery_version_id = evaluations.delivery_version_id
        and assessment_counts.as_at = evaluations.as_at
    left join s47_starts
        on s47_starts.delivery_version_id = evaluations.delivery_version_id
        and s47_starts.as_at = evaluations.as_at
    left join icpc_counts
        on icpc_counts.delivery_version_id = evaluations.delivery_version_id
        and icpc_counts.as_at = evaluations.as_at
    left join open_cin_plans
        on open_cin_plans.delivery_version_id = evaluations.delivery_version_id
        and open_cin_plans.as_at = evaluations.as_at
    left join step_downs
        on step_downs.delivery_version_id = evaluations.delivery_version_id
        and step_downs.as_at = evaluations.as_at
)

select * from final
