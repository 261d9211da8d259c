{#- Episodes renamed and typed. raw holds the values as delivered (text); the raw.* functions are the
    door's own rules, so a value means here what it meant when the door let it in. -#}
with source as (
    select * from {{ source('raw', 'ssda903_episodes') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        raw.clean_id(child) as child_id,
        source_row,
        -- dates
        raw.parse_date(decom) as episode_start_date,
        raw.parse_date(dec) as episode_end_date,
        -- codes
        raw.clean_code(rne) as reason_new_episode,
        raw.clean_code(ls) as legal_status,
        raw.clean_code(cin) as category_of_need,
        raw.clean_code(place) as placement_type,
        raw.clean_code(place_provider) as placement_provider,
        raw.clean_code(rec) as reason_episode_ceased
    from source
)

select * from renamed
