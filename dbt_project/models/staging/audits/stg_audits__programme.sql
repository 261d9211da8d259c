{#- The audit programme renamed and typed: planned_month (YYYY-MM, the door's shape) as the first day
    of its month, sample_size as a whole number (blank: null, which the gate warns about). -#}
with source as (
    select * from {{ source('audits', 'audit_programme') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        source_row,
        btrim(audit_theme) as audit_theme,
        -- dates
        to_date(btrim(planned_month), 'YYYY-MM') as planned_month,
        -- figures
        nullif(btrim(sample_size), '')::integer as sample_size,
        -- people
        nullif(btrim(lead), '') as lead
    from source
)

select * from renamed
