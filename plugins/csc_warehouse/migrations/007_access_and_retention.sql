-- Per-authority access, re-identification with an audit trail, and the records retention keeps.
--
-- One warehouse serves several councils. An analyst login is mapped to the authorities whose rows
-- it may read (access.analyst_authorities); row-level security on la_code then filters every table
-- of `reporting` and `dq` for it. csc_warehouse.access applies the policies and grants to each
-- table, and publication calls it on every new table before the swap commits, so they survive
-- every publication and rollback. Table owners and superusers are not bound by row-level security:
-- analysts connect as neither.
--
-- Until then, analysts read nothing of `reporting` and `dq` (fail closed): a table that nobody has
-- secured is a table an analyst must not read.

create schema if not exists access;
revoke all on schema access from public;

do $$
begin
    if not exists (select from pg_roles where rolname = 'csc_revealer') then
        create role csc_revealer nologin;
    end if;
end
$$;
comment on role csc_revealer is
    'May map a pseudonymous child key back to its authority''s own child id (csc reveal), audited.';

grant usage on schema access to csc_analyst, csc_transformer, csc_revealer;

revoke select on all tables in schema reporting, dq from csc_analyst;
alter default privileges in schema reporting revoke select on tables from csc_analyst;
alter default privileges in schema dq revoke select on tables from csc_analyst;

-- -- who sees which authority --------------------------------------------------------------

create table access.analyst_authorities (
    login       text not null,
    la_code     text not null check (la_code ~ '^[0-9]{3}$'),
    granted_by  text not null default session_user,
    granted_at  timestamptz not null default now(),
    primary key (login, la_code)
);
comment on table access.analyst_authorities is
    'Which authorities each analyst login may read in reporting and dq (csc grant-analyst). A login '
    'with no row here reads no authority''s rows.';
alter table access.analyst_authorities enable row level security;
create policy analysts_see_their_own_mapping on access.analyst_authorities
    for select to csc_analyst, csc_revealer using (login = current_user);
grant select on access.analyst_authorities to csc_analyst, csc_revealer;

-- The authorities of the user running the query. The mapping is per login: an analyst who sets
-- their role to the csc_analyst group role itself has no mapping and reads nothing.
create function access.my_la_codes() returns text[]
language sql stable parallel safe set search_path = pg_catalog, pg_temp as $$
    select coalesce(array_agg(la_code order by la_code), '{}')
    from access.analyst_authorities
    where login = current_user
$$;

-- For views, which cannot carry policies: true when the current user may read an authority's
-- rows. The warehouse's own roles read every authority; an analyst reads their own.
create function access.sees_authority(la_code text) returns boolean
language sql stable parallel safe set search_path = pg_catalog, pg_temp as $$
    select la_code = any (access.my_la_codes())
        or pg_has_role('csc_transformer', 'usage')
        or not pg_has_role('csc_analyst', 'usage')
$$;

-- dq rows that name a delivery version but no authority belong to the version's authority.
-- Security definer: analysts may not read the ledger, only learn which authority a version is of.
create function access.la_code_of_version(version bigint) returns text
language sql stable security definer set search_path = pg_catalog, pg_temp as $$
    select la_code from ledger.delivery_versions where delivery_version_id = version
$$;
revoke all on function access.la_code_of_version(bigint) from public;
grant execute on function access.la_code_of_version(bigint) to csc_analyst, csc_transformer;

-- Every delivery version, for analysts: their own authorities' only. The reason of a quarantined
-- version names a file, row and value, never another authority's.
create or replace view dq.deliveries with (security_barrier) as
select delivery_version_id, la_code, extract_date, status, reason, files, rows_loaded, received_at,
       finished_at, checked_at
from ledger.delivery_versions
where access.sees_authority(la_code);

-- The state of each weekly run, which every authority shares; dq.runs itself is not for analysts,
-- its summary holds every authority's deliveries, figures and flagged keys.
create view dq.run_states as
select run_id, dag_id, as_at, started_at, finished_at, state
from dq.runs;
comment on view dq.run_states is 'Each weekly run and how it ended (dq.runs without its all-authority summary).';

-- -- re-identification ------------------------------------------------------------------------

-- Columns of raw tables that hold an authority's own child id. csc_warehouse.access adds those
-- of every table csc_warehouse.tables knows; reveal and erase look in every raw table that has one.
create table access.child_id_columns (
    column_name text primary key
);
insert into access.child_id_columns values ('child'), ('lachildid');

create table access.reveals (
    reveal_id       bigint generated always as identity primary key,
    requested_at    timestamptz not null default clock_timestamp(),
    login           text not null default session_user,
    acting_role     text not null,
    client_addr     inet default inet_client_addr(),
    child_key       text not null,
    reason          text not null check (length(btrim(reason)) >= 5),
    request_xact    xid8 not null default pg_current_xact_id(),
    outcome         text not null default 'requested' check (outcome in ('requested', 'revealed', 'unknown')),
    la_code         text,
    answered_at     timestamptz
);
comment on table access.reveals is
    'Every request to map a pseudonymous child key back to a child id: who (login and the role they '
    'acted as), when, which key, why, and whether it was revealed. Committed before any id is shown. '
    'outcome stays requested when the answer''s transaction did not commit (the id may have been seen).';

-- The role a function's caller acts as: a security definer function sees its owner as
-- current_user, but the role setting still says what the caller set.
create function access.caller() returns text
language sql stable set search_path = pg_catalog, pg_temp as $$
    select coalesce(nullif(current_setting('role'), 'none'), session_user)
$$;

-- Step one: record the request and return its id. The caller commits it before asking for the
-- answer, so no rollback can remove the trace of a revealed id.
create function access.request_reveal(key text, reason text) returns bigint
language sql volatile security definer set search_path = pg_catalog, pg_temp as $$
    insert into access.reveals (acting_role, child_key, reason)
    values (access.caller(), lower(btrim(key)), btrim(reason))
    returning reveal_id
$$;

-- Step two: the answer to a committed request of the same caller, once, within ten minutes: the
-- authority and its own child id, or no row when the key is unknown or not of an authority the
-- caller may see (the two are not told apart). Superusers may see every authority.
create function access.reveal(request bigint) returns table (la_code text, child_id text)
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
    asked access.reveals;
    allowed text[];
    raw_column record;
    found_la text;
    found_id text;
begin
    select * into asked from access.reveals where reveal_id = request for update;
    if asked.reveal_id is null or asked.acting_role <> access.caller() then
        raise exception 'reveal request % is not one of yours', request using errcode = 'insufficient_privilege';
    end if;
    if pg_xact_status(asked.request_xact) is distinct from 'committed' then
        raise exception 'commit reveal request % before asking for its answer: an uncommitted request is no audit',
            request using errcode = 'invalid_transaction_state';
    end if;
    if asked.outcome <> 'requested' or asked.requested_at < now() - interval '10 minutes' then
        raise exception 'reveal request % was answered or has expired: request again', request
            using errcode = 'insufficient_privilege';
    end if;

    select case when r.rolsuper then (select array_agg(distinct v.la_code) from ledger.delivery_versions v)
                else (select array_agg(a.la_code) from access.analyst_authorities a where a.login = asked.acting_role)
           end
      into allowed
      from pg_roles r where r.rolname = asked.acting_role;

    -- The smallest raw tables first: the Header names every child once per version. Tables only,
    -- not views over them.
    for raw_column in
        select c.table_name, c.column_name
        from information_schema.columns c
        join pg_class t on t.relname = c.table_name and t.relnamespace = 'raw'::regnamespace
        where c.table_schema = 'raw' and t.relkind in ('r', 'p')
          and c.column_name in (select column_name from access.child_id_columns)
          and exists (select from information_schema.columns l where l.table_schema = 'raw'
                      and l.table_name = c.table_name and l.column_name = 'la_code')
        order by t.reltuples, c.table_name
    loop
        exit when allowed is null;
        -- Raw holds ids as delivered (' 1001.0'); the answer is the id as the door cleans it.
        execute format(
            'select la_code, child from (select distinct la_code, raw.clean_id(%1$I) as child from raw.%2$I'
            ' where la_code = any ($1) and %1$I is not null) as children'
            ' where keys.child_key(la_code, child) = $2 limit 1',
            raw_column.column_name, raw_column.table_name)
        into found_la, found_id using allowed, asked.child_key;
        exit when found_id is not null;
    end loop;

    update access.reveals
       set outcome = case when found_id is null then 'unknown' else 'revealed' end,
           la_code = found_la, answered_at = clock_timestamp()
     where reveal_id = request;
    if found_id is not null then
        return query select found_la, found_id;
    end if;
end
$$;
revoke all on function access.request_reveal(text, text) from public;
revoke all on function access.reveal(bigint) from public;
grant execute on function access.request_reveal(text, text) to csc_revealer;
grant execute on function access.reveal(bigint) to csc_revealer;

-- -- retention ---------------------------------------------------------------------------------

alter table ledger.delivery_versions add column purged_at timestamptz;
comment on column ledger.delivery_versions.purged_at is
    'When retention removed the version''s raw rows (csc purge); the ledger row stays.';

create table ledger.purges (
    delivery_version_id bigint not null references ledger.delivery_versions,
    purged_at           timestamptz not null default now(),
    purged_by           text not null default session_user,
    why                 text not null check (why in ('superseded', 'rejected', 'quarantined')),
    retention_days      integer not null,
    rows_deleted        bigint not null
);
comment on table ledger.purges is
    'Each delivery version whose raw rows (or door findings, if quarantined) retention removed, and why.';

create table ledger.erasures (
    erasure_id      bigint generated always as identity primary key,
    erased_at       timestamptz not null default now(),
    login           text not null default session_user,
    requested_by    text not null,
    reason          text,
    la_code         text not null,
    child_key       text,
    rows_deleted    jsonb not null,
    total_rows      bigint not null
);
comment on table ledger.erasures is
    'Each child erased from the warehouse (csc erase): who asked and who ran it, when, the rows removed '
    'per table, and the child''s pseudonymous key, never the id.';
