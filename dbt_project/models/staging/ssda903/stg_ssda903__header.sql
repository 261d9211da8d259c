with source as (
    select * from {{ source('raw', 'ssda903_header') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        child as child_id,
        -- dates
        dob as birth_date,
        -- codes
        sex as sex_code,
        ethnic as ethnicity_code
    from source
)

select * from renamed
