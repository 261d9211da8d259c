-- The episodes of the children looked after, coded, with how many of the history's deliveries hold each.
-- Parameters: weeks, first and the code lists (aged_18, returned_home, period_ends, placements,
-- providers, change_reasons, postcode_areas).
create table bench_gen.lac_episodes as
with episodes as (
    select
        children.la_code, children.child_number, children.id, children.child, children.cin, children.home_post,
        children.eighteenth_birthday, episode.*,
        children.id * 4 + episode.episode_number as episode_id
    from bench_gen.lac_children as children
    cross join lateral (values
        (1, children.start1, children.end1, children.ls1, 'S',
         case when children.episodes = 1 then null when children.home_before_2 then 'home' else 'X1' end),
        (2, children.start2, children.end2, children.ls2,
         case when children.home_before_2 then 'S' when children.ls2 <> children.ls1 then 'LB' else 'PT' end,
         case when children.episodes = 2 then null when children.home_before_3 then 'home' else 'X1' end),
        (3, children.start3, children.end3, children.ls3,
         case when children.home_before_3 then 'S' when children.ls3 <> children.ls2 then 'LB' else 'PT' end,
         null)
    ) as episode (episode_number, decom, planned_dec, ls, rne_kind, rec_kind)
    where episode.episode_number <= children.episodes and episode.decom < children.eighteenth_birthday
),
coded as (
    select
        la_code, child_number, child, episode_number, ls, cin, home_post,
        decom,
        least(planned_dec, eighteenth_birthday - 1) as dec,
        case rne_kind
            when 'S' then 'S'
            when 'LB' then bench_gen.pick(array['L', 'B'], bench_gen.u(episode_id, 1))
            else bench_gen.pick(array['P', 'P', 'P', 'P', 'T'], bench_gen.u(episode_id, 1))
        end as rne,
        case
            when planned_dec >= eighteenth_birthday then bench_gen.pick(%(aged_18)s, bench_gen.u(episode_id, 2))
            when rec_kind = 'X1' then 'X1'
            when rec_kind = 'home' or ls in ('L1', 'L2', 'L3')
                then bench_gen.pick(%(returned_home)s, bench_gen.u(episode_id, 2))
            else bench_gen.pick(%(period_ends)s, bench_gen.u(episode_id, 2))
        end as rec,
        bench_gen.pick(%(placements)s, bench_gen.u(episode_id, 3)) as place,
        bench_gen.pick(%(providers)s, bench_gen.u(episode_id, 4)) as place_provider,
        case when rne_kind = 'PT' then bench_gen.pick(%(change_reasons)s, bench_gen.u(episode_id, 5)) end
            as reason_place_change,
        bench_gen.pick(%(postcode_areas)s, bench_gen.u(episode_id, 6))
            || (1 + floor(bench_gen.u(episode_id, 7) * 28))::text || ' '
            || (1 + floor(bench_gen.u(episode_id, 8) * 9))::text || 'CD' as pl_post,
        case when bench_gen.u(episode_id, 9) < 0.6
            then 'SC' || (100000 + floor(bench_gen.u(episode_id, 10) * 899999))::text end as urn
    from episodes
)
select
    coded.*,
    bench_gen.dmy(decom) as decom_text,
    bench_gen.dmy(dec) as dec_text,
    -- the deliveries of the history holding this episode: those extracted on or after its start
    -- whose window reaches its end
    greatest(0, least(%(weeks)s - 1, floor((bench_gen.last_extract_reaching(dec) - %(first)s::date) / 7.0)::integer)
                - greatest(0, ceil((decom - %(first)s::date) / 7.0)::integer) + 1) as deliveries
from coded
