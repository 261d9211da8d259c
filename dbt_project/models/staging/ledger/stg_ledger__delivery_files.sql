with source as (
    select * from {{ source('ledger', 'delivery_files') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        file_name,
        sheet as sheet_name,
        -- what it held
        table_name,
        status as file_status,
        rows_loaded
    from source
)

select * from renamed
