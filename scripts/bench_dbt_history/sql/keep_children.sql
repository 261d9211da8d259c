-- Keep each authority's children in the order of their numbers (their draws do not depend on it)
-- while their rows over all the history's deliveries stay within the authority's share of the
-- target; the child that crosses it is kept when at least half of its rows fit, so that the total
-- comes out close to the target rather than always under it.
-- Placeholders: children, records (their tables in bench_gen), target (the authorities column).
with per_child as (
    select la_code, child_number, sum(deliveries) as rows_in_history
    from bench_gen.{records} group by la_code, child_number
),
running as (
    select children.la_code, children.child_number, authorities.{target} as target,
           coalesce(per_child.rows_in_history, 0) as own_rows,
           sum(coalesce(per_child.rows_in_history, 0)) over (
               partition by children.la_code order by children.child_number) as rows_so_far
    from bench_gen.{children} as children
    join bench_gen.authorities as authorities using (la_code)
    left join per_child using (la_code, child_number)
)
delete from bench_gen.{children} as children
using running
where running.la_code = children.la_code and running.child_number = children.child_number
  and running.rows_so_far - running.own_rows / 2.0 > running.target
