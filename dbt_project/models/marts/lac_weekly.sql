{#- Looked-after children per authority and as_at, by the data contract's definitions:
    open on d = start <= d and (end is null or end > d); the week of as_at = as_at - 6 .. as_at;
    V3/V4 short breaks left out; a child in two open records counted once; starts are RNE = S,
    ceasings have a DEC and a REC other than X1, both counted as episodes. Each figure as reported
    by the as_at's own delivery, and restated (`_restated`) from the authority's newest one. -#}
with versions as (
    select * from {{ ref('int_delivery_versions_reported') }}
),

reported_episodes as (
    select * from {{ ref('int_episodes_reported') }}
),

restated_episodes as (
    select * from {{ ref('int_episodes_restated') }}
),

looked_after_children as (
    select * from {{ ref('int_looked_after_children_identified') }}
),

population as (
    select * from {{ ref('population_0_17') }}
),

episodes as (
    select
        false as is_restated,
        la_code, as_at, episode_start_date, episode_end_date, reason_new_episode, reason_episode_ceased
    from reported_episodes
    where not is_short_break
    union all
    select
        true as is_restated,
        la_code, as_at, episode_start_date, episode_end_date, reason_new_episode, reason_episode_ceased
    from restated_episodes
    where not is_short_break
),

looked_after as (
    select
        la_code,
        as_at,
        count(*) filter (where not is_restated) as children_looked_after,
        count(*) filter (where is_restated) as children_looked_after_restated
    from looked_after_children
    group by la_code, as_at
),

starts as (
    select
        la_code,
        as_at,
        count(*) filter (where not is_restated) as lac_starts,
        count(*) filter (where is_restated) as lac_starts_restated
    from episodes
    where reason_new_episode = 'S'
        and episode_start_date between as_at - 6 and as_at
    group by la_code, as_at
),

ceased as (
    select
        la_code,
        as_at,
        count(*) filter (where not is_restated) as lac_ceased,
        count(*) filter (where is_restated) as lac_ceased_restated
    from episodes
    where episode_end_date between as_at - 6 and as_at
        and reason_episode_ceased is not null
        and reason_episode_ceased <> 'X1'
    group by la_code, as_at
),

weekly as (
    select
        versions.la_code,
        versions.as_at,
        coalesce(looked_after.children_looked_after, 0) as children_looked_after,
        coalesce(starts.lac_starts, 0) as lac_starts,
        coalesce(ceased.lac_ceased, 0) as lac_ceased,
        coalesce(looked_after.children_looked_after_restated, 0) as children_looked_after_restated,
        coalesce(starts.lac_starts_restated, 0) as lac_starts_restated,
        coalesce(ceased.lac_ceased_restated, 0) as lac_ceased_restated
    from versions
    left join looked_after on looked_after.la_code = versions.la_code and looked_after.as_at = versions.as_at
    left join starts on starts.la_code = versions.la_code and starts.as_at = versions.as_at
    left join ceased on ceased.la_code = versions.la_code and ceased.as_at = versions.as_at
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
        current_week.children_looked_after - lag(current_week.children_looked_after) over (
            partition by current_week.la_code order by current_week.as_at
        ) as change_vs_previous,
        current_week.children_looked_after - (
            select earlier.children_looked_after
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
