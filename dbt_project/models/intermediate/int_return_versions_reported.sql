{#- The version whose DfE return findings are reported for each (return, la_code, as_at): the newest
    accepted version of that extract date that the return's rules ran on, and beside it the version
    reported at the authority's previous as_at of the same return, which new and resolved children
    are counted against. checked_at tells a rerun's findings from the earlier ones. -#}
with checks as (
    select * from {{ ref('stg_returns__checks') }}
),

delivery_versions as (
    select * from {{ ref('stg_ledger__delivery_versions') }}
),

accepted_checks as (
    select
        checks.return_type,
        checks.delivery_version_id,
        checks.la_code,
        checks.extract_date as as_at,
        checks.checked_at,
        checks.rule_messages,
        delivery_versions.received_at
    from checks
    inner join delivery_versions on delivery_versions.delivery_version_id = checks.delivery_version_id
    where delivery_versions.version_status = 'accepted'
),

ranked as (
    select
        *,
        row_number() over (
            partition by return_type, la_code, as_at
            order by received_at desc, delivery_version_id desc
        ) as newest_first
    from accepted_checks
),

reported as (
    select * from ranked
    where newest_first = 1
),

final as (
    select
        return_type,
        la_code,
        as_at,
        delivery_version_id,
        checked_at,
        rule_messages,
        lag(as_at) over by_authority as previous_as_at,
        lag(delivery_version_id) over by_authority as previous_delivery_version_id,
        lag(checked_at) over by_authority as previous_checked_at
    from reported
    window by_authority as (partition by return_type, la_code order by as_at)
)

select * from final
