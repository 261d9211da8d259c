{#- Audit answers renamed and typed, the answer variants cleaned up to one spelling each:
    Yes/Y -> yes, No/N -> no, Partial -> partial, Not applicable/NA/N/A -> not_applicable, blank -> null.
    Auditors' names and comments are not carried past staging. An answer without an agency is
    children's services' own (CSC). -#}
with source as (
    select * from {{ source('audits', 'audit_answers') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        source_row,
        btrim(audit_theme) as audit_theme,
        raw.clean_id(case_ref) as case_ref,
        lower(btrim(question_id)) as question_id,
        -- a return without an agency column is the authority's children's services' own audit
        coalesce(nullif(btrim(agency), ''), 'CSC') as agency,
        -- dates
        raw.parse_date(audit_date) as audit_date,
        -- text
        nullif(btrim(question_text), '') as question_text,
        -- codes
        case raw.clean_code(answer)
            when 'YES' then 'yes'
            when 'Y' then 'yes'
            when 'NO' then 'no'
            when 'N' then 'no'
            when 'PARTIAL' then 'partial'
            when 'NOTAPPLICABLE' then 'not_applicable'
            when 'NA' then 'not_applicable'
            when 'N/A' then 'not_applicable'
        end as answer
    from source
)

select * from renamed
