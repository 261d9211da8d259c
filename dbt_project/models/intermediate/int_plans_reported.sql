{#- Child protection plans as each as_at sees them, twice: as reported (the plans of the version
    that as_at reports CP figures from) and as restated (the plans of the authority's newest CP
    delivery, once for every as_at the authority has reported). -#}
with versions as (
    select * from {{ ref('int_plan_versions_reported') }}
),

plans as (
    select * from {{ ref('stg_cin__cp_plans') }}
),

newest as (
    select * from versions where is_newest
),

as_ats as (
    select false as is_restated, la_code, as_at, delivery_version_id from versions
    union all
    select true as is_restated, versions.la_code, versions.as_at, newest.delivery_version_id
    from versions
    inner join newest on newest.la_code = versions.la_code
),

joined as (
    select
        as_ats.is_restated,
        as_ats.la_code,
        as_ats.as_at,
        plans.delivery_version_id,
        plans.child_id,
        plans.source_row,
        plans.plan_start_date,
        plans.plan_end_date,
        plans.initial_category,
        plans.latest_category,
        plans.plan_start_date <= as_ats.as_at
            and (plans.plan_end_date is null or plans.plan_end_date > as_ats.as_at) as is_open
    from as_ats
    inner join plans on plans.delivery_version_id = as_ats.delivery_version_id
),

final as (
    select * from joined
)

select * from final
