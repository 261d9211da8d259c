{#- Flagged periods of care in each authority's newest accepted delivery, one row per flag
    (int_periods_of_care_flagged says which), the child under their pseudonymous key. -#}
with flagged_periods as (
    select * from {{ ref('int_periods_of_care_flagged') }}
),

child_keys as (
    select * from {{ ref('int_child_keys_hashed') }}
),

final as (
    select
        flagged_periods.la_code,
        flagged_periods.as_at,
        child_keys.child_key,
        flagged_periods.period_start,
        flagged_periods.flag,
        flagged_periods.period_end,
        flagged_periods.duration_days,
        flagged_periods.legal_statuses,
        flagged_periods.reason_ceased
    from flagged_periods
    inner join child_keys
        on child_keys.la_code = flagged_periods.la_code
        and child_keys.child_id = flagged_periods.child_id
)

select * from final
