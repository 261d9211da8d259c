{#- Assessments renamed and typed with the door's own raw.* functions. -#}
with source as (
    select * from {{ source('cin', 'cin_assessments') }}
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
        raw.parse_date(assessmentactualstartdate) as assessment_start_date,
        raw.parse_date(assessmentinternalreviewdate) as assessment_review_date,
        raw.parse_date(assessmentauthorisationdate) as assessment_authorisation_date,
        -- codes
        raw.clean_code(assessmentfactors) as assessment_factors
    from source
)

select * from renamed
