with source as (
    select * from {{ source('raw', 'ssda903_episodes') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        child as child_id,
        source_row,
        -- dates
        decom as episode_start_date,
        dec as episode_end_date,
        -- codes
        rne as reason_new_episode,
        ls as legal_status,
        cin as category_of_need,
        place as placement_type,
        place_provider as placement_provider,
        rec as reason_episode_ceased
    from source
)

select * from renamed
