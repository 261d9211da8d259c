-- Results of the quality gate, one row per expectation per table per run.
create table dq.validations (
    validation_id       bigint generated always as identity primary key,
    run_id              text not null,
    validated_at        timestamptz not null default now(),
    suite               text not null,
    table_name          text not null,
    expectation         text not null,
    rule_code           text,
    severity            text not null check (severity in ('block', 'warn')),
    success             boolean not null,
    errored             boolean not null default false,
    unexpected_count    bigint,
    la_code             text,
    delivery_version_id bigint,
    description         text,
    details             jsonb
);
create index on dq.validations (run_id);
grant select on dq.validations to csc_analyst;
grant select on dq.runs to csc_analyst;
