{#- The audit actions renamed and typed: audit_period (YYYY-MM) as the first day of its month, the
    dates as every date is typed, the status cleaned to open or done. The contract names a column
    `action`, a keyword to sqlfluff: RF04 is waived on that line. -#}
with source as (
    select * from {{ source('audits', 'audit_actions') }}
),

renamed as (
    select
        -- ids
        delivery_version_id,
        la_code,
        source_row,
        btrim(audit_theme) as audit_theme,
        btrim(action_id) as action_id,
        -- dates
        to_date(btrim(audit_period), 'YYYY-MM') as audit_period,
        raw.parse_date(due_date) as due_date,
        raw.parse_date(done_date) as done_date,
        -- text
        nullif(btrim(action), '') as action,  -- noqa: RF04
        nullif(btrim(lead), '') as lead,
        -- codes
        lower(raw.clean_code(status)) as status
    from source
)

select * from renamed
