{#- Who is looked after on each as_at, one row per child, as reported and as restated.
    Open on d: start <= d and (end is null or end > d), so an episode ending on as_at is not open.
    Short breaks (LS V3, V4) are left out. A child in two open records counts once, under the
    record with the latest start (then the later source row). -#}
with reported_episodes as (
    select * from {{ ref('int_episodes_reported') }}
),

restated_episodes as (
    select * from {{ ref('int_episodes_restated') }}
),

headers as (
    select * from {{ ref('stg_ssda903__header') }}
),

episodes as (
    select
        false as is_restated,
        la_code, as_at, delivery_version_id, child_id, source_row, episode_start_date, episode_end_date,
        legal_status, placement_type, is_short_break
    from reported_episodes
    union all
    select
        true as is_restated,
        la_code, as_at, delivery_version_id, child_id, source_row, episode_start_date, episode_end_date,
        legal_status, placement_type, is_short_break
    from restated_episodes
),

open_on_as_at as (
    select *
    from episodes
    where not is_short_break
        and episode_start_date <= as_at
        and (episode_end_date is null or episode_end_date > as_at)
),

latest_start_first as (
    select
        *,
        row_number() over (
            partition by is_restated, la_code, as_at, child_id
            order by episode_start_date desc, source_row desc
        ) as latest_first
    from open_on_as_at
),

final as (
    select
        latest_start_first.is_restated,
        latest_start_first.la_code,
        latest_start_first.as_at,
        latest_start_first.delivery_version_id,
        latest_start_first.child_id,
        latest_start_first.episode_start_date,
        latest_start_first.legal_status,
        latest_start_first.placement_type,
        headers.birth_date
    from latest_start_first
    left join headers
        on headers.delivery_version_id = latest_start_first.delivery_version_id
        and headers.child_id = latest_start_first.child_id
    where latest_start_first.latest_first = 1
)

select * from final
