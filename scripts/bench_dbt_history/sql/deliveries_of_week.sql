-- The deliveries placeholder of the *_rows.sql queries for the history: the versions of one week.
(select * from bench_gen.versions where week = %(week)s)
