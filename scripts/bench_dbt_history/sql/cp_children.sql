-- Children on child protection plans: the draws for each child and their up to three plans.
-- Parameters: pool, history_start, history_days, ethnicities.
create table bench_gen.cp_children as
with children as (
    select authorities.la_code, child_number,
           authorities.la_number::bigint * 10000000 + 5000000 + child_number as id
    from bench_gen.authorities cross join generate_series(1, %(pool)s) as child_number
),
drawn as (
    select
        children.*,
        %(history_start)s::date + floor(bench_gen.u(id, 1) * %(history_days)s)::integer as first_start,
        case when bench_gen.u(id, 2) < 0.80 then 1 when bench_gen.u(id, 2) < 0.97 then 2 else 3 end as plans,
        1 + floor(bench_gen.u(id, 3) * 5800)::integer as age_days,
        bench_gen.plan_days(bench_gen.u(id, 11), bench_gen.u(id, 12)) as days1,
        bench_gen.plan_days(bench_gen.u(id, 21), bench_gen.u(id, 22)) as days2,
        bench_gen.plan_days(bench_gen.u(id, 31), bench_gen.u(id, 32)) as days3,
        bench_gen.days_between_plans(bench_gen.u(id, 23), bench_gen.u(id, 24)) as gap2,
        bench_gen.days_between_plans(bench_gen.u(id, 33), bench_gen.u(id, 34)) as gap3
    from children
)
select
    la_code, child_number, id, plans,
    first_start as start1,
    first_start + days1 as end1,
    first_start + days1 + gap2 as start2,
    first_start + days1 + gap2 + days2 as end2,
    first_start + days1 + gap2 + days2 + gap3 as start3,
    first_start + days1 + gap2 + days2 + gap3 + days3 as end3,
    bench_gen.dmy(first_start - age_days) as dob_text,
    (2000000 + child_number)::text as child,
    case when bench_gen.u(id, 40) < 0.5 then 'M' else 'F' end as sex,
    bench_gen.pick(%(ethnicities)s, bench_gen.u(id, 41)) as ethnicity
from drawn
