-- Raw holds what was delivered, as text (issue 3): every delivered column is `text` and keeps the
-- value exactly as the file held it ('123456.0', ' c2 ', '1/4/2015'). Typing moves to dbt staging,
-- with the door's own functions (raw.clean_id, raw.clean_code, raw.parse_date); the door still
-- checks every value on its cleaned form before anything of a delivery version stays in raw.
--
-- No foreign key to ledger.delivery_versions: checking it cost more per row than the COPY itself
-- (psql \copy of 1M episodes into a raw-shaped table: 5.4 s with it, 1.5 s without). Loading writes
-- a version's ledger row and its raw rows in one transaction, and retention (csc purge) deletes raw
-- rows itself. A BRIN index on delivery_version_id (nearly free to maintain, as rows arrive version
-- by version) lets the door, the gate and retention read one version without reading them all.
--
-- Existing raw tables are converted in place, not dropped: raw keeps every version, and a correction
-- replaces the files in its landing folder, so an earlier version cannot always be loaded again.
-- Their date columns become ISO text (to_char 'YYYY-MM-DD'), which raw.parse_date reads back to the
-- same date; their ids and codes are already text, cleaned as the door typed them.
--
-- Every statement here can run again (create or replace, if not exists, checks in the loop): a
-- warehouse that applied an earlier draft of this migration can delete its row from
-- ledger.schema_migrations and migrate again.

-- -- the load's provenance ---------------------------------------------------------------------

-- Loading sets csc.delivery_version_id, csc.la_code and csc.source_file for its transaction
-- (set_config(..., true)) and COPYs only the file's own columns; the raw tables' defaults read the
-- settings. The functions are declared immutable on purpose, although they read a setting: then
-- PostgreSQL evaluates each once per COPY (when it plans the column defaults) instead of once per
-- row (three settings read per row cost 0.2 s per million rows, a fifth of the COPY). The price: a
-- plan kept across statements (a prepared INSERT into raw, an INSERT inside a PL/pgSQL function)
-- would keep the values it was planned with, so whatever else writes to raw gives the provenance
-- columns explicitly. Unset, each is null, and the not-null columns refuse the row.
create or replace function raw.loading_delivery_version_id() returns bigint
language plpgsql immutable as $$
begin
    return nullif(current_setting('csc.delivery_version_id', true), '')::bigint;
end
$$;

create or replace function raw.loading_la_code() returns text
language plpgsql immutable as $$
begin
    return nullif(current_setting('csc.la_code', true), '');
end
$$;

create or replace function raw.loading_source_file() returns text
language plpgsql immutable as $$
begin
    return nullif(current_setting('csc.source_file', true), '');
end
$$;

-- -- the door's cheap date check -----------------------------------------------------------------

-- Every date from 1990 to 2039 as DD/MM/YYYY, the way the DfE asks for them. The door checks a date
-- by looking it up here first (PostgreSQL hashes `= any(...)` of a constant array, and folds this
-- immutable function into one when it plans the check): a value found is exactly one raw.parse_date
-- accepts. Any other value (D/M/YYYY, ISO, another year, not a date) goes to raw.parse_date itself.
-- Over 1M dates: 0.1 s, where a shape test and PostgreSQL's date input take 0.4 s, raw.parse_date 1.6 s.
create or replace function raw.usual_dates() returns text[]
language sql immutable parallel safe as $$
    select array_agg(to_char(day, 'DD/MM/YYYY') order by day)
    from generate_series(date '1990-01-01', date '2039-12-31', interval '1 day') as day
$$;

-- -- every existing raw table, as delivered ------------------------------------------------------

-- source_row is the file's line (CSV, workbooks) or its <CHILD> element (XML). Workbooks and XML
-- give it; for CSV it is an identity whose sequence loading sets to the file's first data line just
-- before the COPY, under an advisory lock so that no two loads draw from it at once.
do $$
declare
    raw_table record;
    foreign_key record;
    changes text[];
    typed record;
begin
    for raw_table in
        select c.relname as name
        from pg_class c
        where c.relnamespace = 'raw'::regnamespace and c.relkind = 'r'
          and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'delivery_version_id')
        order by c.relname
    loop
        for foreign_key in
            select conname from pg_constraint
            where conrelid = format('raw.%I', raw_table.name)::regclass and contype = 'f'
              and confrelid = 'ledger.delivery_versions'::regclass
        loop
            execute format('alter table raw.%I drop constraint %I', raw_table.name, foreign_key.conname);
        end loop;

        changes := array[
            'alter column delivery_version_id set default raw.loading_delivery_version_id()',
            'alter column la_code set default raw.loading_la_code()',
            'alter column source_file set default raw.loading_source_file()'];
        for typed in
            select column_name, data_type from information_schema.columns
            where table_schema = 'raw' and table_name = raw_table.name and data_type <> 'text'
              and column_name not in ('delivery_version_id', 'source_row')
            order by ordinal_position
        loop
            changes := changes || case when typed.data_type = 'date'
                then format('alter column %I type text using to_char(%I, %L)', typed.column_name,
                            typed.column_name, 'YYYY-MM-DD')
                else format('alter column %I type text using %I::text', typed.column_name, typed.column_name)
            end;
        end loop;
        if not exists (select from pg_attribute
                       where attrelid = format('raw.%I', raw_table.name)::regclass and attname = 'source_row'
                         and attidentity <> '') then
            changes := changes || 'alter column source_row add generated by default as identity (cache 1000)'::text;
        end if;
        execute format('alter table raw.%I %s', raw_table.name, array_to_string(changes, ', '));
        execute format('create index if not exists %I on raw.%I using brin (delivery_version_id)',
                       raw_table.name || '_version_brin', raw_table.name);
    end loop;
end
$$;

-- -- the two tables the typed views read, on a warehouse that has none yet ------------------------

-- migrate() creates every raw table after the migrations (csc_warehouse.warehouse.raw_table_ddl,
-- the same shape as here); on a new warehouse these two must exist already, for the views below.
create table if not exists raw.ssda903_header (
    delivery_version_id bigint not null default raw.loading_delivery_version_id(),
    la_code text not null default raw.loading_la_code(),
    source_file text not null default raw.loading_source_file(),
    source_row bigint not null generated by default as identity (cache 1000),
    child text, sex text, dob text, ethnic text, upn text, mother text, mc_dob text
);
create index if not exists ssda903_header_version_brin on raw.ssda903_header using brin (delivery_version_id);

create table if not exists raw.ssda903_episodes (
    delivery_version_id bigint not null default raw.loading_delivery_version_id(),
    la_code text not null default raw.loading_la_code(),
    source_file text not null default raw.loading_source_file(),
    source_row bigint not null generated by default as identity (cache 1000),
    child text, decom text, rne text, ls text, cin text, place text, place_provider text, dec text, rec text,
    reason_place_change text, home_post text, pl_post text, urn text
);
create index if not exists ssda903_episodes_version_brin on raw.ssda903_episodes using brin (delivery_version_id);

-- -- typed views, for the delivery suites ---------------------------------------------------------

-- The delivery suites (expectations/ssda903_*.yml) compare dates and codes: they read these views,
-- which have raw's column names, typed as the door typed them (and as staging does): ids and codes
-- cleaned, dates parsed, other text trimmed with blanks as null.
create or replace view raw.ssda903_header_typed as
select
    delivery_version_id, la_code, source_file, source_row,
    raw.clean_id(child) as child,
    raw.clean_code(sex) as sex,
    raw.parse_date(dob) as dob,
    nullif(btrim(ethnic), '') as ethnic,
    nullif(btrim(upn), '') as upn,
    nullif(btrim(mother), '') as mother,
    raw.parse_date(mc_dob) as mc_dob
from raw.ssda903_header;
comment on view raw.ssda903_header_typed is
    'raw.ssda903_header typed by the door''s rules (raw.clean_id, raw.clean_code, raw.parse_date).';

create or replace view raw.ssda903_episodes_typed as
select
    delivery_version_id, la_code, source_file, source_row,
    raw.clean_id(child) as child,
    raw.parse_date(decom) as decom,
    raw.clean_code(rne) as rne,
    raw.clean_code(ls) as ls,
    raw.clean_code(cin) as cin,
    raw.clean_code(place) as place,
    raw.clean_code(place_provider) as place_provider,
    raw.parse_date(dec) as dec,
    raw.clean_code(rec) as rec,
    nullif(btrim(reason_place_change), '') as reason_place_change,
    nullif(btrim(home_post), '') as home_post,
    nullif(btrim(pl_post), '') as pl_post,
    nullif(btrim(urn), '') as urn
from raw.ssda903_episodes;
comment on view raw.ssda903_episodes_typed is
    'raw.ssda903_episodes typed by the door''s rules (raw.clean_id, raw.clean_code, raw.parse_date).';

-- -- privileges -----------------------------------------------------------------------------------

-- The loader draws source_row from the identities' sequences and sets them (setval needs update).
grant usage, update on all sequences in schema raw to csc_loader;
alter default privileges in schema raw grant usage, update on sequences to csc_loader;
grant select on raw.ssda903_header_typed, raw.ssda903_episodes_typed to csc_transformer;
