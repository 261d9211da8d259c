{#- Chains: consecutive episodes with the same legal status within a period of care (the
    contract's L1 chain, and the same for every other status). Length in days: (DEC of the last
    episode, or as_at if it is open) - (DECOM of the first).
    This is the contract's brief-episode chain, which lac_brief_episodes publishes: short breaks
    (V3/V4) are left out and a chain may span a gap only where the period of care does (DECOM on or
    before the previous DEC). The delivery suite's rules 361-363 follow the DfE validator's chain
    instead (DECOM = the previous DEC, every episode): the view raw.ssda903_episode_legal_status_chains
    (migration 011). The two may disagree on one delivery, on purpose. -#}
with newest_versions as (
    {{ newest_versions_to_compute() }}
),

sequenced_episodes as (
    select * from {{ ref('int_episodes_sequenced') }}
),

episodes as (
    select *
    from sequenced_episodes
    where delivery_version_id in (select newest_versions.delivery_version_id from newest_versions)
),

marked as (
    select
        *,
        (legal_status is distinct from lag(legal_status) over period_history) as starts_chain
    from episodes
    window period_history as (
        partition by la_code, as_at, child_id, period_number
        order by episode_number
    )
),

numbered as (
    select
        *,
        count(*) filter (where starts_chain) over (
            partition by la_code, as_at, child_id, period_number
            order by episode_number
        ) as chain_number
    from marked
),

chains as (
    select
        la_code,
        as_at,
        delivery_version_id,
        child_id,
        period_number,
        chain_number,
        legal_status,
        (array_agg(episode_start_date order by episode_number))[1] as chain_start_date,
        (array_agg(episode_end_date order by episode_number desc))[1] as chain_end_date,
        count(*) as episodes
    from numbered
    group by la_code, as_at, child_id, period_number, chain_number, legal_status, delivery_version_id
),

final as (
    select
        la_code,
        as_at,
        delivery_version_id,
        child_id,
        period_number,
        chain_number,
        legal_status,
        chain_start_date,
        chain_end_date,
        chain_end_date is null as is_open,
        coalesce(chain_end_date, as_at) - chain_start_date as length_days,
        episodes
    from chains
)

select * from final
