{#- Children on a child protection plan per authority and as_at, by the data contract's definitions:
    open on d = start <= d and (end is null or end > d); the week of as_at = as_at - 6 .. as_at; a
    child with two open plans counted once, under the open plan with the latest start. Starts and
    ends are counted as plans. on_plan_2y_plus counts the children whose plan (that one) started on
    or before as_at minus 2 years; repeat_plan_starts_2y the plan starts in the week whose child had
    another plan ending in the 730 days before the start. Each figure as reported by the as_at's own
    CP delivery, and restated (`_restated`) from the authority's newest one; each read from
    history.cp_figures, where every evaluation (a version read at an as_at) is kept. -#}
with versions as (
    select * from {{ ref('int_versions_reported') }}
    where figures = 'CP'
),

figures as (
    select * from {{ ref('cp_figures') }}
),

population as (
    select * from {{ ref('population_0_17') }}
),

weekly as (
    {{
        reported_and_restated('versions', 'figures', [
            'children_on_plan', 'plan_starts', 'plan_ends', 'on_plan_2y_plus', 'repeat_plan_starts_2y'
        ])
    }}
),

population_by_as_at as (
    {{ population_for_as_at('weekly') }}
),

with_population as (
    select
        weekly.*,
        population_by_as_at.children_0_17
    from weekly
    left join population_by_as_at
        on population_by_as_at.la_code = weekly.la_code
        and population_by_as_at.as_at = weekly.as_at
),

with_changes as (
    select
        *,
        {{ change_columns('children_on_plan') }}
    from with_population
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
