-- The weekly extract dates, a week apart from the first, and the first day of each one's window.
-- Parameters: weeks, first.
create table bench_gen.weeks as
select week, extract_date, bench_gen.window_start(extract_date) as window_start
from generate_series(0, %(weeks)s - 1) as week,
     lateral (select %(first)s::date + 7 * week as extract_date) as extract
