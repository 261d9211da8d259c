{#- Looked-after children per authority and as_at, by the data contract's definitions:
    open on d = start <= d and (end is null or end > d); the week of as_at = as_at - 6 .. as_at;
    V3/V4 short breaks left out; a child in two open records counted once; starts are RNE = S,
    ceasings have a DEC and a REC other than X1, both counted as episodes. Each figure as reported
    by the as_at's own delivery, and restated (`_restated`) from the authority's newest one; each
    read from history.lac_figures, where every evaluation (a version read at an as_at) is kept. -#}
with versions as (
    select * from {{ ref('int_delivery_versions_reported') }}
),

figures as (
    select * from {{ ref('lac_figures') }}
),

population as (
    select * from {{ ref('population_0_17') }}
),

newest as (
    select la_code, delivery_version_id from versions where is_newest
),

weekly as (
    select
        versions.la_code,
        versions.as_at,
        reported.children_looked_after,
        reported.lac_starts,
        reported.lac_ceased,
        restated.children_looked_after as children_looked_after_restated,
        restated.lac_starts as lac_starts_restated,
        restated.lac_ceased as lac_ceased_restated
    from versions
    inner join newest on newest.la_code = versions.la_code
    left join figures as reported
        on reported.delivery_version_id = versions.delivery_version_id
        and reported.as_at = versions.as_at
    left join figures as restated
        on restated.delivery_version_id = newest.delivery_version_id
        and restated.as_at = versions.as_at
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
