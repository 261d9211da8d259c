{#- Flagged periods of care in each authority's newest accepted delivery, one row per flag, with the
    child's source id (lac_brief_episodes publishes them under the child's key):
    L1_OVER_72H, L2_OVER_21D, L3_OVER_7D  a chain of L1 (L2, L3) episodes longer than 3 (21, 7) days;
    UNDER_24H                             an episode whose DEC equals its DECOM;
    BRIEF_RETURNED_HOME                   an ended period of 3 days or less whose last REC is E4A, E4B or E13. -#}
with newest as (
    {{ newest_versions_to_compute() }}
),

periods as (
    select * from {{ ref('int_periods_of_care_built') }}
),

chains as (
    select * from {{ ref('int_legal_status_chains_built') }}
),

chain_limits (legal_status, limit_days, flag) as (
    values ('L1', 3, 'L1_OVER_72H'), ('L2', 21, 'L2_OVER_21D'), ('L3', 7, 'L3_OVER_7D')
),

chain_flags as (
    select
        chains.la_code,
        chains.as_at,
        chains.child_id,
        chains.period_number,
        chain_limits.flag
    from chains
    inner join newest on newest.la_code = chains.la_code and newest.as_at = chains.as_at
    inner join chain_limits on chain_limits.legal_status = chains.legal_status
    where chains.length_days > chain_limits.limit_days
),

newest_periods as (
    select periods.*
    from periods
    inner join newest on newest.la_code = periods.la_code and newest.as_at = periods.as_at
),

period_flags as (
    select la_code, as_at, child_id, period_number, 'UNDER_24H' as flag
    from newest_periods
    where has_episode_under_24h
    union all
    select la_code, as_at, child_id, period_number, 'BRIEF_RETURNED_HOME' as flag
    from newest_periods
    where is_ended
        and duration_days <= 3
        and reason_ceased in ('E4A', 'E4B', 'E13')
),

flags as (
    select la_code, as_at, child_id, period_number, flag from chain_flags
    union
    select la_code, as_at, child_id, period_number, flag from period_flags
),

final as (
    select
        flags.la_code,
        flags.as_at,
        newest_periods.delivery_version_id,
        flags.child_id,
        newest_periods.period_start_date as period_start,
        flags.flag,
        newest_periods.period_end_date as period_end,
        newest_periods.duration_days,
        newest_periods.legal_statuses,
        newest_periods.reason_ceased
    from flags
    inner join newest_periods
        on newest_periods.la_code = flags.la_code
        and newest_periods.as_at = flags.as_at
        and newest_periods.child_id = flags.child_id
        and newest_periods.period_number = flags.period_number
)

select * from final
