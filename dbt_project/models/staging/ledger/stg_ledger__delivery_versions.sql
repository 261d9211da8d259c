with source as (
    select * from {{ source('ledger', 'delivery_versions') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        sha256 as version_sha256,
        -- dates
        extract_date,
        received_at,
        -- status
        status as version_status
    from source
)

select * from renamed
