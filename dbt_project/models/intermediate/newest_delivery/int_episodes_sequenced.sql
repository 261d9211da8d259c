{#- Every episode of each authority's newest accepted delivery that counts for looked-after figures
    (no V3/V4 short breaks), numbered into the child's periods of care as at that delivery's date:
    lac_brief_episodes reads only the newest delivery, so only it is sequenced. A period of care is
    the longest run of the child's episodes, in DECOM order, in which each DECOM is on or before the
    previous episode's DEC; an open episode never ends, so whatever follows it stays in its period. -#}
with newest_versions as (
    {{ newest_versions_to_compute() }}
),

episodes as (
    select * from {{ ref('stg_ssda903__episodes') }}
),

-- Only the newest versions' rows, through raw's BRIN index on delivery_version_id (= any(array(...))
-- lets the planner use it; a join would type every row of raw first), materialized so that the
-- short-break filter below does not reach back into the scan.
newest_version_episodes as materialized (
    select *
    from episodes
    where delivery_version_id = any(array(select newest_versions.delivery_version_id from newest_versions))
),

newest_episodes as (
    select
        newest_versions.la_code,
        newest_versions.as_at,
        newest_version_episodes.delivery_version_id,
        newest_version_episodes.child_id,
        newest_version_episodes.source_row,
        newest_version_episodes.episode_start_date,
        newest_version_episodes.episode_end_date,
        newest_version_episodes.reason_new_episode,
        newest_version_episodes.legal_status,
        newest_version_episodes.placement_type,
        newest_version_episodes.reason_episode_ceased
    from newest_versions
    inner join newest_version_episodes
        on newest_version_episodes.delivery_version_id = newest_versions.delivery_version_id
    where newest_version_episodes.legal_status not in ('V3', 'V4')
),

ordered as (
    select
        *,
        row_number() over child_history as episode_number,
        lag(episode_end_date) over child_history as previous_end_date
    from newest_episodes
    window child_history as (
        partition by la_code, as_at, child_id
        order by episode_start_date, episode_end_date nulls last, source_row
    )
),

marked as (
    select
        *,
        (
            episode_number = 1
            or (previous_end_date is not null and episode_start_date > previous_end_date)
        ) as is_period_start
    from ordered
),

numbered as (
    select
        *,
        count(*) filter (where is_period_start) over (
            partition by la_code, as_at, child_id
            order by episode_number
        ) as period_number
    from marked
),

final as (
    select
        la_code,
        as_at,
        delivery_version_id,
        child_id,
        period_number,
        episode_number,
        is_period_start,
        source_row,
        episode_start_date,
        episode_end_date,
        reason_new_episode,
        legal_status,
        placement_type,
        reason_episode_ceased
    from numbered
)

select * from final
