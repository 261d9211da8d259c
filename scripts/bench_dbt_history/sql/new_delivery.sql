-- The deliveries placeholder of the *_rows.sql queries for one new delivery, written as files:
-- an authority's of one week, with no version yet.
(select 0::bigint as delivery_version_id, la_code, extract_date, window_start
 from bench_gen.weeks cross join (select %(la_code)s::text as la_code) as authority
 where week = %(week)s)
