{#- Children on a child protection plan per authority and as_at, by the data contract's definitions:
    open on d = start <= d and (end is null or end > d); the week of as_at = as_at - 6 .. as_at; a
    child with two open plans counted once, under the open plan with the latest start. Starts and
    ends are counted as plans. on_plan_2y_plus counts the children whose plan (that one) started on
    or before as_at minus 2 years; repeat_plan_starts_2y the plan starts in the week whose child had
    another plan ending in the 730 days before the start. Each figure as reported by the as_at's own
    CP delivery, and restated (`_restated`) from the authority's newest one. -#}
with versions as (
    select * from {{ ref('int_plan_versions_reported') }}
),

children_on_plan as (
    select * from {{ ref('int_children_on_plan_identified') }}
),

plans as (
    select * from {{ ref('int_plans_repeated') }}
),

population as (
    select * from {{ ref('population_0_17') }}
),

on_plan as (
    select
        la_code,
        as_at,
        count(*) filter (where not is_restated) as children_on_plan,
        count(*) filter (
            where not is_restated and plan_start_date <= (as_at - interval '2 years')::date
        ) as on_plan_2y_plus,
        count(*) filter (where is_restated) as children_on_plan_restated,
        count(*) filter (
            where is_restated and plan_start_date <= (as_at - interval '2 years')::date
        ) as on_plan_2y_plus_restated
    from children_on_plan
    group by la_code, as_at
),

starts as (
    select
        la_code,
        as_at,
        count(*) filter (where not is_restated) as plan_starts,
        count(*) filter (where not is_restated and is_repeat) as repeat_plan_starts_2y,
        count(*) filter (where is_restated) as plan_starts_restated,
        count(*) filter (where is_restated and is_repeat) as repeat_plan_starts_2y_restated
    from plans
    where plan_start_date between as_at - 6 and as_at
    group by la_code, as_at
),

ends as (
    select
        la_code,
        as_at,
        count(*) filter (where not is_restated) as plan_ends,
        count(*) filter (where is_restated) as plan_ends_restated
    from plans
    where plan_end_date between as_at - 6 and as_at
    group by la_code, as_at
),

weekly as (
    select
        versions.la_code,
        versions.as_at,
        coalesce(on_plan.children_on_plan, 0) as children_on_plan,
        coalesce(starts.plan_starts, 0) as plan_starts,
        coalesce(ends.plan_ends, 0) as plan_ends,
        coalesce(on_plan.on_plan_2y_plus, 0) as on_plan_2y_plus,
        coalesce(starts.repeat_plan_starts_2y, 0) as repeat_plan_starts_2y,
        coalesce(on_plan.children_on_plan_restated, 0) as children_on_plan_restated,
        coalesce(starts.plan_starts_restated, 0) as plan_starts_restated,
        coalesce(ends.plan_ends_restated, 0) as plan_ends_restated,
        coalesce(on_plan.on_plan_2y_plus_restated, 0) as on_plan_2y_plus_restated,
        coalesce(starts.repeat_plan_starts_2y_restated, 0) as repeat_plan_starts_2y_restated
    from versions
    left join on_plan on on_plan.la_code = versions.la_code and on_plan.as_at = versions.as_at
    left join starts on starts.la_code = versions.la_code and starts.as_at = versions.as_at
    left join ends on ends.la_code = versions.la_code and ends.as_at = versions.as_at
),

with_population as (
    select
        weekly.*,
        (
            select population.children_0_17
            from population
            where population.la_code = weekly.la_code
                and population.year <= extract(year from weekly.as_at)
            order by population.year desc
            limit 1
        ) as children_0_17
    from weekly
),

with_changes as (
    select
        current_week.*,
        current_week.children_on_plan - lag(current_week.children_on_plan) over (
            partition by current_week.la_code order by current_week.as_at
        ) as change_vs_previous,
        current_week.children_on_plan - (
            select earlier.children_on_plan
            from weekly as earlier
            where earlier.la_code = current_week.la_code
                and earlier.as_at between current_week.as_at - 34 and current_week.as_at - 28
            order by earlier.as_at desc
            limit 1
        ) as change_vs_4_weeks
    from with_population as current_week
),

final as (
    select
        la_code,
        as_at,
        children_on_plan,
        plan_starts,
        plan_ends,
        {{ rate_per_10k('children_on_plan', 'children_0_17') }} as rate_per_10k,
        on_plan_2y_plus,
        repeat_plan_starts_2y,
        change_vs_previous,
        change_vs_4_weeks,
        children_on_plan_restated,
        plan_starts_restated,
        plan_ends_restated,
        on_plan_2y_plus_restated,
        repeat_plan_starts_2y_restated
    from with_changes
)

select * from final
