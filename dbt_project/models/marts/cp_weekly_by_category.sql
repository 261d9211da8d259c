{#- Children on a child protection plan per authority, as_at and latest category of abuse: each
    child counted once, under the latest category of their representative plan (the open plan with
    the latest start), so the rows of an as_at sum to cp_weekly.children_on_plan (and the restated
    column to children_on_plan_restated). A plan with no latest category counts under null. -#}
with children_on_plan as (
    select * from {{ ref('int_children_on_plan_identified') }}
),

counted as (
    select
        la_code,
        as_at,
        latest_category,
        count(*) filter (where not is_restated) as children_on_plan,
        count(*) filter (where is_restated) as children_on_plan_restated
    from children_on_plan
    group by la_code, as_at, latest_category
),

final as (
    select * from counted
)

select * from final
