-- The DfE's legal-status chains of each delivered SSDA903 episode, for the delivery suite's rules 361,
-- 362 and 363 (expectations/ssda903_episodes.yml), written once here rather than in each rule.
--
-- Which chain: the DfE validator's. An episode continues the child's chain when it has the previous
-- episode's legal status and starts on the day that episode ended (DECOM = the previous DEC), in
-- DECOM order over every episode the delivery holds, short breaks included. The brief-episode mart
-- chains episodes the contract's way instead (dbt_project/models/intermediate/newest_delivery/
-- int_legal_status_chains_built.sql: consecutive episodes with the same legal status within a period
-- of care, short breaks left out), so the two may disagree on the same delivery, on purpose: the
-- suite mirrors the DfE's return rules, the mart publishes the contract's figures.
--
-- Each row of raw.ssda903_episodes_typed, with:
--   previous_ls, previous_dec  the LS and DEC of the child's previous episode in the delivery;
--   chain                      the chain's number within the child's episodes, from 1;
--   chain_start                DECOM of the chain's first episode;
--   chain_end                  the chain's latest DEC, or the delivery's extract date while one of its
--                              episodes is open (the date the rules measure an open chain to).
-- Every window is partitioned by delivery_version_id and child, so a filter on the version (the
-- suite's {batch} joined on it) reaches raw's BRIN index instead of chaining every version in raw.
create or replace view raw.ssda903_episode_legal_status_chains as
with ordered as (
    select
        episodes.*,
        lag(episodes.ls) over child_history as previous_ls,
        lag(episodes.dec) over child_history as previous_dec
    from raw.ssda903_episodes_typed as episodes
    window child_history as (
        partition by episodes.delivery_version_id, episodes.child
        order by episodes.decom, episodes.source_row
    )
),

chained as (
    select
        *,
        sum(case when ls = previous_ls and previous_dec = decom then 0 else 1 end) over (
            partition by delivery_version_id, child
            order by decom, source_row
        ) as chain
    from ordered
)

select
    chained.*,
    min(chained.decom) over chain_episodes as chain_start,
    max(coalesce(chained.dec, versions.extract_date)) over chain_episodes as chain_end
from chained
inner join ledger.delivery_versions as versions on versions.delivery_version_id = chained.delivery_version_id
window chain_episodes as (partition by chained.delivery_version_id, chained.child, chained.chain);
comment on view raw.ssda903_episode_legal_status_chains is
    'Each typed SSDA903 episode with its DfE legal-status chain (DECOM = the previous DEC, same LS).';

grant select on raw.ssda903_episode_legal_status_chains to csc_transformer;
