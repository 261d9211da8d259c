{#- Each plan, as reported and as restated on each as_at, with whether it is a repeat plan: its
    child had another plan ending in the 730 days before its start (start - 730 <= end < start), in
    the same delivery. A plan ending the day the next starts is a replacement, not a repeat. -#}
with plans as (
    select * from {{ ref('int_plans_reported') }}
),

final as (
    select
        plans.is_restated,
        plans.la_code,
        plans.as_at,
        plans.delivery_version_id,
        plans.child_id,
        plans.source_row,
        plans.plan_start_date,
        plans.plan_end_date,
        exists (
            select 1
            from plans as earlier
            where earlier.is_restated = plans.is_restated
                and earlier.la_code = plans.la_code
                and earlier.as_at = plans.as_at
                and earlier.child_id = plans.child_id
                and earlier.plan_end_date >= plans.plan_start_date - 730
                and earlier.plan_end_date < plans.plan_start_date
                and earlier.plan_start_date <> plans.plan_start_date
        ) as is_repeat
    from plans
)

select * from final
