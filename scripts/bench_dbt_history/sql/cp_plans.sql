-- The plans of the children on plans, coded, with how many of the history's deliveries hold each.
-- Parameters: weeks, first, categories.
create table bench_gen.cp_plans as
with plans as (
    select children.*, plan.*, children.id * 4 + plan.plan_number as plan_id
    from bench_gen.cp_children as children
    cross join lateral (values
        (1, children.start1, children.end1), (2, children.start2, children.end2), (3, children.start3, children.end3)
    ) as plan (plan_number, plan_start, plan_end)
    where plan.plan_number <= children.plans
),
coded as (
    select
        la_code, child_number, plan_number, child, dob_text, sex, ethnicity, plan_start, plan_end,
        bench_gen.pick(%(categories)s, bench_gen.u(plan_id, 1)) as initial_category,
        case when bench_gen.u(plan_id, 2) < 0.15 then bench_gen.pick(%(categories)s, bench_gen.u(plan_id, 3)) end
            as changed_category,
        (plan_number - 1 + (bench_gen.u(plan_id, 4) < 0.1)::integer)::text as previous_plans
    from plans
)
select
    la_code, child_number, plan_number, child, dob_text, sex, ethnicity, plan_start, plan_end,
    initial_category, coalesce(changed_category, initial_category) as latest_category, previous_plans,
    bench_gen.dmy(plan_start) as start_text,
    bench_gen.dmy(plan_end) as end_text,
    greatest(0, least(%(weeks)s - 1,
                      floor((bench_gen.last_extract_reaching(plan_end) - %(first)s::date) / 7.0)::integer)
                - greatest(0, ceil((plan_start - %(first)s::date) / 7.0)::integer) + 1) as deliveries
from coded
