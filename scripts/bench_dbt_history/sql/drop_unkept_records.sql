-- The episodes and plans of the children keep_children.sql did not keep.
delete from bench_gen.lac_episodes as episodes
where not exists (
    select from bench_gen.lac_children as children
    where children.la_code = episodes.la_code and children.child_number = episodes.child_number
);
delete from bench_gen.cp_plans as plans
where not exists (
    select from bench_gen.cp_children as children
    where children.la_code = plans.la_code and children.child_number = plans.child_number
);
