-- Header rows are chosen by the span of the child's episodes, from the first start to the last end
-- (see LONGEST_RETURN_HOME_DAYS in the true history); children left without an episode go.
alter table bench_gen.lac_children add column first_decom date, add column last_dec date;
update bench_gen.lac_children as children set first_decom = span.first_decom, last_dec = span.last_dec
from (select la_code, child_number, min(decom) as first_decom, max(dec) as last_dec
      from bench_gen.lac_episodes group by la_code, child_number) as span
where span.la_code = children.la_code and span.child_number = children.child_number;
delete from bench_gen.lac_children where first_decom is null;
analyze bench_gen.lac_children, bench_gen.lac_episodes, bench_gen.cp_children, bench_gen.cp_plans;
