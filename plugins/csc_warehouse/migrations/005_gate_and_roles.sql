-- The quality gate's states, its records in dq, and what each role may touch.
--
-- A delivery version that passes the door is `loaded`; the gate then makes it `accepted` or
-- `rejected` (a `block` check failed). Only accepted versions feed the published tables. A person
-- may accept a rejected version after review (`csc accept`), recorded in dq.acceptances.

alter table ledger.delivery_versions drop constraint delivery_versions_status_check;
alter table ledger.delivery_versions add constraint delivery_versions_status_check
    check (status in ('loading', 'loaded', 'accepted', 'quarantined', 'rejected'));
alter table ledger.delivery_versions add column checked_at timestamptz;
alter table ledger.delivery_versions add column checked_by_run text;

alter table dq.validations add column scope text not null default 'mart' check (scope in ('delivery', 'mart'));
alter table dq.validations add column as_at date;

create table dq.flagged_records (
    validation_id       bigint not null references dq.validations on delete cascade,
    la_code             text,
    child_key           text,
    record              jsonb not null
);
comment on table dq.flagged_records is
    'The records a failed check flagged: pseudonymous child key, dates and codes only.';
create index on dq.flagged_records (validation_id);

create table dq.acceptances (
    delivery_version_id bigint not null references ledger.delivery_versions,
    accepted_by         text not null,
    reason              text not null,
    accepted_at         timestamptz not null default now()
);
comment on table dq.acceptances is 'Rejected delivery versions a person accepted after review, who and why.';

create table dq.publications (
    run_id              text not null,
    published_at        timestamptz not null default now(),
    tables              text[] not null,
    kept_la_codes       text[] not null default '{}',
    action              text not null default 'publish' check (action in ('publish', 'rollback'))
);

create view dq.deliveries as
select delivery_version_id, la_code, extract_date, status, reason, files, rows_loaded, received_at,
       finished_at, checked_at
from ledger.delivery_versions;
comment on view dq.deliveries is 'Every delivery version and what happened to it (the ledger, for analysts).';

-- What each role may touch. Analysts read reporting and dq, never raw or the ledger.
grant usage on schema raw, ledger to csc_loader;
grant select, insert on all tables in schema raw to csc_loader;
grant select, insert, update on all tables in schema ledger to csc_loader;
alter default privileges in schema raw grant select, insert on tables to csc_loader;

grant select on all tables in schema raw, ledger to csc_transformer;
alter default privileges in schema raw grant select on tables to csc_transformer;
grant update on ledger.delivery_versions to csc_transformer;
grant all on schema build, reporting, reporting_previous to csc_transformer;
grant select, insert, update on all tables in schema dq to csc_transformer;
alter default privileges in schema dq grant select, insert, update on tables to csc_transformer;

grant select on all tables in schema dq to csc_analyst;
revoke all on schema raw, ledger, build from csc_analyst;
