"""`make bench-dbt`: a full dbt refresh of a national-scale history against the weekly path.

A benchmark, kept out of CI and `make test`; it asserts nothing. It generates the history of
--authorities authorities (default 150, codes 201 upwards), each with --weeks weekly deliveries
(default 52, Mondays from 1 April 2024 to 24 March 2025, all of collection year 2024/25), holding
--episodes SSDA903 episodes in total over all of those accepted deliveries (default 5,000,000:
about 640 per delivery; `make bench-dbt EPISODES=500000` for fewer) and child protection plans in
proportion (0.6 plan rows per episode row). Then it times, by wall clock:
  - FULL: `transforming.build(full_refresh=True)` (one `dbt build`: seeds, models and data tests;
    unit tests are left out of builds, as in the DAG), then `publishing.publish()` of every mart;
    printed as full_refresh_seconds;
  - WEEKLY: one authority's next weekly delivery (extract date 31 March 2025, a week after its
    last) is written as CSV files (episodes.csv, header.csv, and cp_plans.csv with the Children in
    Need census names) into a landing folder, loaded by `loading.ingest_path` (the door) and checked
    by `quality.check_deliveries` (the delivery gate, which accepts it), none of which is timed;
    then `transforming.build()` (no full refresh) and `publishing.publish()` are. This is done
    --weekly-runs times (default 3), each time for another authority, and the median is printed as
    weekly_seconds;
and ends with the line `weekly_vs_full=<weekly_seconds / full_refresh_seconds>`.

The history does not go through the door or the gate, which would take hours at this scale: it is
written straight into raw.ssda903_episodes, raw.ssda903_header and raw.cin_cp_plans (as text, the
dates DD/MM/YYYY, with the provenance columns loading fills: delivery_version_id, la_code,
source_file and source_row, the file line), with the ledger rows of deliveries that passed both
(ledger.delivery_versions 'accepted', ledger.delivery_files 'accepted' for each of the three
files), exactly as `csc ingest` and the gate leave them. Rows are made inside PostgreSQL from a
small "true history" per authority (children, their 1 to 3 episodes of care and their plans, from
deterministic hashes of their ids, so every run generates the same data): each delivery is the
snapshot of the records open on or after 1 April of the year before its extract date (the data
contract's window), with an episode or plan ending after the extract date shown open. The tables
are vacuumed and analysed afterwards, as autovacuum would have done over a year of deliveries.
Generation is timed and printed, and is not part of the ratio.

The data: children aged 0 to 17 at the start of care, whose episodes stop at their 18th birthday;
periods of care of consecutive episodes (REC X1, then RNE P, T, L or B), some ending with a return
home and a new period later; police protection (L1) periods of 0 to 3 days (a few longer), many
ending with a return home (E4A, E13, E4B), and episodes ending the day they start, so that
lac_brief_episodes has rows of every flag; short breaks (V3, V4). Plans of 2 weeks to 3 years under
NEG, EMO, PHY, SAB or MUL, some children with a repeat plan or one replacing another on the day.

Uses CSC_WAREHOUSE_URL when set: the benchmark then creates a database of its own there
(csc_bench_dbt, dropped first if it exists) and drops it afterwards. Otherwise it starts an
embedded warehouse in a temporary folder and removes it afterwards. --keep keeps either (and the
temporary folder) for a look. dbt runs on a copy of dbt_project/ made at the start, in the
temporary folder, so that tests or builds running on this checkout meanwhile neither disturb the
benchmark nor are disturbed by it; its target/run_results.json gives each node's time, and the
slowest nodes of the full refresh and of the first weekly run are printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

BENCH_DATABASE = "csc_bench_dbt"
SCRATCH = "bench_gen"  # schema of the true history the deliveries are cut from
GENERATED_BY = "bench-generated"  # checked_by_run of the generated versions, as a gate run id would be
FIRST_EXTRACT = date(2024, 4, 1)  # a Monday, the first day of collection year 2024/25
FIRST_LA_CODE = 201
PLANS_PER_EPISODE = 0.6
# How far before the first delivery's window the true history starts: long stays (up to 3 episodes of
# up to five years each) that are still open in the first deliveries began up to this long before.
HISTORY_LEAD_DAYS = 2500
# A child back home between two periods of care stays home for at most this long. It must be shorter
# than the shortest delivery window (from 1 April of the previous year to an extract date early in
# January: 280 days), so that a child is in a delivery exactly when the delivery spans their first
# episode's start to their last episode's end, which is how Header rows are chosen.
LONGEST_RETURN_HOME_DAYS = 250
SLOWEST_NODES = 10

FILE_COLUMNS = {
    "episodes.csv": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    "header.csv": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "cp_plans.csv": (
        "LAchildID",
        "PersonBirthDate",
        "Sex",
        "Ethnicity",
        "CPPstartDate",
        "CPPendDate",
        "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP",
    ),
}
FILE_TABLES = {"episodes.csv": "ssda903_episodes", "header.csv": "ssda903_header", "cp_plans.csv": "cin_cp_plans"}

# Codes, repeated to weight them roughly as they occur. No Z1, K3 or Z11-Z14: their collection years
# differ, and a delivery gate warning about them would be noise here.
FIRST_LEGAL_STATUSES = (
    ["C2"] * 6 + ["C1"] * 2 + ["V2"] * 3 + ["L1"] * 2 + ["E1", "D1", "J1", "J2", "J3", "L2", "L3", "V3", "V4"]
)
AFTER_PROTECTION_LEGAL_STATUSES = ["L2", "C2", "C2", "C2", "V2", "V2"]
LATER_LEGAL_STATUSES = ["C2"] * 4 + ["C1"] * 2 + ["V2"] * 2 + ["E1", "D1", "J2"]
RETURNED_HOME = ["E4A", "E4A", "E13", "E4B"]
PERIOD_ENDS = (
    ["E4A"] * 4
    + ["E13"] * 2
    + ["E8"] * 2
    + ["E5"] * 2
    + ["E4B", "E11", "E12", "E41", "E45", "E46", "E47", "E48", "E17", "E3", "E6", "E7", "E9", "E14", "E15", "E16"]
)
AGED_18 = ["E17", "E5", "E8"]
PLACEMENTS = (
    ["U1"] * 3
    + ["U4"] * 2
    + ["U3"] * 2
    + ["K2"] * 2
    + [
        "U2",
        "U5",
        "U6",
        "R1",
        "S1",
        "P1",
        "P2",
        "H5",
        "A3",
        "A4",
        "A5",
        "A6",
        "T0",
        "T1",
        "T2",
        "T3",
        "T4",
        "R2",
        "R3",
        "R5",
        "K1",
        "P3",
    ]
)
PROVIDERS = ["PR1"] * 4 + ["PR4"] * 2 + ["PR0", "PR2", "PR3", "PR5"]
NEEDS = ["N1"] * 5 + ["N4"] * 2 + ["N5"] * 2 + ["N2", "N3", "N6", "N7", "N8"]
PLACEMENT_CHANGE_REASONS = ["CARPL", "CARPL", "LAREQ", "PLACE", "CHILD", "ALLEG", "STAND", "OTHER"]
ETHNICITIES = (
    ["WBRI"] * 8
    + ["WOTH"] * 2
    + ["BAFR"] * 2
    + [
        "WIRI",
        "WIRT",
        "MWBC",
        "MWBA",
        "MWAS",
        "MOTH",
        "AIND",
        "APKN",
        "ABAN",
        "AOTH",
        "BCRB",
        "BOTH",
        "CHNE",
        "OOTH",
        "REFU",
        "NOBT",
    ]
)
POSTCODE_AREAS = ["N", "E", "SE", "SW", "NW", "W", "B", "M", "L", "LS", "S", "BS", "NE", "CF", "NG", "LE"]
ABUSE_CATEGORIES = ["NEG"] * 10 + ["EMO"] * 7 + ["PHY", "PHY", "SAB", "MUL"]


def say(message: str) -> None:
    print(message, flush=True)


# -- the warehouse ------------------------------------------------------------------------------


def with_database(url: str, database: str) -> str:
    """The same server, user and options, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def recreate_database(server_url: str, database: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
        conn.execute(f'create database "{database}"')


def drop_database(server_url: str, database: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')


def isolate(work: Path, url: str) -> None:
    """Point every setting at the benchmark's own warehouse and folders, and dbt at a copy of the project.

    Set, not defaulted: a CSC_DBT_DBNAME (or any other setting) inherited from the shell must not
    send the benchmark's builds to someone's warehouse.
    """
    from csc_warehouse import settings

    home = work / "home"
    home.mkdir()
    shutil.copytree(
        settings.dbt_project_dir(),
        home / "dbt_project",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    for folder in (settings.expectations_dir(), settings.dags_dir()):
        (home / folder.name).symlink_to(folder, target_is_directory=True)
    os.environ.update(settings.QUIET_ENVIRONMENT)  # telemetry off: dbt, Cosmos, Great Expectations, Scarf
    # Temporary files of this process (Great Expectations' ephemeral docs sites among them) go with the rest.
    (work / "tmp").mkdir()
    os.environ["TMPDIR"] = tempfile.tempdir = str(work / "tmp")
    os.environ.update(
        {
            "CSC_HOME": str(home),
            "CSC_WAREHOUSE_URL": url,
            "CSC_STATE_DIR": str(work / "state"),
            "CSC_LANDING_DIR": str(work / "landing"),
            "CSC_DATA_DOCS_DIR": str(work / "data_docs"),
            "CSC_REPORT_DIR": str(work / "reports"),
            "AIRFLOW_HOME": str(work / "airflow"),
            "CSC_BUILD_SCHEMA": "build",
        }
    )
    os.environ.update(settings.dbt_environment())


def connect(url: str) -> psycopg.Connection:
    """Parameters interpolated by the client: most statements here are DDL, which takes no server-side ones."""
    from csc_warehouse import warehouse

    return psycopg.connect(url, autocommit=True, options=warehouse.SESSION_OPTIONS, cursor_factory=psycopg.ClientCursor)


# -- the true history ---------------------------------------------------------------------------

HELPERS = f"""
drop schema if exists {SCRATCH} cascade;
create schema {SCRATCH};
-- A uniform draw in [0, 1) from an id and a salt: the same every run, and different for every salt.
create function {SCRATCH}.u(id bigint, salt integer) returns double precision
language sql immutable parallel safe
as $$ select ((hashint8extended(id, salt) >> 11) & 4503599627370495)::double precision / 4503599627370496 $$;
create function {SCRATCH}.pick(choices text[], draw double precision) returns text
language sql immutable parallel safe as $$ select choices[1 + floor(draw * cardinality(choices))::integer] $$;
create function {SCRATCH}.dmy(value date) returns text
language sql immutable parallel safe as $$ select to_char(value, 'DD/MM/YYYY') $$;
-- The first day of the window of a delivery extracted on `extract_date`: 1 April of the year before.
create function {SCRATCH}.window_start(extract_date date) returns date
language sql immutable parallel safe as $$ select make_date(extract(year from extract_date)::integer - 1, 4, 1) $$;
-- The last extract date whose window still reaches `day`: 31 December of the year after the
-- collection year `day` falls in.
create function {SCRATCH}.last_extract_reaching(reached date) returns date
language sql immutable parallel safe as $$
    select make_date(extract(year from reached)::integer
                     + (reached >= make_date(extract(year from reached)::integer, 4, 1))::integer + 1, 1, 1) - 1
$$;
-- Days an episode lasts, by its legal status: police protection ends within 72 hours (a few are
-- recorded longer), EPOs within 21 days (some longer), assessment orders within 7; short breaks are short.
create function {SCRATCH}.episode_days(legal_status text, kind double precision, length double precision)
returns integer language sql immutable parallel safe as $$
    select (case
        when legal_status = 'L1' then case when kind < 0.03 then 4 + floor(length * 3) else floor(length * 4) end
        when legal_status = 'L2' then 1 + floor(length * 35)
        when legal_status = 'L3' then 1 + floor(length * 10)
        when legal_status in ('V3', 'V4') then 1 + floor(length * 21)
        when kind < 0.04 then floor(length * 4)
        when kind < 0.28 then 4 + floor(length * 87)
        when kind < 0.73 then 91 + floor(length * 450)
        else 541 + floor(length * 1260)
    end)::integer
$$;
create function {SCRATCH}.plan_days(kind double precision, length double precision) returns integer
language sql immutable parallel safe as $$
    select (case
        when kind < 0.10 then 14 + floor(length * 77)
        when kind < 0.65 then 91 + floor(length * 275)
        when kind < 0.90 then 366 + floor(length * 364)
        else 730 + floor(length * 470)
    end)::integer
$$;
-- Days between two plans of a child: the same day (a replacement, not a repeat), within two years
-- (a repeat plan) or later.
create function {SCRATCH}.days_between_plans(kind double precision, length double precision) returns integer
language sql immutable parallel safe as $$
    select (case when kind < 0.15 then 0 when kind < 0.55 then 30 + floor(length * 670)
                 else 731 + floor(length * 700) end)::integer
$$;
"""

WEEKS = f"""
create table {SCRATCH}.weeks as
select week, extract_date, {SCRATCH}.window_start(extract_date) as window_start
from generate_series(0, %(weeks)s - 1) as week,
     lateral (select %(first)s::date + 7 * week as extract_date) as extract
"""

AUTHORITIES = f"""
create table {SCRATCH}.authorities as
select
    (%(first_code)s + n)::text as la_code,
    %(first_code)s + n as la_number,
    %(episodes)s / %(count)s + (n < %(episodes)s %% %(count)s)::integer as episode_target,
    %(plans)s / %(count)s + (n < %(plans)s %% %(count)s)::integer as plan_target
from generate_series(0, %(count)s - 1) as n
"""

# Children looked after: the draws for each child, then their up to three episodes. Child numbers
# start at 1 in every authority; which of them are kept is decided afterwards (keep_children).
LAC_CHILDREN = f"""
create table {SCRATCH}.lac_children as
with children as (
    select authorities.la_code, child_number, authorities.la_number::bigint * 10000000 + child_number as id
    from {SCRATCH}.authorities cross join generate_series(1, %(pool)s) as child_number
),
drawn as (
    select
        children.*,
        %(history_start)s::date + floor({SCRATCH}.u(id, 1) * %(history_days)s)::integer as period_start,
        case when {SCRATCH}.u(id, 2) < 0.45 then 1 when {SCRATCH}.u(id, 2) < 0.78 then 2 else 3 end as episodes,
        1 + floor({SCRATCH}.u(id, 3) * 6300)::integer as age_days,
        {SCRATCH}.pick(%(first_ls)s, {SCRATCH}.u(id, 4)) as ls1,
        {SCRATCH}.u(id, 5) < 0.12 as home_before_2,
        {SCRATCH}.u(id, 6) < 0.12 as home_before_3
    from children
),
second_status as (
    select
        drawn.*,
        case
            when home_before_2 then {SCRATCH}.pick(%(first_ls)s, {SCRATCH}.u(id, 7))
            when ls1 in ('L1', 'L2', 'L3') then {SCRATCH}.pick(%(after_protection)s, {SCRATCH}.u(id, 7))
            when {SCRATCH}.u(id, 8) < 0.5 then ls1
            else {SCRATCH}.pick(%(later_ls)s, {SCRATCH}.u(id, 7))
        end as ls2
    from drawn
),
third_status as (
    select
        second_status.*,
        case
            when home_before_3 then {SCRATCH}.pick(%(first_ls)s, {SCRATCH}.u(id, 9))
            when ls2 in ('L1', 'L2', 'L3') then {SCRATCH}.pick(%(after_protection)s, {SCRATCH}.u(id, 9))
            when {SCRATCH}.u(id, 10) < 0.5 then ls2
            else {SCRATCH}.pick(%(later_ls)s, {SCRATCH}.u(id, 9))
        end as ls3
    from second_status
),
timed as (
    select
        third_status.*,
        {SCRATCH}.episode_days(ls1, {SCRATCH}.u(id, 11), {SCRATCH}.u(id, 12)) as days1,
        {SCRATCH}.episode_days(ls2, {SCRATCH}.u(id, 21), {SCRATCH}.u(id, 22)) as days2,
        {SCRATCH}.episode_days(ls3, {SCRATCH}.u(id, 31), {SCRATCH}.u(id, 32)) as days3,
        case when home_before_2 then 14 + floor({SCRATCH}.u(id, 23) * %(home_days)s)::integer else 0 end as gap2,
        case when home_before_3 then 14 + floor({SCRATCH}.u(id, 33) * %(home_days)s)::integer else 0 end as gap3
    from third_status
)
select
    la_code, child_number, id, episodes, ls1, ls2, ls3, home_before_2, home_before_3,
    period_start as start1,
    period_start + days1 as end1,
    period_start + days1 + gap2 as start2,
    period_start + days1 + gap2 + days2 as end2,
    period_start + days1 + gap2 + days2 + gap3 as start3,
    period_start + days1 + gap2 + days2 + gap3 + days3 as end3,
    period_start - age_days as dob,
    (period_start - age_days + interval '18 years')::date as eighteenth_birthday,
    (1000000 + child_number)::text as child,
    case when {SCRATCH}.u(id, 40) < 0.53 then 'M' else 'F' end as sex,
    {SCRATCH}.pick(%(ethnicities)s, {SCRATCH}.u(id, 41)) as ethnic,
    {SCRATCH}.pick(%(needs)s, {SCRATCH}.u(id, 42)) as cin,
    {SCRATCH}.pick(%(postcode_areas)s, {SCRATCH}.u(id, 43)) || (1 + floor({SCRATCH}.u(id, 44) * 28))::text
        || ' ' || (1 + floor({SCRATCH}.u(id, 45) * 9))::text || 'AB' as home_post
from timed
"""

LAC_EPISODES = f"""
create table {SCRATCH}.lac_episodes as
with episodes as (
    select
        children.la_code, children.child_number, children.id, children.child, children.cin, children.home_post,
        children.eighteenth_birthday, episode.*,
        children.id * 4 + episode.episode_number as episode_id
    from {SCRATCH}.lac_children as children
    cross join lateral (values
        (1, children.start1, children.end1, children.ls1, 'S',
         case when children.episodes = 1 then null when children.home_before_2 then 'home' else 'X1' end),
        (2, children.start2, children.end2, children.ls2,
         case when children.home_before_2 then 'S' when children.ls2 <> children.ls1 then 'LB' else 'PT' end,
         case when children.episodes = 2 then null when children.home_before_3 then 'home' else 'X1' end),
        (3, children.start3, children.end3, children.ls3,
         case when children.home_before_3 then 'S' when children.ls3 <> children.ls2 then 'LB' else 'PT' end,
         null)
    ) as episode (episode_number, decom, planned_dec, ls, rne_kind, rec_kind)
    where episode.episode_number <= children.episodes and episode.decom < children.eighteenth_birthday
),
coded as (
    select
        la_code, child_number, child, episode_number, ls, cin, home_post,
        decom,
        least(planned_dec, eighteenth_birthday - 1) as dec,
        case rne_kind
            when 'S' then 'S'
            when 'LB' then {SCRATCH}.pick(array['L', 'B'], {SCRATCH}.u(episode_id, 1))
            else {SCRATCH}.pick(array['P', 'P', 'P', 'P', 'T'], {SCRATCH}.u(episode_id, 1))
        end as rne,
        case
            when planned_dec >= eighteenth_birthday then {SCRATCH}.pick(%(aged_18)s, {SCRATCH}.u(episode_id, 2))
            when rec_kind = 'X1' then 'X1'
            when rec_kind = 'home' or ls in ('L1', 'L2', 'L3')
                then {SCRATCH}.pick(%(returned_home)s, {SCRATCH}.u(episode_id, 2))
            else {SCRATCH}.pick(%(period_ends)s, {SCRATCH}.u(episode_id, 2))
        end as rec,
        {SCRATCH}.pick(%(placements)s, {SCRATCH}.u(episode_id, 3)) as place,
        {SCRATCH}.pick(%(providers)s, {SCRATCH}.u(episode_id, 4)) as place_provider,
        case when rne_kind = 'PT' then {SCRATCH}.pick(%(change_reasons)s, {SCRATCH}.u(episode_id, 5)) end
            as reason_place_change,
        {SCRATCH}.pick(%(postcode_areas)s, {SCRATCH}.u(episode_id, 6))
            || (1 + floor({SCRATCH}.u(episode_id, 7) * 28))::text || ' '
            || (1 + floor({SCRATCH}.u(episode_id, 8) * 9))::text || 'CD' as pl_post,
        case when {SCRATCH}.u(episode_id, 9) < 0.6
            then 'SC' || (100000 + floor({SCRATCH}.u(episode_id, 10) * 899999))::text end as urn
    from episodes
)
select
    coded.*,
    {SCRATCH}.dmy(decom) as decom_text,
    {SCRATCH}.dmy(dec) as dec_text,
    -- the deliveries of the history holding this episode: those extracted on or after its start
    -- whose window reaches its end
    greatest(0, least(%(weeks)s - 1, floor(({SCRATCH}.last_extract_reaching(dec) - %(first)s::date) / 7.0)::integer)
                - greatest(0, ceil((decom - %(first)s::date) / 7.0)::integer) + 1) as deliveries
from coded
"""

CP_CHILDREN = f"""
create table {SCRATCH}.cp_children as
with children as (
    select authorities.la_code, child_number,
           authorities.la_number::bigint * 10000000 + 5000000 + child_number as id
    from {SCRATCH}.authorities cross join generate_series(1, %(pool)s) as child_number
),
drawn as (
    select
        children.*,
        %(history_start)s::date + floor({SCRATCH}.u(id, 1) * %(history_days)s)::integer as first_start,
        case when {SCRATCH}.u(id, 2) < 0.80 then 1 when {SCRATCH}.u(id, 2) < 0.97 then 2 else 3 end as plans,
        1 + floor({SCRATCH}.u(id, 3) * 5800)::integer as age_days,
        {SCRATCH}.plan_days({SCRATCH}.u(id, 11), {SCRATCH}.u(id, 12)) as days1,
        {SCRATCH}.plan_days({SCRATCH}.u(id, 21), {SCRATCH}.u(id, 22)) as days2,
        {SCRATCH}.plan_days({SCRATCH}.u(id, 31), {SCRATCH}.u(id, 32)) as days3,
        {SCRATCH}.days_between_plans({SCRATCH}.u(id, 23), {SCRATCH}.u(id, 24)) as gap2,
        {SCRATCH}.days_between_plans({SCRATCH}.u(id, 33), {SCRATCH}.u(id, 34)) as gap3
    from children
)
select
    la_code, child_number, id, plans,
    first_start as start1,
    first_start + days1 as end1,
    first_start + days1 + gap2 as start2,
    first_start + days1 + gap2 + days2 as end2,
    first_start + days1 + gap2 + days2 + gap3 as start3,
    first_start + days1 + gap2 + days2 + gap3 + days3 as end3,
    {SCRATCH}.dmy(first_start - age_days) as dob_text,
    (2000000 + child_number)::text as child,
    case when {SCRATCH}.u(id, 40) < 0.5 then 'M' else 'F' end as sex,
    {SCRATCH}.pick(%(ethnicities)s, {SCRATCH}.u(id, 41)) as ethnicity
from drawn
"""

CP_PLANS = f"""
create table {SCRATCH}.cp_plans as
with plans as (
    select children.*, plan.*, children.id * 4 + plan.plan_number as plan_id
    from {SCRATCH}.cp_children as children
    cross join lateral (values
        (1, children.start1, children.end1), (2, children.start2, children.end2), (3, children.start3, children.end3)
    ) as plan (plan_number, plan_start, plan_end)
    where plan.plan_number <= children.plans
),
coded as (
    select
        la_code, child_number, plan_number, child, dob_text, sex, ethnicity, plan_start, plan_end,
        {SCRATCH}.pick(%(categories)s, {SCRATCH}.u(plan_id, 1)) as initial_category,
        case when {SCRATCH}.u(plan_id, 2) < 0.15 then {SCRATCH}.pick(%(categories)s, {SCRATCH}.u(plan_id, 3)) end
            as changed_category,
        (plan_number - 1 + ({SCRATCH}.u(plan_id, 4) < 0.1)::integer)::text as previous_plans
    from plans
)
select
    la_code, child_number, plan_number, child, dob_text, sex, ethnicity, plan_start, plan_end,
    initial_category, coalesce(changed_category, initial_category) as latest_category, previous_plans,
    {SCRATCH}.dmy(plan_start) as start_text,
    {SCRATCH}.dmy(plan_end) as end_text,
    greatest(0, least(%(weeks)s - 1,
                      floor(({SCRATCH}.last_extract_reaching(plan_end) - %(first)s::date) / 7.0)::integer)
                - greatest(0, ceil((plan_start - %(first)s::date) / 7.0)::integer) + 1) as deliveries
from coded
"""

# Keep each authority's children in the order of their numbers (their draws do not depend on it)
# while their rows over all the history's deliveries stay within the authority's share of the
# target; the child that crosses it is kept when at least half of its rows fit, so that the total
# comes out close to the target rather than always under it.
KEEP_CHILDREN = f"""
with per_child as (
    select la_code, child_number, sum(deliveries) as rows_in_history
    from {SCRATCH}.{{records}} group by la_code, child_number
),
running as (
    select children.la_code, children.child_number, authorities.{{target}} as target,
           coalesce(per_child.rows_in_history, 0) as own_rows,
           sum(coalesce(per_child.rows_in_history, 0)) over (
               partition by children.la_code order by children.child_number) as rows_so_far
    from {SCRATCH}.{{children}} as children
    join {SCRATCH}.authorities as authorities using (la_code)
    left join per_child using (la_code, child_number)
)
delete from {SCRATCH}.{{children}} as children
using running
where running.la_code = children.la_code and running.child_number = children.child_number
  and running.rows_so_far - running.own_rows / 2.0 > running.target
"""

# The rows of a delivery, as its files hold them, for the deliveries in {deliveries} (delivery_version_id,
# la_code, extract_date, window_start): the records started by the extract date whose end the window
# reaches, an end after the extract date shown open. source_row is the file line (the header is line 1).
EPISODE_ROWS = f"""
select
    deliveries.delivery_version_id, deliveries.la_code,
    1 + row_number() over (partition by deliveries.delivery_version_id
                           order by episodes.child_number, episodes.episode_number) as source_row,
    episodes.child, episodes.decom_text as decom, episodes.rne, episodes.ls, episodes.cin, episodes.place,
    episodes.place_provider,
    case when episodes.dec <= deliveries.extract_date then episodes.dec_text end as dec,
    case when episodes.dec <= deliveries.extract_date then episodes.rec end as rec,
    episodes.reason_place_change, episodes.home_post, episodes.pl_post, episodes.urn
from {{deliveries}} as deliveries
join {SCRATCH}.lac_episodes as episodes on episodes.la_code = deliveries.la_code
where episodes.decom <= deliveries.extract_date and episodes.dec >= deliveries.window_start
"""

HEADER_ROWS = f"""
select
    deliveries.delivery_version_id, deliveries.la_code,
    1 + row_number() over (partition by deliveries.delivery_version_id order by children.child_number) as source_row,
    children.child, children.sex, {SCRATCH}.dmy(children.dob) as dob, children.ethnic,
    'A' || lpad((children.id %% 1000000000000)::text, 12, '0') as upn,
    case when children.sex = 'F' and deliveries.extract_date - children.dob > 4380
         then case when {SCRATCH}.u(children.id, 50) < 0.04 then '1' else '0' end end as mother,
    null::text as mc_dob
from {{deliveries}} as deliveries
join {SCRATCH}.lac_children as children on children.la_code = deliveries.la_code
where children.first_decom <= deliveries.extract_date and children.last_dec >= deliveries.window_start
"""

PLAN_ROWS = f"""
select
    deliveries.delivery_version_id, deliveries.la_code,
    1 + row_number() over (partition by deliveries.delivery_version_id
                           order by plans.child_number, plans.plan_number) as source_row,
    plans.child as lachildid, plans.dob_text as personbirthdate, plans.sex, plans.ethnicity,
    plans.start_text as cppstartdate,
    case when plans.plan_end <= deliveries.extract_date then plans.end_text end as cppenddate,
    plans.initial_category as initialcategoryofabuse, plans.latest_category as latestcategoryofabuse,
    plans.previous_plans as numberofpreviouscpp
from {{deliveries}} as deliveries
join {SCRATCH}.cp_plans as plans on plans.la_code = deliveries.la_code
where plans.plan_start <= deliveries.extract_date and plans.plan_end >= deliveries.window_start
"""

ROWS_BY_FILE = {"episodes.csv": EPISODE_ROWS, "header.csv": HEADER_ROWS, "cp_plans.csv": PLAN_ROWS}


def raw_columns(file_name: str) -> list[str]:
    return [column.lower() for column in FILE_COLUMNS[file_name]]


def make_true_history(conn, *, authorities: int, weeks: int, later_weeks: int, episodes: int) -> None:
    """Children, episodes and plans per authority, enough for the target and the weeks after the history."""
    conn.execute(HELPERS)
    conn.execute(WEEKS, {"weeks": weeks + later_weeks, "first": FIRST_EXTRACT})
    plans = round(episodes * PLANS_PER_EPISODE)
    conn.execute(AUTHORITIES, {"first_code": FIRST_LA_CODE, "count": authorities, "episodes": episodes, "plans": plans})
    first_window = date(FIRST_EXTRACT.year - 1, 4, 1)
    history_start = first_window - timedelta(days=HISTORY_LEAD_DAYS)
    history_end = FIRST_EXTRACT + timedelta(weeks=weeks + later_weeks)
    common = {
        "history_start": history_start,
        "history_days": (history_end - history_start).days,
        "weeks": weeks,
        "first": FIRST_EXTRACT,
        "ethnicities": ETHNICITIES,
    }
    lac = {
        **common,
        "first_ls": FIRST_LEGAL_STATUSES,
        "after_protection": AFTER_PROTECTION_LEGAL_STATUSES,
        "later_ls": LATER_LEGAL_STATUSES,
        "home_days": LONGEST_RETURN_HOME_DAYS - 14,
        "needs": NEEDS,
        "postcode_areas": POSTCODE_AREAS,
        "aged_18": AGED_18,
        "returned_home": RETURNED_HOME,
        "period_ends": PERIOD_ENDS,
        "placements": PLACEMENTS,
        "providers": PROVIDERS,
        "change_reasons": PLACEMENT_CHANGE_REASONS,
    }
    # A child looked after is in about 2.5 deliveries' worth of windows per delivery-row: start with
    # a pool of four children per row a delivery should hold, and double it until it is enough.
    per_delivery = episodes / (authorities * weeks)
    make_children(
        conn,
        "lac_children",
        "lac_episodes",
        LAC_CHILDREN,
        LAC_EPISODES,
        "episode_target",
        {**lac, "pool": int(4 * per_delivery) + 50},
    )
    make_children(
        conn,
        "cp_children",
        "cp_plans",
        CP_CHILDREN,
        CP_PLANS,
        "plan_target",
        {**common, "categories": ABUSE_CATEGORIES, "pool": int(3 * per_delivery * PLANS_PER_EPISODE) + 50},
    )
    conn.execute(
        f"delete from {SCRATCH}.lac_episodes as episodes where not exists (select from"
        f" {SCRATCH}.lac_children as children where children.la_code = episodes.la_code"
        f" and children.child_number = episodes.child_number)"
    )
    conn.execute(
        f"delete from {SCRATCH}.cp_plans as plans where not exists (select from"
        f" {SCRATCH}.cp_children as children where children.la_code = plans.la_code"
        f" and children.child_number = plans.child_number)"
    )
    # Header rows are chosen by the span of the child's episodes (see LONGEST_RETURN_HOME_DAYS).
    conn.execute(f"""
        alter table {SCRATCH}.lac_children add column first_decom date, add column last_dec date;
        update {SCRATCH}.lac_children as children set first_decom = span.first_decom, last_dec = span.last_dec
        from (select la_code, child_number, min(decom) as first_decom, max(dec) as last_dec
              from {SCRATCH}.lac_episodes group by la_code, child_number) as span
        where span.la_code = children.la_code and span.child_number = children.child_number;
        delete from {SCRATCH}.lac_children where first_decom is null;
        analyze {SCRATCH}.lac_children, {SCRATCH}.lac_episodes, {SCRATCH}.cp_children, {SCRATCH}.cp_plans
    """)


def make_children(
    conn, children: str, records: str, children_sql: str, records_sql: str, target: str, params: dict
) -> None:
    """Draw a pool of children and their records, twice as many until every authority has enough, then keep
    as many as the authority's share of the target needs."""
    while True:
        conn.execute(f"drop table if exists {SCRATCH}.{children}, {SCRATCH}.{records}")
        conn.execute(children_sql, params)
        conn.execute(records_sql, params)
        short = conn.execute(
            f"select count(*) from {SCRATCH}.authorities as authorities left join (select la_code,"
            f" sum(deliveries) as deliveries from {SCRATCH}.{records} group by la_code) as made using (la_code)"
            f" where coalesce(made.deliveries, 0) < authorities.{target}"
        ).fetchone()[0]
        if not short:
            break
        params = {**params, "pool": params["pool"] * 2}
    conn.execute(KEEP_CHILDREN.format(records=records, children=children, target=target))


# -- the history's deliveries -------------------------------------------------------------------

VERSIONS = f"""
create table {SCRATCH}.versions (
    delivery_version_id bigint primary key, la_code text, extract_date date, window_start date, week integer);
with inserted as (
    insert into ledger.delivery_versions (la_code, extract_date, sha256, folder, status, files, received_at,
                                          finished_at, seconds, checked_at, checked_by_run)
    select
        authorities.la_code, weeks.extract_date,
        encode(sha256(convert_to(authorities.la_code || '/' || weeks.extract_date || '/bench', 'UTF8')), 'hex'),
        %(landing)s || '/' || authorities.la_code || '/' || weeks.extract_date,
        'accepted', 3,
        -- arrived the morning of the extract date, loaded in a few seconds, checked by that week's run
        weeks.extract_date + time '07:00' + authorities.la_number %% 120 * interval '1 minute',
        weeks.extract_date + time '07:00' + authorities.la_number %% 120 * interval '1 minute' + interval '3 seconds',
        3, weeks.extract_date + time '10:30', %(generated_by)s
    from {SCRATCH}.weeks cross join {SCRATCH}.authorities
    where weeks.week < %(weeks)s
    order by weeks.extract_date, authorities.la_code
    returning delivery_version_id, la_code, extract_date
)
insert into {SCRATCH}.versions
select inserted.*, weeks.window_start, weeks.week
from inserted join {SCRATCH}.weeks using (extract_date)
"""

DELIVERY_FILES = f"""
insert into ledger.delivery_files (delivery_version_id, file_name, sheet, sha256, table_name, status,
                                   rows_read, rows_loaded, seconds)
select
    versions.delivery_version_id, files.file_name, '',
    encode(sha256(convert_to(versions.delivery_version_id || '/' || files.file_name, 'UTF8')), 'hex'),
    files.table_name, 'accepted', coalesce(counted.row_count, 0), coalesce(counted.row_count, 0), 1
from {SCRATCH}.versions
cross join (values %(files)s) as files (file_name, table_name)
left join {SCRATCH}.file_rows as counted
    on counted.delivery_version_id = versions.delivery_version_id and counted.file_name = files.file_name
"""


def generate_history(conn, *, weeks: int, landing: Path) -> None:
    """The ledger rows, then each week's deliveries' raw rows, week by week as they would have arrived."""
    conn.execute("set synchronous_commit = off")  # nothing here needs to survive a crash
    conn.execute(VERSIONS, {"landing": str(landing), "generated_by": GENERATED_BY, "weeks": weeks})
    deliveries = f"(select * from {SCRATCH}.versions where week = %(week)s)"
    started = time.monotonic()
    for week in range(weeks):
        for file_name, rows in ROWS_BY_FILE.items():
            columns = ", ".join(raw_columns(file_name))
            conn.execute(
                f"insert into raw.{FILE_TABLES[file_name]} (delivery_version_id, la_code, source_file, source_row,"
                f" {columns}) select delivery_version_id, la_code, %(file)s, source_row, {columns}"
                f" from ({rows.format(deliveries=deliveries)}) as delivered order by delivery_version_id, source_row",
                {"week": week, "file": file_name},
            )
        if (week + 1) % 10 == 0 or week + 1 == weeks:
            say(f"  week {week + 1}/{weeks} written ({time.monotonic() - started:.0f}s)")
    counts = " union all ".join(
        f"select delivery_version_id, '{file_name}' as file_name, count(*) as row_count from raw.{table}"
        f" group by delivery_version_id"
        for file_name, table in FILE_TABLES.items()
    )
    conn.execute(f"create table {SCRATCH}.file_rows as {counts}")
    files = ", ".join(f"('{file_name}', '{table}')" for file_name, table in FILE_TABLES.items())
    conn.execute(DELIVERY_FILES.replace("%(files)s", files))
    conn.execute(
        f"update ledger.delivery_versions as versions set rows_loaded = counted.row_count"
        f" from (select delivery_version_id, sum(row_count) as row_count from {SCRATCH}.file_rows"
        f" group by delivery_version_id) as counted"
        f" where counted.delivery_version_id = versions.delivery_version_id"
    )


def vacuum(conn) -> None:
    """As autovacuum would have done over a year of deliveries: hint bits set and statistics there, so
    that the full refresh does not pay for them."""
    tables = [f"raw.{table}" for table in FILE_TABLES.values()] + ["ledger.delivery_versions", "ledger.delivery_files"]
    conn.execute(f"vacuum (analyze) {', '.join(tables)}")


# -- a new weekly delivery ----------------------------------------------------------------------


def write_delivery(conn, landing: Path, la_code: str, week: int) -> Path:
    """An authority's delivery of the week after the history, as files in the landing area, cut from
    the same true history as the generated ones."""
    extract_date = FIRST_EXTRACT + timedelta(weeks=week)
    folder = landing / la_code / extract_date.isoformat()
    folder.mkdir(parents=True)
    deliveries = (
        f"(select 0::bigint as delivery_version_id, la_code, extract_date, window_start"
        f" from {SCRATCH}.weeks cross join (select %(la_code)s::text as la_code) as authority"
        f" where week = %(week)s)"
    )
    for file_name, rows in ROWS_BY_FILE.items():
        columns = ", ".join(
            f'{raw} as "{name}"' for raw, name in zip(raw_columns(file_name), FILE_COLUMNS[file_name], strict=True)
        )
        query = conn.cursor().mogrify(
            f"copy (select {columns} from ({rows.format(deliveries=deliveries)}) as delivered order by source_row)"
            " to stdout with (format csv, header true)",
            {"la_code": la_code, "week": week},
        )
        with (folder / file_name).open("wb") as file, conn.cursor().copy(query) as copy:
            for block in copy:
                file.write(block)
    return folder


def load_and_check(url: str, folder: Path, run_id: str) -> int:
    """The door and the delivery gate, as the weekly run's ingest and check_deliveries tasks do."""
    from csc_warehouse import loading, quality

    outcomes = loading.ingest_path(folder, url=url, progress=lambda line: say(f"    {line}"))
    verdict = quality.check_deliveries(run_id, url=url)
    version = outcomes[0].delivery_version_id
    checked = {v.delivery_version_id: v for v in verdict.versions}.get(version)
    status, reason = (checked.status, checked.reason) if checked else (outcomes[0].status, None)
    if status != "accepted":
        raise RuntimeError(
            f"the new delivery {folder} was {status}, not accepted: {reason}"
            f" ({outcomes[0].reason or ''}); the weekly run would not use it"
        )
    return version


# -- timing -------------------------------------------------------------------------------------


def build_and_publish(run_id: str, url: str, *, full_refresh: bool) -> tuple[float, float]:
    """(dbt build seconds, publication seconds), by wall clock."""
    from csc_warehouse import publishing, transforming

    started = time.monotonic()
    transforming.build(full_refresh=full_refresh)
    built = time.monotonic()
    publishing.publish(run_id, url=url)
    return built - started, time.monotonic() - built


def node_times() -> list[tuple[str, float]]:
    """Each node of the last dbt invocation and its execution time, slowest first."""
    from csc_warehouse import settings

    results = json.loads((settings.dbt_project_dir() / "target" / "run_results.json").read_text())["results"]
    return sorted(((r["unique_id"], r["execution_time"] or 0.0) for r in results), key=lambda node: -node[1])


def print_slowest_nodes(what: str) -> None:
    nodes = node_times()
    by_kind: dict[str, list[float]] = {}
    for unique_id, seconds in nodes:
        by_kind.setdefault(unique_id.split(".")[0], []).append(seconds)
    kinds = ", ".join(f"{len(times)} {kind}s {sum(times):.1f}s" for kind, times in sorted(by_kind.items()))
    say(f"  dbt nodes of the {what}: {kinds} (run in threads, so their times overlap); the slowest:")
    for unique_id, seconds in nodes[:SLOWEST_NODES]:
        say(f"    {seconds:8.2f}s  {unique_id}")


def sanity_counts(conn, last_week: date) -> None:
    """A few figures, to see that the history is the size asked for and the marts are not empty."""

    def one(query: str, params: dict | None = None) -> tuple:
        return conn.execute(query, params).fetchone()

    episodes, deliveries = one("select count(*), count(distinct delivery_version_id) from raw.ssda903_episodes")
    header, plans = one("select (select count(*) from raw.ssda903_header), (select count(*) from raw.cin_cp_plans)")
    versions, authorities = one(
        "select count(*), count(distinct la_code) from ledger.delivery_versions where status = 'accepted'"
    )
    history = dict(conn.execute(f"select file_name, sum(row_count) from {SCRATCH}.file_rows group by file_name"))
    say(
        f"the generated history: {history['episodes.csv']:,} episodes, {history['header.csv']:,} header rows,"
        f" {history['cp_plans.csv']:,} CP plan rows"
    )
    say(
        f"raw, with the weekly deliveries: {episodes:,} episodes in {deliveries:,} deliveries, {header:,} header rows,"
        f" {plans:,} CP plan rows; {versions:,} accepted versions of {authorities} authorities"
    )
    week = {"as_at": last_week}
    rows, weeks = one("select count(*), count(distinct as_at) from reporting.lac_weekly")
    looked_after, starts, ceased, reporting = one(
        "select coalesce(sum(children_looked_after), 0), coalesce(sum(lac_starts), 0), coalesce(sum(lac_ceased), 0),"
        " count(*) from reporting.lac_weekly where as_at = %(as_at)s",
        week,
    )
    say(
        f"reporting.lac_weekly: {rows:,} rows over {weeks} as_at dates; as at {last_week} (the history's last week):"
        f" {looked_after:,} children looked after in {reporting} authorities, {starts:,} starts, {ceased:,} ceased"
    )
    cp_rows, on_plan, plan_starts = one(
        "select count(*), coalesce(sum(children_on_plan) filter (where as_at = %(as_at)s), 0),"
        " coalesce(sum(plan_starts) filter (where as_at = %(as_at)s), 0) from reporting.cp_weekly",
        week,
    )
    say(
        f"reporting.cp_weekly: {cp_rows:,} rows; as at {last_week}: {on_plan:,} children on a plan,"
        f" {plan_starts:,} plan starts"
    )
    flags = conn.execute("select flag, count(*) from reporting.lac_brief_episodes group by flag order by flag")
    counted = ", ".join(f"{flag} {count:,}" for flag, count in flags.fetchall())
    say(f"reporting.lac_brief_episodes: {counted or 'no rows'}")
    leavers, children = one("select count(*), coalesce(sum(children), 0) from reporting.care_leavers_turning_18")
    say(f"reporting.care_leavers_turning_18: {leavers:,} rows, {children:,} children")


# -- the benchmark ------------------------------------------------------------------------------


def run(url: str, work: Path, args: argparse.Namespace) -> tuple[float, float]:
    """Generate, then time the full refresh and the weekly runs: (full_refresh_seconds, weekly_seconds)."""
    from csc_warehouse import transforming, warehouse

    warehouse.migrate(url)
    say(f"parsing the dbt project (a copy, in {work / 'home' / 'dbt_project'})")
    transforming.ensure_manifest()
    landing = work / "landing"
    landing.mkdir()
    with connect(url) as conn:
        say(
            f"generating {args.episodes:,} episodes over {args.authorities} authorities x {args.weeks} weekly"
            f" deliveries ({FIRST_EXTRACT} to {FIRST_EXTRACT + timedelta(weeks=args.weeks - 1)})"
        )
        started = time.monotonic()
        make_true_history(conn, authorities=args.authorities, weeks=args.weeks, later_weeks=1, episodes=args.episodes)
        say(f"  true history made ({time.monotonic() - started:.1f}s)")
        generate_history(conn, weeks=args.weeks, landing=landing)
        written = time.monotonic()
        vacuum(conn)
        say(f"  vacuum analyze: {time.monotonic() - written:.1f}s")
        say(f"generation_seconds={time.monotonic() - started:.1f}")

        say("FULL: dbt build --full-refresh, then publication")
        built, published = build_and_publish("bench-full", url, full_refresh=True)
        full = built + published
        say(f"  dbt build {built:.1f}s, publication {published:.1f}s")
        print_slowest_nodes("full refresh")
        say(f"full_refresh_seconds={full:.2f}")

        codes = [str(FIRST_LA_CODE + n) for n in range(args.authorities)]
        weekly_times = []
        for number in range(args.weekly_runs):
            la_code = codes[number * len(codes) // args.weekly_runs]
            folder = write_delivery(conn, landing, la_code, args.weeks)
            say(
                f"WEEKLY {number + 1}/{args.weekly_runs}: authority {la_code}'s delivery of {folder.name}"
                " through the door and the gate (not timed)"
            )
            version = load_and_check(url, folder, f"bench-gate-{number + 1}")
            say(f"  version {version} accepted; dbt build, then publication")
            built, published = build_and_publish(f"bench-weekly-{number + 1}", url, full_refresh=False)
            weekly_times.append(built + published)
            say(f"  dbt build {built:.1f}s, publication {published:.1f}s: {weekly_times[-1]:.2f}s")
            if number == 0:
                print_slowest_nodes("first weekly run")
        weekly = statistics.median(weekly_times)
        if len(weekly_times) > 1:
            say(f"  weekly runs: {', '.join(f'{seconds:.2f}s' for seconds in weekly_times)}; their median:")
        say(f"weekly_seconds={weekly:.2f}")
        sanity_counts(conn, FIRST_EXTRACT + timedelta(weeks=args.weeks - 1))
    return full, weekly


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--episodes",
        type=int,
        default=5_000_000,
        help="episode rows over all the history's deliveries (default 5,000,000)",
    )
    parser.add_argument("--authorities", type=int, default=150, help="authorities, codes 201 upwards (default 150)")
    parser.add_argument("--weeks", type=int, default=52, help="weekly deliveries per authority (default 52)")
    parser.add_argument(
        "--weekly-runs",
        type=int,
        default=3,
        help="weekly runs after the full refresh, each for another authority; the median is reported",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark's database (or embedded warehouse) and temporary folder"
    )
    args = parser.parse_args()
    if not 1 <= args.authorities <= 998 - FIRST_LA_CODE:
        parser.error(f"--authorities must be between 1 and {998 - FIRST_LA_CODE} (codes {FIRST_LA_CODE} to 998)")
    if not 1 <= args.weeks <= 520:
        parser.error("--weeks must be between 1 and 520")
    if not 1 <= args.weekly_runs <= args.authorities:
        parser.error("--weekly-runs must be at least 1 and at most --authorities (one authority each)")
    if args.episodes < args.authorities * args.weeks:
        parser.error("--episodes must be at least one per delivery (--authorities x --weeks)")
    # Warnings and errors only; Great Expectations sets its own loggers to INFO, and says nothing we need.
    quiet = logging.StreamHandler()
    quiet.addFilter(lambda record: record.levelno >= logging.ERROR or not record.name.startswith("great_expectations"))
    logging.basicConfig(level=logging.WARNING, format="    %(name)s: %(message)s", handlers=[quiet])

    from csc_warehouse.embedded import EmbeddedWarehouse

    work = Path(tempfile.mkdtemp(prefix="csc-bench-dbt-"))
    server = None
    server_url = os.environ.get("CSC_WAREHOUSE_URL")
    try:
        if server_url:
            url = with_database(server_url, BENCH_DATABASE)
            recreate_database(server_url, BENCH_DATABASE)
            say(f"warehouse: database {BENCH_DATABASE} on the CSC_WAREHOUSE_URL server")
        else:
            server = EmbeddedWarehouse(work / "state")
            url = server.start()
            say(f"warehouse: embedded PostgreSQL in {work / 'state'}")
        isolate(work, url)
        full, weekly = run(url, work, args)
    finally:
        if args.keep:
            say(
                f"kept: {work}"
                + (
                    f" and database {BENCH_DATABASE}"
                    if server_url
                    else " (the embedded server is stopped; its data is in state/pgdata)"
                )
            )
        elif server_url:
            drop_database(server_url, BENCH_DATABASE)
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    say(f"full refresh {full:.2f}s, weekly {weekly:.2f}s")
    say(f"weekly_vs_full={weekly / full:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
