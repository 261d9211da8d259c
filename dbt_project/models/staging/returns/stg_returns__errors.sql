with source as (
    select * from {{ source('dq', 'return_errors') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        return_type,
        child_key,
        -- the rule and where it found the record
        rule_code,
        table_name,
        row_number as source_row
    from source
)

select * from renamed
