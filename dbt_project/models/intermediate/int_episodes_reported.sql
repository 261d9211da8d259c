{#- Episodes as each as_at reported them: the episodes of the version that as_at is reported from. -#}
with versions as (
    select * from {{ ref('int_delivery_versions_reported') }}
),

episodes as (
    select * from {{ ref('stg_ssda903__episodes') }}
),

joined as (
    select
        versions.la_code,
        versions.as_at,
        episodes.delivery_version_id,
        episodes.child_id,
        episodes.source_row,
        episodes.episode_start_date,
        episodes.episode_end_date,
        episodes.reason_new_episode,
        episodes.legal_status,
        episodes.placement_type,
        episodes.reason_episode_ceased,
        episodes.legal_status in ('V3', 'V4') as is_short_break
    from versions
    inner join episodes on episodes.delivery_version_id = versions.delivery_version_id
),

final as (
    select * from joined
)

select * from final
