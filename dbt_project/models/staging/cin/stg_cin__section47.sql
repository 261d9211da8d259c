{#- Section 47 enquiries and their initial child protection conferences (ICPC), renamed and typed with
    the door's own raw.* functions. -#}
with source as (
    select * from {{ source('cin', 'cin_section47') }}
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
        raw.parse_date(s47actualstartdate) as s47_start_date,
        raw.parse_date(initialcpctarget) as icpc_target_date,
        raw.parse_date(dateofinitialcpc) as icpc_date,
        -- flags
        {{ is_yes('icpcnotrequired') }} as is_icpc_not_required
    from source
)

select * from renamed
