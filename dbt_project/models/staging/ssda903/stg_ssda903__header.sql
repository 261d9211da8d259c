{#- Header rows renamed and typed. raw holds the values as delivered (text); the raw.* functions are
    the door's own rules, so a value means here what it meant when the door let it in. -#}
with source as (
    select * from {{ source('raw', 'ssda903_header') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        raw.clean_id(child) as child_id,
        -- dates
        raw.parse_date(dob) as birth_date,
        -- codes
        raw.clean_code(sex) as sex_code,
        nullif(btrim(ethnic), '') as ethnicity_code
    from source
)

select * from renamed
