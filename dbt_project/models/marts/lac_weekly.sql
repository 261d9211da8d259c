{#- Looked-after children per authority and as_at, by the data contract's definitions:
    open on d = start <= d and (end is null or end > d); the week of as_at = as_at - 6 .. as_at;
    V3/V4 short breaks left out; a child in two open records counted once; starts are RNE = S,
    ceasings have a DEC and a REC other than X1, both counted as episodes. Each figure as reported
    by the as_at's own delivery, and restated (`_restated`) from the authority's newest one; each
    read from history.lac_figures, where every evaluation (a version read at an as_at) is kept. -#}
with versions as (
    select * from {{ ref('int_versions_reported') }}
    where figures = 'LAC'
),

figures as (
    select * from {{ ref('lac_figures') }}
),

population as (
    select * from {{ ref('population_0_17') }}
),

weekly as (
    {{ reported_and_restated('versions', 'figures', ['children_looked_after', 'lac_starts', 'lac_ceased']) }}
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
        {{ change_columns('children_looked_after') }}
    from with_population
),

final as (
    select
        la_code,
        as_at,
        children_looked_after,
        lac_starts,
        lac_ceased,
        {{ rate_per_10k('children_looked_after', 'children_0_17') }} as rate_per_10k,
        change_vs_previous,
        change_vs_4_weeks,
        children_looked_after_restated,
        lac_starts_restated,
        lac_ceased_restated
    from with_changes
)

select * from final
