{#- CIN plans renamed and typed with the door's own raw.* functions. -#}
with source as (
    select * from {{ source('cin', 'cin_plans') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        raw.clean_id(lachildid) as child_id,
        source_row,
        -- dates
        raw.parse_date(cinreferraldate) as referral_date,
        raw.parse_date(cinplanstartdate) as cin_plan_start_date,
        raw.parse_date(cinplanenddate) as cin_plan_end_date
    from source
)

select * from renamed
