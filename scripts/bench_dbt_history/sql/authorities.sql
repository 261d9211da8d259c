-- The authorities, codes from first_code upwards, and each one's share of the episode and plan targets.
-- Parameters: first_code, count, episodes, plans.
create table bench_gen.authorities as
select
    (%(first_code)s + n)::text as la_code,
    %(first_code)s + n as la_number,
    %(episodes)s / %(count)s + (n < %(episodes)s %% %(count)s)::integer as episode_target,
    %(plans)s / %(count)s + (n < %(plans)s %% %(count)s)::integer as plan_target
from generate_series(0, %(count)s - 1) as n
