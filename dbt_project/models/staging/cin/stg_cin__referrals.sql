{#- Referrals (the census's CINdetails) renamed and typed with the door's own raw.* functions. -#}
with source as (
    select * from {{ source('cin', 'cin_referrals') }}
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
        raw.parse_date(cinclosuredate) as closure_date,
        -- codes
        raw.clean_code(referralsource) as referral_source,
        raw.clean_code(primaryneedcode) as primary_need_code,
        raw.clean_code(reasonforclosure) as reason_for_closure,
        -- flags
        {{ is_yes('referralnfa') }} as is_referral_nfa
    from source
)

select * from renamed
