-- Schemas, roles and the load ledger. Raw tables are created from csc_warehouse.tables.
--   raw        what deliveries held, one row per source row, every version kept
--   ledger     which delivery versions and files arrived, and what happened to them
--   build      where dbt builds the marts before the quality gate
--   reporting  what analysts read; replaced in one transaction by publication
--   dq         every validation, run and alert

do $$
begin
    if not exists (select from pg_roles where rolname = 'csc_loader') then
        create role csc_loader nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'csc_transformer') then
        create role csc_transformer nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'csc_analyst') then
        create role csc_analyst nologin;
    end if;
end
$$;

create schema if not exists raw;
create schema if not exists ledger;
create schema if not exists build;
create schema if not exists reporting;
create schema if not exists reporting_previous;
create schema if not exists dq;

create table ledger.delivery_versions (
    delivery_version_id bigint generated always as identity primary key,
    la_code             text not null check (la_code ~ '^[0-9]{3}$'),
    extract_date        date not null,
    sha256              text not null,
    folder              text not null,
    status              text not null check (status in ('loading', 'accepted', 'quarantined', 'rejected')),
    reason              text,
    files               integer not null default 0,
    rows_loaded         bigint not null default 0,
    received_at         timestamptz not null default now(),
    finished_at         timestamptz,
    seconds             numeric(10, 3),
    unique (la_code, extract_date, sha256)
);
comment on table ledger.delivery_versions is
    'One row per delivery version (la_code, extract date, sha256 of its files). The newest accepted '
    'version of a (la_code, extract_date) is the one the published figures use; earlier ones stay in raw.';

create table ledger.delivery_files (
    delivery_version_id bigint not null references ledger.delivery_versions on delete cascade,
    file_name           text not null,
    sheet               text not null default '',
    sha256              text not null,
    table_name          text,
    status              text not null check (status in ('accepted', 'quarantined', 'ignored')),
    reason              text,
    rows_read           bigint not null default 0,
    rows_loaded         bigint not null default 0,
    seconds             numeric(10, 3),
    primary key (delivery_version_id, file_name, sheet)
);

create table ledger.door_findings (
    delivery_version_id bigint not null references ledger.delivery_versions on delete cascade,
    file_name           text not null,
    sheet               text not null default '',
    row_number          bigint,
    column_name         text,
    value               text,
    rule                text not null,
    message             text not null
);
comment on table ledger.door_findings is
    'Why a delivery was quarantined: the file, row (1 = the header row), column, value and rule.';

create table dq.runs (
    run_id              text primary key,
    dag_id              text not null,
    as_at               date not null,
    started_at          timestamptz not null default now(),
    finished_at         timestamptz,
    state               text,
    summary             jsonb
);

grant usage on schema raw, ledger to csc_loader;
grant usage on schema raw, ledger, build, reporting, reporting_previous, dq to csc_transformer;
grant usage on schema reporting, dq to csc_analyst;
grant select on all tables in schema dq to csc_analyst;
alter default privileges in schema reporting grant select on tables to csc_analyst;
alter default privileges in schema dq grant select on tables to csc_analyst;

-- Strict date parsing: DD/MM/YYYY, D/M/YYYY or ISO YYYY-MM-DD (Excel date cells arrive as ISO,
-- sometimes with a midnight time), a real calendar date, and nothing else: no two-digit years,
-- no trailing text. Null when the text is not such a date. Plain SQL with no exception block, so
-- PostgreSQL can inline it over millions of rows.
create or replace function raw.date_parts(value text) returns int[]
language sql immutable parallel safe as $$
    select coalesce(
        (select array[m[3]::int, m[2]::int, m[1]::int]
           from regexp_match(btrim(value), '^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$') as m),
        (select array[m[1]::int, m[2]::int, m[3]::int]
           from regexp_match(btrim(value), '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]00:00(?::00)?)?$') as m)
    )
$$;

create or replace function raw.date_from_parts(p int[]) returns date
language sql immutable parallel safe as $$
    select case
        when p is null or p[1] < 1900 or p[2] not between 1 and 12 or p[3] < 1 then null
        else case
            when p[3] <= extract(day from make_date(p[1], p[2], 1) + interval '1 month' - interval '1 day')
            then make_date(p[1], p[2], p[3])
        end
    end
$$;

create or replace function raw.parse_date(value text) returns date
language sql immutable parallel safe as $$
    select raw.date_from_parts(raw.date_parts(value))
$$;

-- Child ids are text; Excel turns 123456 into 123456.0.
create or replace function raw.clean_id(value text) returns text
language sql immutable parallel safe as $$
    select nullif(regexp_replace(upper(btrim(value)), '\.0+$', ''), '')
$$;

create or replace function raw.clean_code(value text) returns text
language sql immutable parallel safe as $$
    select nullif(upper(regexp_replace(value, '\s', '', 'g')), '')
$$;
