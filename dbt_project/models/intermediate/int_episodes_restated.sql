{#- Episodes as the authority's newest accepted delivery tells them, once for every as_at the
    authority has reported: restated figures are the reported definitions applied to these. -#}
with versions as (
    select * from {{ ref('int_delivery_versions_reported') }}
),

episodes as (
    select * from {{ ref('stg_ssda903__episodes') }}
),

newest as (
    select * from versions where is_newest
),

restated_as_ats as (
    select
        versions.la_code,
        versions.as_at,
        newest.delivery_version_id
    from versions
    inner join newest on newest.la_code = versions.la_code
),

joined as (
    select
        restated_as_ats.la_code,
        restated_as_ats.as_at,
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
    from restated_as_ats
    inner join episodes on episodes.delivery_version_id = restated_as_ats.delivery_version_id
),

final as (
    select * from joined
)

select * from final
