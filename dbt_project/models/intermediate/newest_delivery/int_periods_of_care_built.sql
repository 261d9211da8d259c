{#- One row per period of care per reported as_at. It ends when its episodes have all ended, on the
    latest DEC among them, for the REC of the episode that ends it; an open one runs to as_at for
    its duration. -#}
with newest_versions as (
    {{ newest_versions_to_compute() }}
),

sequenced_episodes as (
    select * from {{ ref('int_episodes_sequenced') }}
),

episodes as (
    select *
    from sequenced_episodes
    where delivery_version_id in (select newest_versions.delivery_version_id from newest_versions)
),

legal_status_first_seen as (
    select
        la_code,
        as_at,
        child_id,
        period_number,
        legal_status,
        min(episode_number) as first_episode_number
    from episodes
    where legal_status is not null
    group by la_code, as_at, child_id, period_number, legal_status
),

legal_statuses as (
    select
        la_code,
        as_at,
        child_id,
        period_number,
        string_agg(legal_status, ', ' order by first_episode_number) as legal_statuses
    from legal_status_first_seen
    group by la_code, as_at, child_id, period_number
),

periods as (
    select
        la_code,
        as_at,
        delivery_version_id,
        child_id,
        period_number,
        min(episode_start_date) as period_start_date,
        case when bool_and(episode_end_date is not null) then max(episode_end_date) end as period_end_date,
        (array_agg(reason_episode_ceased order by episode_end_date desc nulls first, episode_number desc))[1]
            as last_reason_ceased,
        count(*) as episodes,
        coalesce(bool_or(episode_end_date = episode_start_date), false) as has_episode_under_24h
    from episodes
    group by la_code, as_at, child_id, period_number, delivery_version_id
),

final as (
    select
        periods.la_code,
        periods.as_at,
        periods.delivery_version_id,
        periods.child_id,
        periods.period_number,
        periods.period_start_date,
        periods.period_end_date,
        periods.period_end_date is not null as is_ended,
        coalesce(periods.period_end_date, periods.as_at) - periods.period_start_date as duration_days,
        case when periods.period_end_date is not null then periods.last_reason_ceased end as reason_ceased,
        periods.episodes,
        legal_statuses.legal_statuses,
        periods.has_episode_under_24h
    from periods
    left join legal_statuses
        on legal_statuses.la_code = periods.la_code
        and legal_statuses.as_at = periods.as_at
        and legal_statuses.child_id = periods.child_id
        and legal_statuses.period_number = periods.period_number
)

select * from final
