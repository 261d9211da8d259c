-- The episode rows of each delivery in the deliveries placeholder (a subquery of delivery_version_id,
-- la_code, extract_date, window_start), as its file holds them: the records started by the extract
-- date whose end the window reaches, an end after the extract date shown open. source_row is the
-- file line (the header is line 1).
select
    deliveries.delivery_version_id, deliveries.la_code,
    1 + row_number() over (partition by deliveries.delivery_version_id
                           order by episodes.child_number, episodes.episode_number) as source_row,
    episodes.child, episodes.decom_text as decom, episodes.rne, episodes.ls, episodes.cin, episodes.place,
    episodes.place_provider,
    case when episodes.dec <= deliveries.extract_date then episodes.dec_text end as dec,
    case when episodes.dec <= deliveries.extract_date then episodes.rec end as rec,
    episodes.reason_place_change, episodes.home_post, episodes.pl_post, episodes.urn
from {deliveries} as deliveries
join bench_gen.lac_episodes as episodes on episodes.la_code = deliveries.la_code
where episodes.decom <= deliveries.extract_date and episodes.dec >= deliveries.window_start
