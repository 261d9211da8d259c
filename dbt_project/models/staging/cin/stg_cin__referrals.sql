{#- Referrals (the census's CINdetails) renamed and typed with the door's own raw.* functions, one row
    per referral per version. An Annex A workbook gives a referral in two lists, each a source of its
    own with some columns blank: List 3 (its source, no further action) and List 6 (its need, closure);
    the door checks one row per referral within each source. Taken alone, the List 3 row would look
    open for ever, so each column keeps the value its source delivered (the XML census never gives two
    rows for a referral: the door quarantines that). -#}
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
),

one_row_per_referral as (
    select
        -- ids
        delivery_version_id,
        la_code,
        child_id,
        min(source_row) as source_row,
        -- dates
        referral_date,
        max(closure_date) as closure_date,
        -- codes
        max(referral_source) as referral_source,
        max(primary_need_code) as primary_need_code,
        max(reason_for_closure) as reason_for_closure,
        -- flags
        bool_or(is_referral_nfa) as is_referral_nfa
    from renamed
    group by delivery_version_id, la_code, child_id, referral_date
)

select * from one_row_per_referral
