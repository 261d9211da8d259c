"""dbt's incremental history against a full refresh, on a real PostgreSQL (issue 6).

History (dbt_project/models/history) keeps figures per evaluation (a delivery version read at an as_at)
between runs, and each run adds only the evaluations it lacks. Whatever order the deliveries arrive in
(new weeks, a missed week arriving late, a correction, a version accepted after review, an erasure),
the marts built incrementally must equal those `dbt build --full-refresh` builds from raw, and so
must history itself. The demo's six weekly runs through Airflow are checked the same way.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import psycopg
import pytest
from conftest import run_csc, scenario_database
from psycopg import sql

from csc_warehouse import gatekeeping, publishing, retention, settings, transforming

# Every test builds dbt's history, and one reads the demo's six weekly runs through Airflow.
pytestmark = pytest.mark.slow

AUTHORITIES = ("201", "202", "203")
MONDAYS = [date(2014, 1, 6) + timedelta(weeks=week) for week in range(4)]
HISTORY_TABLES = (
    "lac_figures",
    "cp_figures",
    "cin_figures",
    "int_episodes_sequenced",
    "int_periods_of_care_built",
    "int_legal_status_chains_built",
    "int_periods_of_care_flagged",
)
EPISODE_COLUMNS = ("child", "decom", "rne", "ls", "cin", "place", "place_provider", "dec", "rec")
HEADER_COLUMNS = ("child", "sex", "dob", "ethnic")
PLAN_COLUMNS = (
    "lachildid",
    "personbirthdate",
    "sex",
    "cppstartdate",
    "cppenddate",
    "initialcategoryofabuse",
    "latestcategoryofabuse",
    "numberofpreviouscpp",
)
REFERRAL_COLUMNS = ("lachildid", "cinreferraldate", "cinclosuredate", "referralnfa")
ASSESSMENT_COLUMNS = ("lachildid", "cinreferraldate", "assessmentactualstartdate", "assessmentauthorisationdate")
SECTION47_COLUMNS = ("lachildid", "cinreferraldate", "s47actualstartdate", "dateofinitialcpc")
CIN_PLAN_COLUMNS = ("lachildid", "cinreferraldate", "cinplanstartdate", "cinplanenddate")


# --- a few authorities' children, as each week's delivery shows them ----------------------------


def children_of(la_code: str, edition: int = 0) -> dict[str, dict]:
    """About 40 children with episodes and 25 with plans, drawn from a seed; another edition is a
    correction of the same authority (some dates and codes differ)."""
    draw = random.Random(f"{la_code}-{edition}")
    children = {}
    for number in range(40):
        child = f"{la_code}{number:04d}"
        dob = date(1996, 1, 1) + timedelta(days=draw.randrange(0, 365 * 17))
        episodes, start = [], date(2013, 4, 1) + timedelta(days=draw.randrange(0, 300))
        for _ in range(draw.choice((1, 1, 2, 3))):
            length = draw.choice((1, 2, 3, 4, 10, 40, 400))
            end = start + timedelta(days=length)
            status = draw.choice(("C2", "C2", "C1", "L1", "L2", "E1", "V3", "J2"))
            rec = draw.choice(("X1", "E4A", "E13", "E11", "E41"))
            episodes.append((start, "S" if not episodes else "P", status, end, rec))
            start = end if rec == "X1" else end + timedelta(days=draw.randrange(1, 30))
        plans = []
        if number < 25:
            plan_start = date(2012, 6, 1) + timedelta(days=draw.randrange(0, 600))
            plan_end = plan_start + timedelta(days=draw.choice((5, 60, 300, 900)))
            plans.append((plan_start, plan_end, draw.choice(("NEG", "PHY", "EMO")), draw.choice(("NEG", "SAB", None))))
            if draw.random() < 0.4:
                again = plan_end + timedelta(days=draw.randrange(0, 900))
                plans.append((again, again + timedelta(days=200), "NEG", "MUL"))
        children[child] = {"dob": dob, "episodes": episodes, "plans": plans, "referrals": referrals_of(draw)}
    return children


def referrals_of(draw: random.Random) -> list[dict]:
    """A child's referrals (most of them in the weeks the deliveries cover, some a year or so apart), each
    with an assessment and some with a section 47 enquiry and a CIN plan."""
    referrals, day = [], date(2012, 10, 1) + timedelta(days=draw.randrange(0, 480))
    for _ in range(draw.choice((0, 1, 1, 2))):
        assessed = day + timedelta(days=draw.randrange(0, 5))
        enquiry = assessed + timedelta(days=draw.randrange(0, 10)) if draw.random() < 0.4 else None
        plan = assessed + timedelta(days=draw.randrange(20, 70)) if draw.random() < 0.5 else None
        referrals.append(
            {
                "date": day,
                "closed": day + timedelta(days=draw.choice((1, 30, 90, 400))),
                "nfa": draw.choice(("true", "false", "0")),
                "assessment": (assessed, assessed + timedelta(days=draw.randrange(5, 90))),
                "enquiry": enquiry and (enquiry, enquiry + timedelta(days=draw.randrange(7, 30))),
                "plan": plan and (plan, plan + timedelta(days=draw.choice((20, 200)))),
            }
        )
        day += timedelta(days=draw.choice((40, 300, 366, 367)))
    return referrals


def census_rows(children: dict[str, dict], as_at: date) -> dict[str, list]:
    """The rest of a CIN census of as_at: referrals, assessments, enquiries and CIN plans begun by then,
    with what happened after it (closure, authorisation, ICPC, plan end) not yet known."""

    def known(day: date | None) -> str | None:
        return day.isoformat() if day and day <= as_at else None

    rows = {"cin_referrals": [], "cin_assessments": [], "cin_section47": [], "cin_plans": []}
    for child, facts in children.items():
        for referral in facts["referrals"]:
            if referral["date"] > as_at:
                continue
            referred = referral["date"].isoformat()
            rows["cin_referrals"].append((child, referred, known(referral["closed"]), referral["nfa"]))
            started, authorised = referral["assessment"]
            if started <= as_at:
                rows["cin_assessments"].append((child, referred, started.isoformat(), known(authorised)))
            if referral["enquiry"] and referral["enquiry"][0] <= as_at:
                started, conference = referral["enquiry"]
                rows["cin_section47"].append((child, referred, started.isoformat(), known(conference)))
            if referral["plan"] and referral["plan"][0] <= as_at:
                started, ended = referral["plan"]
                rows["cin_plans"].append((child, referred, started.isoformat(), known(ended)))
    return rows


def delivery_rows(children: dict[str, dict], as_at: date) -> tuple[list, list, list]:
    """What an extract of as_at holds: what began by then, with ends after it not yet known."""
    headers, episodes, plans = [], [], []
    for child, facts in children.items():
        shown = [
            (start, rne, status, end if end <= as_at else None, rec if end <= as_at else None)
            for start, rne, status, end, rec in facts["episodes"]
            if start <= as_at
        ]
        if shown:
            headers.append((child, "1", facts["dob"].isoformat(), "WBRI"))
            episodes += [
                (child, start.isoformat(), rne, status, "N1", "U1", "PR1", end and end.isoformat(), rec)
                for start, rne, status, end, rec in shown
            ]
        plans += [
            (
                child,
                facts["dob"].isoformat(),
                "1",
                start.isoformat(),
                end.isoformat() if end <= as_at else None,
                initial,
                latest,
                "0",
            )
            for start, end, initial, latest in facts["plans"]
            if start <= as_at
        ]
    return headers, episodes, plans


def deliver(conn, la_code: str, as_at: date, *, edition: int = 0, status: str = "accepted") -> int:
    """One delivery version straight into the ledger and raw, as the door leaves it (its own tests
    cover the door): SSDA903 Header and Episodes, and a CIN census (its CP plans, referrals,
    assessments, section 47 enquiries and CIN plans)."""
    version = conn.execute(
        "insert into ledger.delivery_versions (la_code, extract_date, sha256, folder, status)"
        " values (%s, %s, %s, %s, %s) returning delivery_version_id",
        [la_code, as_at, f"history-{la_code}-{as_at}-{edition}", f"test/{la_code}/{as_at}", status],
    ).fetchone()[0]
    children = children_of(la_code, edition)
    headers, episodes, plans = delivery_rows(children, as_at)
    census = census_rows(children, as_at)
    for table, columns, rows in (
        ("ssda903_header", HEADER_COLUMNS, headers),
        ("ssda903_episodes", EPISODE_COLUMNS, episodes),
        ("cin_cp_plans", PLAN_COLUMNS, plans),
        ("cin_referrals", REFERRAL_COLUMNS, census["cin_referrals"]),
        ("cin_assessments", ASSESSMENT_COLUMNS, census["cin_assessments"]),
        ("cin_section47", SECTION47_COLUMNS, census["cin_section47"]),
        ("cin_plans", CIN_PLAN_COLUMNS, census["cin_plans"]),
    ):
        statement = sql.SQL(
            "insert into raw.{} (delivery_version_id, la_code, source_file, source_row, {}) values ({})"
        ).format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(sql.Placeholder() * (len(columns) + 4)),
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                statement,
                [[version, la_code, f"{table}.csv", row_number, *row] for row_number, row in enumerate(rows, start=2)],
            )
        conn.execute(
            "insert into ledger.delivery_files (delivery_version_id, file_name, sha256, table_name, status,"
            " rows_read, rows_loaded) values (%s, %s, 'test', %s, 'accepted', %s, %s)",
            [version, f"{table}.csv", table, len(rows), len(rows)],
        )
    return version


# --- comparing what was built -------------------------------------------------------------------


def contents(url: str, schema: str, tables: list[str] | tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every row of each table, in a stable order (all columns, nulls first)."""
    with psycopg.connect(url) as conn:
        result = {}
        for table in tables:
            columns = conn.execute(
                "select count(*) from information_schema.columns where table_schema = %s and table_name = %s",
                [schema, table],
            ).fetchone()[0]
            assert columns, f"{schema}.{table} does not exist"
            order = sql.SQL(", ").join(sql.SQL(f"{n} nulls first") for n in range(1, columns + 1))
            result[table] = conn.execute(
                sql.SQL("select * from {} order by {}").format(sql.Identifier(schema, table), order)
            ).fetchall()
        return result


def build_with(url: str, monkeypatch, *, full_refresh: bool = False) -> None:
    """dbt build on that database; dbt's connection variables are put back afterwards (transforming
    only fills in what the environment lacks, so they would outlive this test)."""
    monkeypatch.setenv("CSC_WAREHOUSE_URL", url)
    for name, value in settings.dbt_environment().items():
        monkeypatch.setenv(name, value)
    transforming.build(full_refresh=full_refresh)


def assert_full_refresh_builds_the_same(url: str, monkeypatch) -> dict[str, list[tuple]]:
    """Full refresh after the incremental runs: the marts, and history itself, are unchanged."""
    marts = publishing.published_tables()
    incremental = contents(url, "build", marts) | contents(url, "history", HISTORY_TABLES)
    build_with(url, monkeypatch, full_refresh=True)
    refreshed = contents(url, "build", marts) | contents(url, "history", HISTORY_TABLES)
    for table in incremental:
        assert incremental[table] == refreshed[table], f"{table}: incremental and full-refresh builds differ"
    return refreshed


# --- the multi-authority scenario ---------------------------------------------------------------


@pytest.fixture(scope="module")
def multi_authority(warehouse_url, monkeypatch_module):
    """Three authorities, five runs, each adding to history only; returns the database and what each
    run added to history (the evaluations it computed)."""
    url = scenario_database(warehouse_url, "history_multi_authority")
    added = []

    def run(deliveries) -> None:
        with psycopg.connect(url) as conn:
            deliveries(conn)
            before = (
                set(conn.execute("select delivery_version_id, as_at from history.lac_figures").fetchall())
                if conn.execute("select to_regclass('history.lac_figures')").fetchone()[0]
                else set()
            )
        build_with(url, monkeypatch_module)
        with psycopg.connect(url) as conn:
            after = set(conn.execute("select delivery_version_id, as_at from history.lac_figures").fetchall())
        added.append(after - before)

    week_1, week_2, week_3, week_4 = MONDAYS
    versions = {}

    def first_week(conn):
        for la_code in AUTHORITIES:
            versions[la_code, week_1] = deliver(conn, la_code, week_1)

    run(first_week)

    def second_week(conn):
        for la_code in AUTHORITIES:
            versions[la_code, week_2] = deliver(conn, la_code, week_2)

    run(second_week)

    def third_week_a_correction_and_a_missed_week(conn):
        versions["201", week_3] = deliver(conn, "201", week_3)
        versions["202", week_3] = deliver(conn, "202", week_3)
        versions["202", week_2, "corrected"] = deliver(conn, "202", week_2, edition=1)  # 203 sends nothing

    run(third_week_a_correction_and_a_missed_week)

    def fourth_week_with_a_rejected_correction(conn):
        for la_code in AUTHORITIES:
            versions[la_code, week_4] = deliver(conn, la_code, week_4)
        versions["201", week_4, "rejected"] = deliver(conn, "201", week_4, edition=2, status="rejected")

    run(fourth_week_with_a_rejected_correction)

    def the_missed_week_arrives_and_the_rejected_one_is_accepted(conn):
        versions["203", week_3] = deliver(conn, "203", week_3)
        conn.commit()
        gatekeeping.accept(f"201/{week_4}", reason="checked with the authority", accepted_by="test", url=url)

    run(the_missed_week_arrives_and_the_rejected_one_is_accepted)

    return {"url": url, "versions": versions, "added": added}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_each_run_computes_only_the_evaluations_it_adds(multi_authority):
    versions, added = multi_authority["versions"], multi_authority["added"]
    week_1, week_2, week_3, week_4 = MONDAYS
    assert added[0] == {(versions[la, week_1], week_1) for la in AUTHORITIES}
    # A new week: the new version at its own date, and (as the authority's newest) at the earlier one.
    assert added[1] == {(versions[la, week_2], day) for la in AUTHORITIES for day in (week_1, week_2)}
    # 201 and 202 deliver week 3, and 202 corrects week 2: 203, which sent nothing, is not touched.
    assert added[2] == (
        {(versions["201", week_3], day) for day in (week_1, week_2, week_3)}
        | {(versions["202", week_3], day) for day in (week_1, week_2, week_3)}
        | {(versions["202", week_2, "corrected"], week_2)}
    )
    # The late week 3 of 203 is read at its own date and, by 203's newest (week 4), restated there;
    # 201's accepted correction of week 4 is its newest now, read at all four dates.
    assert added[4] == (
        {(versions["203", week_3], week_3), (versions["203", week_4], week_3)}
        | {(versions["201", week_4, "rejected"], day) for day in MONDAYS}
    )


def test_history_keeps_only_what_the_reported_figures_need(multi_authority):
    url, versions = multi_authority["url"], multi_authority["versions"]
    with psycopg.connect(url) as conn:
        kept = set(conn.execute("select delivery_version_id, as_at from history.lac_figures").fetchall())
    # Per authority and date: the reported version, and the newest read at that date; nothing superseded.
    newest = {
        "201": versions["201", MONDAYS[3], "rejected"],
        "202": versions["202", MONDAYS[3]],
        "203": versions["203", MONDAYS[3]],
    }
    reported = {
        ("202", MONDAYS[1]): versions["202", MONDAYS[1], "corrected"],
        ("201", MONDAYS[3]): versions["201", MONDAYS[3], "rejected"],
    }
    expected = set()
    for la_code in AUTHORITIES:
        for day in MONDAYS:
            expected |= {(reported.get((la_code, day), versions[la_code, day]), day), (newest[la_code], day)}
    assert kept == expected


def test_incremental_and_full_refresh_builds_are_identical(multi_authority, monkeypatch):
    refreshed = assert_full_refresh_builds_the_same(multi_authority["url"], monkeypatch)
    # Not trivially equal: every authority has figures for every week, and the breakdowns are filled.
    assert {(row[0], row[1]) for row in refreshed["lac_weekly"]} == {(la, day) for la in AUTHORITIES for day in MONDAYS}
    assert {(row[0], row[1]) for row in refreshed["cp_weekly"]} == {(la, day) for la in AUTHORITIES for day in MONDAYS}
    assert all(row[2] > 0 for row in refreshed["lac_weekly"]) and all(row[2] > 0 for row in refreshed["cp_weekly"])
    assert refreshed["lac_weekly_by_legal_status"] and refreshed["care_leavers_turning_18"]
    assert refreshed["cp_weekly_by_category"] and refreshed["lac_brief_episodes"]
    assert {(row[0], row[1]) for row in refreshed["cin_weekly"]} == {(la, day) for la in AUTHORITIES for day in MONDAYS}
    cin_columns = ("children_in_need", "assessments_completed", "icpcs", "children_on_cin_plan", "re_referrals_12m")
    with psycopg.connect(multi_authority["url"]) as conn:
        totals = conn.execute(f"select {', '.join(f'sum({c})' for c in cin_columns)} from build.cin_weekly").fetchone()
    assert all(total > 0 for total in totals), dict(zip(cin_columns, totals, strict=True))


def test_an_erased_child_leaves_history_as_a_full_refresh_would(multi_authority, monkeypatch):
    url = multi_authority["url"]
    retention.erase("202", "2020001", requested_by="test", reason="subject access request", url=url)
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from history.lac_figures where la_code = '202'").fetchone()[0] == 0
        assert conn.execute("select count(*) from history.lac_figures where la_code = '201'").fetchone()[0] > 0
    build_with(url, monkeypatch)
    assert_full_refresh_builds_the_same(url, monkeypatch)


# --- the demo, through Airflow ------------------------------------------------------------------


def test_the_demo_weeks_publish_what_a_full_refresh_publishes(demo_weeks, warehouse_url):
    """The six demo weeks ran through the weekly DAG, each adding to history. On a copy of that
    warehouse, the last week run again through the DAG with `--full-refresh` rebuilds history from raw
    and publishes the same tables."""
    server = settings.PostgresParts.from_url(demo_weeks["url"])
    copy = server.url("demo_full_refresh")
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute("drop database if exists demo_full_refresh with (force)")
        conn.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", [server.dbname])
        conn.execute(sql.SQL("create database demo_full_refresh template {}").format(sql.Identifier(server.dbname)))
    marts = publishing.published_tables()
    published_incrementally = contents(copy, "reporting", marts)
    history_incrementally = contents(copy, "history", HISTORY_TABLES)
    tables_before = history_table_ids(copy)

    last_week = max(demo_weeks["figures"])
    result = run_csc(
        "run-week",
        "--as-at",
        last_week.isoformat(),
        "--full-refresh",
        CSC_WAREHOUSE_URL=copy,
        CSC_LANDING_DIR=str(demo_weeks["landing"]),
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    # dbt made the history tables anew (a full refresh), rather than adding to them.
    assert history_table_ids(copy).isdisjoint(tables_before)
    assert contents(copy, "history", HISTORY_TABLES) == history_incrementally
    assert contents(copy, "reporting", marts) == published_incrementally


def history_table_ids(url: str) -> set[int]:
    with psycopg.connect(url) as conn:
        return {
            oid
            for (oid,) in conn.execute(
                "select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                " where n.nspname = 'history' and c.relkind = 'r'"
            )
        }
