{#- CP plans renamed and typed. raw holds the values as delivered (text); the raw.* functions are the
    door's own rules, so a value means here what it meant when the door let it in. -#}
with source as (
    select * from {{ source('cin', 'cin_cp_plans') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        raw.clean_id(lachildid) as child_id,
        source_row,
        -- dates
        raw.parse_date(personbirthdate) as birth_date,
        raw.parse_date(cppstartdate) as plan_start_date,
        raw.parse_date(cppenddate) as plan_end_date,
        -- codes
        raw.clean_code(sex) as sex_code,
        raw.clean_code(ethnicity) as ethnicity_code,
        raw.clean_code(initialcategoryofabuse) as initial_category,
        raw.clean_code(latestcategoryofabuse) as latest_category,
        -- counts
        case when btrim(numberofpreviouscpp) ~ '^[0-9]{1,6}$' then btrim(numberofpreviouscpp)::integer end
            as previous_plans
    from source
)

select * from renamed
