-- Issue 15: dbt runs as one `dbt build` task per DAG run instead of one Airflow task per model, so
-- the result of each model, seed and data test is no longer a task's state in Airflow. Each is kept
-- here instead, one row per node per run, read from dbt's run_results.json by the build task.
--
-- A node covers every authority, so la_code is always null: like dq.validations' checks over every
-- authority's marts, these rows carry a node's name, status, timing and failure count, no child data
-- (message is dbt's error text with any quoted value withheld), and every analyst reads them once
-- csc_warehouse.access has secured the table (publication does; until then they read nothing).
create table dq.dbt_results (
    dbt_result_id       bigint generated always as identity primary key,
    run_id              text not null,
    dag_id              text not null,
    recorded_at         timestamptz not null default now(),
    unique_id           text not null,
    resource_type       text not null,
    status              text not null,
    execution_time      double precision,
    message             text,
    failures            integer,
    la_code             text check (la_code is null)
);
comment on table dq.dbt_results is
    'Each dbt model, seed and data test of a run''s `dbt build` and how it ended (from run_results.json).';
create index on dq.dbt_results (run_id);
grant select, insert on dq.dbt_results to csc_transformer;
