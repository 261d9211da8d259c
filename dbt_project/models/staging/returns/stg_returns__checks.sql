with source as (
    select * from {{ source('dq', 'return_checks') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        return_type,
        -- dates
        extract_date,
        checked_at,
        -- the rules
        ruleset,
        rule_messages
    from source
)

select * from renamed
