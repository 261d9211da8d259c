{#- Looked-after children per authority and as_at, by the data contract's definitions:
    open on d = start <= d and (end is null or end > d); the week of as_at = as_at - 6 .. as_at;
    V3/V4 short breaks left out; starts are RNE = S, ceasings have a DEC and a REC other than X1,
    both counted as episodes. -#}
with versions as (
    select * from {{ ref('int_delivery_versions_reported') }}
),

episodes as (
    select * from {{ ref('int_episodes_reported') }}
    where not is_short_break
),

population as (
    select * from {{ ref('population_0_17') }}
),

looked_after as (
    select
        delivery_version_id,
        count(distinct child_id) as children_looked_after
    from episodes
    where episode_start_date <= as_at
        and (episode_end_date is null or episode_end_date > as_at)
    group by delivery_version_id
),

starts as (
    select
        delivery_version_id,
        count(*) as lac_starts
    from episodes
    where reason_new_episode = 'S'
        and episode_start_date between as_at - 6 and as_at
    group by delivery_version_id
),

ceased as (
    select
        delivery_version_id,
        count(*) as lac_ceased
    from episodes
    where episode_end_date between as_at - 6 and as_at
        and reason_episode_ceased is not null
        and reason_episode_ceased <> 'X1'
    group by delivery_version_id
),

weekly as (
    select
        versions.la_code,
        versions.as_at,
        coalesce(looked_after.children_looked_after, 0) as children_looked_after,
        coalesce(starts.lac_starts, 0) as lac_starts,
        coalesce(ceased.lac_ceased, 0) as lac_ceased
    from versions
    left join looked_after on looked_after.delivery_version_id = versions.delivery_version_id
    left join starts on starts.delivery_version_id = versions.delivery_version_id
    left join ceased on ceased.delivery_version_id = versions.delivery_version_id
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
        change_vs_4_weeks
    from with_changes
)

select * from final
