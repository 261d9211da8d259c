-- Children looked after: the draws for each child, then their up to three episodes. Child numbers
-- start at 1 in every authority; which of them are kept is decided afterwards (keep_children.sql).
-- Parameters: pool, history_start, history_days and the code lists (first_ls, after_protection,
-- later_ls, home_days, ethnicities, needs, postcode_areas).
create table bench_gen.lac_children as
with children as (
    select authorities.la_code, child_number, authorities.la_number::bigint * 10000000 + child_number as id
    from bench_gen.authorities cross join generate_series(1, %(pool)s) as child_number
),
drawn as (
    select
        children.*,
        %(history_start)s::date + floor(bench_gen.u(id, 1) * %(history_days)s)::integer as period_start,
        case when bench_gen.u(id, 2) < 0.45 then 1 when bench_gen.u(id, 2) < 0.78 then 2 else 3 end as episodes,
        1 + floor(bench_gen.u(id, 3) * 6300)::integer as age_days,
        bench_gen.pick(%(first_ls)s, bench_gen.u(id, 4)) as ls1,
        bench_gen.u(id, 5) < 0.12 as home_before_2,
        bench_gen.u(id, 6) < 0.12 as home_before_3
    from children
),
second_status as (
    select
        drawn.*,
        case
            when home_before_2 then bench_gen.pick(%(first_ls)s, bench_gen.u(id, 7))
            when ls1 in ('L1', 'L2', 'L3') then bench_gen.pick(%(after_protection)s, bench_gen.u(id, 7))
            when bench_gen.u(id, 8) < 0.5 then ls1
            else bench_gen.pick(%(later_ls)s, bench_gen.u(id, 7))
        end as ls2
    from drawn
),
third_status as (
    select
        second_status.*,
        case
            when home_before_3 then bench_gen.pick(%(first_ls)s, bench_gen.u(id, 9))
            when ls2 in ('L1', 'L2', 'L3') then bench_gen.pick(%(after_protection)s, bench_gen.u(id, 9))
            when bench_gen.u(id, 10) < 0.5 then ls2
            else bench_gen.pick(%(later_ls)s, bench_gen.u(id, 9))
        end as ls3
    from second_status
),
timed as (
    select
        third_status.*,
        bench_gen.episode_days(ls1, bench_gen.u(id, 11), bench_gen.u(id, 12)) as days1,
        bench_gen.episode_days(ls2, bench_gen.u(id, 21), bench_gen.u(id, 22)) as days2,
        bench_gen.episode_days(ls3, bench_gen.u(id, 31), bench_gen.u(id, 32)) as days3,
        case when home_before_2 then 14 + floor(bench_gen.u(id, 23) * %(home_days)s)::integer else 0 end as gap2,
        case when home_before_3 then 14 + floor(bench_gen.u(id, 33) * %(home_days)s)::integer else 0 end as gap3
    from third_status
)
select
    la_code, child_number, id, episodes, ls1, ls2, ls3, home_before_2, home_before_3,
    period_start as start1,
    period_start + days1 as end1,
    period_start + days1 + gap2 as start2,
    period_start + days1 + gap2 + days2 as end2,
    period_start + days1 + gap2 + days2 + gap3 as start3,
    period_start + days1 + gap2 + days2 + gap3 + days3 as end3,
    period_start - age_days as dob,
    (period_start - age_days + interval '18 years')::date as eighteenth_birthday,
    (1000000 + child_number)::text as child,
    case when bench_gen.u(id, 40) < 0.53 then 'M' else 'F' end as sex,
    bench_gen.pick(%(ethnicities)s, bench_gen.u(id, 41)) as ethnic,
    bench_gen.pick(%(needs)s, bench_gen.u(id, 42)) as cin,
    bench_gen.pick(%(postcode_areas)s, bench_gen.u(id, 43)) || (1 + floor(bench_gen.u(id, 44) * 28))::text
        || ' ' || (1 + floor(bench_gen.u(id, 45) * 9))::text || 'AB' as home_post
from timed
