"""Retention: raw delivery versions older than CSC_RETENTION_DAYS are purged once nobody reports
from them, never the version a week's figures are built from; `csc erase` removes one child from
everything the warehouse holds under their id or key, and records that it did, by key."""

import json
import os
import subprocess
import sys

import psycopg
import pytest
from conftest import run_csc, scenario_database
from loading_fixtures import GOOD_EPISODES, GOOD_HEADER, deliver, ingest

from csc_warehouse import access, retention

HARINGEY, ISLINGTON = "309", "310"
WEEK = "2014-02-10"


@pytest.fixture(scope="module")
def retention_url(warehouse_url):
    return scenario_database(warehouse_url, "retention_scenario")


@pytest.fixture
def url(retention_url):
    with psycopg.connect(retention_url) as conn:
        raw_tables = [
            row[0] for row in conn.execute("select format('raw.%I', tablename) from pg_tables where schemaname = 'raw'")
        ]
        conn.execute(
            f"truncate {', '.join(raw_tables)}, ledger.delivery_versions, dq.publications, dq.validations,"
            " ledger.erasures, dq.return_checks cascade"
        )
    return retention_url


def load_version(url, root, la_code=HARINGEY, *, status, age_days, extra_children=0, day=WEEK, files=None):
    """A delivery version received `age_days` ago and given `status` by the gate then. Extra children
    make different bytes, so a second call for the same folder is a correction."""
    header = GOOD_HEADER + "".join(f"{2000 + n},1,01/01/2012,WBRI,,,\n" for n in range(extra_children))
    episodes = GOOD_EPISODES + "".join(f"{2000 + n},01/01/2016,S,C2,N1,U1,PR1,,,,,,\n" for n in range(extra_children))
    files = files or {"header.csv": header, "episodes.csv": episodes}
    outcome, _ = ingest(url, deliver(root / f"v{extra_children}-{len(files)}", la_code, day, files))
    assert outcome.status == "loaded", outcome.reason
    with psycopg.connect(url) as conn:
        conn.execute(
            "update ledger.delivery_versions set status = %s, received_at = now() - make_interval(days => %s),"
            " checked_at = now() - make_interval(days => %s) where delivery_version_id = %s",
            [status, age_days, age_days, outcome.delivery_version_id],
        )
    return outcome.delivery_version_id


def published_days_ago(url, days, kept=()):
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into dq.publications (run_id, published_at, tables, kept_la_codes)"
            " values ('a run', now() - make_interval(days => %s), '{lac_weekly}', %s)",
            [days, list(kept)],
        )


def raw_rows(url, version):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select (select count(*) from raw.ssda903_header where delivery_version_id = %(v)s)"
            " + (select count(*) from raw.ssda903_episodes where delivery_version_id = %(v)s)",
            {"v": version},
        ).fetchone()[0]


def purged(url, days=90):
    return [(p.delivery_version_id, p.why) for p in retention.purge(days, url=url)]


# -- purge -----------------------------------------------------------------------------------------


def test_a_superseded_version_is_purged_once_its_replacement_is_published(url, tmp_path):
    first = load_version(url, tmp_path, status="accepted", age_days=120)
    correction = load_version(url, tmp_path, status="accepted", age_days=100, extra_children=1)
    published_days_ago(url, 95)
    assert purged(url) == [(first, "superseded")]
    assert (raw_rows(url, first), raw_rows(url, correction)) == (0, 9)
    with psycopg.connect(url) as conn:
        ledger = conn.execute(
            "select delivery_version_id, status, purged_at is not null from ledger.delivery_versions order by 1"
        ).fetchall()
        record = conn.execute(
            "select delivery_version_id, why, retention_days, rows_deleted from ledger.purges"
        ).fetchall()
    assert ledger == [(first, "accepted", True), (correction, "accepted", False)], "the ledger keeps its rows"
    assert record == [(first, "superseded", 90, 7)]


def test_a_purged_versions_dfe_return_findings_go_with_its_raw_rows(url, tmp_path):
    first = load_version(url, tmp_path, status="accepted", age_days=120)
    correction = load_version(url, tmp_path, status="accepted", age_days=100, extra_children=1)
    with psycopg.connect(url) as conn:
        for version in (first, correction):
            conn.execute(
                "insert into dq.return_checks (delivery_version_id, la_code, return_type, extract_date,"
                " collection_year, ruleset, rules_run, rules_skipped, findings)"
                " values (%s, '309', 'SSDA903', %s, 2014, 'lac2022_23', 250, 50, 1)",
                [version, WEEK],
            )
            conn.execute(
                "insert into dq.return_errors (delivery_version_id, la_code, return_type, ruleset, rule_code,"
                " table_name, row_number, child_key) values (%s, '309', 'SSDA903', 'lac2022_23', '388',"
                " 'ssda903_episodes', 2, keys.child_key('309', '1001'))",
                [version],
            )
    published_days_ago(url, 95)
    assert purged(url) == [(first, "superseded")]
    with psycopg.connect(url) as conn:
        left = conn.execute(
            "select (select array_agg(delivery_version_id) from dq.return_checks),"
            " (select array_agg(delivery_version_id) from dq.return_errors)"
        ).fetchone()
    assert left == ([correction], [correction])


def test_a_superseded_version_stays_until_its_replacement_is_published(url, tmp_path):
    load_version(url, tmp_path, status="accepted", age_days=120)
    load_version(url, tmp_path, status="accepted", age_days=100, extra_children=1)
    published_days_ago(url, 110)  # before the correction was accepted
    assert purged(url) == []


def test_a_publication_that_kept_the_authoritys_old_rows_does_not_count(url, tmp_path):
    load_version(url, tmp_path, status="accepted", age_days=120)
    load_version(url, tmp_path, status="accepted", age_days=100, extra_children=1)
    published_days_ago(url, 95, kept=[HARINGEY])
    assert purged(url) == []


PLANS_ONLY = (
    "LAchildID,PersonBirthDate,Sex,Ethnicity,CPPstartDate,CPPendDate,InitialCategoryOfAbuse,"
    "LatestCategoryOfAbuse,NumberOfPreviousCPP\n1001,01/05/2010,1,WBRI,01/01/2014,,NEG,NEG,0\n"
)


def test_a_correction_without_the_episodes_leaves_the_looked_after_figures_their_version(url, tmp_path):
    """Looked-after figures come from the newest version holding Episodes: a later version of the
    same folder holding only CP plans does not supersede it."""
    episodes_version = load_version(url, tmp_path, status="accepted", age_days=120)
    load_version(url, tmp_path, status="accepted", age_days=100, files={"plans.csv": PLANS_ONLY})
    published_days_ago(url, 95)
    assert purged(url) == []
    assert raw_rows(url, episodes_version) == 7


def test_the_version_a_weeks_figures_are_built_from_is_kept_however_old(url, tmp_path):
    reported = load_version(url, tmp_path, status="accepted", age_days=1000)
    rejected_correction = load_version(url, tmp_path, status="rejected", age_days=500, extra_children=1)
    published_days_ago(url, 10)
    assert purged(url) == [(rejected_correction, "rejected")]
    assert raw_rows(url, reported) == 7


def test_a_rejected_version_is_kept_for_review_until_the_retention_age(url, tmp_path):
    rejected = load_version(url, tmp_path, status="rejected", age_days=30)
    assert purged(url, 90) == []
    assert purged(url, 20) == [(rejected, "rejected")]


def test_a_version_the_gate_has_not_checked_yet_is_kept(url, tmp_path):
    load_version(url, tmp_path, status="loaded", age_days=400)
    assert purged(url, 0) == []


def test_a_quarantined_versions_door_findings_go_after_the_retention_age(url, tmp_path):
    outcome, _ = ingest(
        url,
        deliver(
            tmp_path,
            HARINGEY,
            WEEK,
            {"header.csv": GOOD_HEADER.replace("01/05/2010", "31/02/2010"), "episodes.csv": GOOD_EPISODES},
        ),
    )
    assert outcome.status == "quarantined"
    with psycopg.connect(url) as conn:
        conn.execute("update ledger.delivery_versions set received_at = now() - interval '100 days'")
    assert purged(url) == [(outcome.delivery_version_id, "quarantined")]
    with psycopg.connect(url) as conn:
        findings = conn.execute("select count(*) from ledger.door_findings").fetchone()[0]
        reason = conn.execute("select reason from ledger.delivery_versions").fetchone()[0]
    assert findings == 0
    assert reason == "1 finding(s) at the door; their details were purged after 90 days"


def test_purging_again_changes_nothing(url, tmp_path):
    load_version(url, tmp_path, status="rejected", age_days=100)
    assert len(purged(url)) == 1
    assert purged(url) == []


def test_csc_purge_takes_its_age_from_csc_retention_days(url, tmp_path):
    old = load_version(url, tmp_path, status="rejected", age_days=120)
    load_version(url, tmp_path, la_code=ISLINGTON, status="rejected", age_days=50)
    result = run_csc("purge", CSC_WAREHOUSE_URL=url, CSC_RETENTION_DAYS="100")
    assert result.returncode == 0, result.stderr
    assert f"{HARINGEY}/{WEEK} version {old} (rejected): purged 7 rows" in result.stdout
    assert "purged 1 delivery version(s) older than 100 days" in result.stdout


@pytest.mark.slow  # builds dbt models
def test_every_version_dbt_reports_from_survives_a_purge(url, tmp_path):
    """The purge's idea of the reported version is dbt's own: int_versions_reported,
    built on the purged ledger, picks only versions whose raw rows are all still there."""
    for la_code in (HARINGEY, ISLINGTON):
        load_version(url, tmp_path / la_code, la_code, status="accepted", age_days=300)
        load_version(url, tmp_path / la_code, la_code, status="accepted", age_days=200, extra_children=1)
        load_version(url, tmp_path / la_code, la_code, status="rejected", age_days=150, extra_children=2)
        load_version(url, tmp_path / la_code, la_code, status="accepted", age_days=150, day="2014-02-17")
    published_days_ago(url, 100, kept=[ISLINGTON])
    assert len(purged(url)) == 3  # Haringey's superseded and both rejected; Islington's first is kept back
    # dbt reads its profile from CSC_DBT_*, derived from CSC_WAREHOUSE_URL unless already set.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CSC_DBT_")}
    build = subprocess.run(
        [
            sys.executable,
            "-c",
            "from csc_warehouse import transforming; transforming.build('+int_versions_reported')",
        ],
        capture_output=True,
        text=True,
        env={**environment, "CSC_WAREHOUSE_URL": url},
        timeout=600,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    with psycopg.connect(url) as conn:
        reported = conn.execute(
            "select r.delivery_version_id, v.purged_at is null, v.rows_loaded"
            " from build.int_versions_reported r join ledger.delivery_versions v using (delivery_version_id)"
            " where r.figures = 'LAC'"
        ).fetchall()
    assert len(reported) == 4
    assert all(kept and raw_rows(url, version) == rows for version, kept, rows in reported)


# -- erase -----------------------------------------------------------------------------------------


def child_key(url, la_code, child_id):
    with psycopg.connect(url) as conn:
        return conn.execute("select keys.child_key(%s, %s)", [la_code, child_id]).fetchone()[0]


def rows_of_child(url, la_code, child_id):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select (select count(*) from raw.ssda903_header where la_code = %(la)s and child = %(id)s)"
            " + (select count(*) from raw.ssda903_episodes where la_code = %(la)s and child = %(id)s)",
            {"la": la_code, "id": child_id},
        ).fetchone()[0]


@pytest.fixture
def two_councils(url, tmp_path):
    """Child 1001 in two of Haringey's versions, and another child 1001 in Islington's."""
    load_version(url, tmp_path, status="accepted", age_days=10)
    load_version(url, tmp_path, status="accepted", age_days=5, extra_children=1)
    load_version(url, tmp_path, ISLINGTON, status="accepted", age_days=5)
    return url


def test_erasing_a_child_removes_their_rows_from_every_raw_table_and_records_it(two_councils):
    url = two_councils
    result = run_csc(
        "erase",
        "--la",
        HARINGEY,
        "--child",
        "1001",
        "--by",
        "Data Protection Officer",
        "--reason",
        "erasure request ER-42",
        CSC_WAREHOUSE_URL=url,
    )
    assert result.returncode == 0, result.stderr
    assert rows_of_child(url, HARINGEY, "1001") == 0
    assert rows_of_child(url, HARINGEY, "1002") == 4 and rows_of_child(url, ISLINGTON, "1001") == 3
    with psycopg.connect(url) as conn:
        record = conn.execute(
            "select login, requested_by, reason, la_code, child_key, rows_deleted, total_rows,"
            " erased_at is not null from ledger.erasures"
        ).fetchone()
    login, *rest = record
    assert login and rest == [
        "Data Protection Officer",
        "erasure request ER-42",
        HARINGEY,
        child_key(url, HARINGEY, "1001"),
        {"raw.ssda903_episodes": 4, "raw.ssda903_header": 2},
        6,
        True,
    ]
    assert "1001" not in json.dumps(record, default=str), "the record keeps the key, not the id"
    assert "6 rows removed" in result.stdout and "1001" not in result.stdout


def test_the_id_as_excel_writes_it_erases_the_same_child(two_councils):
    erasure = retention.erase(HARINGEY, " 1001.0 ", requested_by="DPO", url=two_councils)
    assert erasure.total == 6 and rows_of_child(two_councils, HARINGEY, "1001") == 0


def test_erasure_reaches_built_published_and_flagged_rows(two_councils):
    url = two_councils
    mine, other = child_key(url, HARINGEY, "1001"), child_key(url, HARINGEY, "1002")
    with psycopg.connect(url) as conn:
        conn.execute(
            "create table build.erase_probe as select * from (values ('309', '1001'), ('309', '1002'))"
            " as rows (la_code, child_id)"
        )
        conn.execute("create table reporting.erase_probe (la_code text, child_key text)")
        conn.execute("insert into reporting.erase_probe values ('309', %s), ('309', %s)", [mine, other])
        validation = conn.execute(
            "insert into dq.validations (run_id, suite, table_name, expectation, severity,"
            " success) values ('r', 's', 't', 'e', 'warn', false) returning validation_id"
        ).fetchone()[0]
        conn.execute(
            "insert into dq.flagged_records (validation_id, la_code, child_key, record)"
            " values (%s, '309', %s, '{}'), (%s, '309', %s, '{}')",
            [validation, mine, validation, other],
        )
    try:
        erasure = retention.erase(HARINGEY, "1001", requested_by="DPO", url=url)
        with psycopg.connect(url) as conn:
            left = [
                conn.execute(f"select count(*) from {table}").fetchone()[0]
                for table in ("build.erase_probe", "reporting.erase_probe", "dq.flagged_records")
            ]
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("drop table build.erase_probe, reporting.erase_probe")
    assert left == [1, 1, 1]
    assert {
        name: erasure.rows_deleted[name]
        for name in ("build.erase_probe", "reporting.erase_probe", "dq.flagged_records")
    } == dict.fromkeys(("build.erase_probe", "reporting.erase_probe", "dq.flagged_records"), 1)


def test_erasure_reaches_the_childs_dfe_return_findings(two_councils):
    url = two_councils
    mine, other = child_key(url, HARINGEY, "1001"), child_key(url, HARINGEY, "1002")
    with psycopg.connect(url) as conn:
        version = conn.execute(
            "select max(delivery_version_id) from ledger.delivery_versions where la_code = %s", [HARINGEY]
        ).fetchone()[0]
        conn.execute(
            "insert into dq.return_checks (delivery_version_id, la_code, return_type, extract_date,"
            " collection_year, ruleset, rules_run, rules_skipped, findings)"
            " values (%s, '309', 'SSDA903', %s, 2014, 'lac2022_23', 250, 50, 2)",
            [version, WEEK],
        )
        for key in (mine, other):
            conn.execute(
                "insert into dq.return_errors (delivery_version_id, la_code, return_type, ruleset, rule_code,"
                " table_name, child_key) values (%s, '309', 'SSDA903', 'lac2022_23', '388', 'ssda903_episodes', %s)",
                [version, key],
            )
    erasure = retention.erase(HARINGEY, "1001", requested_by="DPO", url=url)
    with psycopg.connect(url) as conn:
        left = conn.execute("select array_agg(child_key) from dq.return_errors").fetchone()[0]
    assert left == [other]
    assert erasure.rows_deleted["dq.return_errors"] == 1


def test_erasure_takes_the_id_out_of_the_door_findings(url, tmp_path):
    twice = GOOD_HEADER + "1001,2,02/02/2011,WBRI,,,\n"
    outcome, _ = ingest(url, deliver(tmp_path, HARINGEY, WEEK, {"header.csv": twice, "episodes.csv": GOOD_EPISODES}))
    assert outcome.status == "quarantined" and "1001" not in outcome.reason  # the version's reason is redacted
    with psycopg.connect(url) as conn:
        before = conn.execute("select value, message from ledger.door_findings").fetchall()
    assert "1001" in json.dumps(before)
    retention.erase(HARINGEY, "1001", requested_by="DPO", url=url)
    with psycopg.connect(url) as conn:
        findings = conn.execute("select value, message from ledger.door_findings").fetchall()
        reason = conn.execute("select reason from ledger.delivery_versions").fetchone()[0]
    assert findings and "1001" not in json.dumps(findings) and "1001" not in reason
    assert "CHILD [erased] has 2 Header rows" in findings[0][1]


def test_after_erasure_the_key_reveals_nothing(two_councils):
    key = child_key(two_councils, HARINGEY, "1001")
    assert access.reveal(key, "before the erasure", url=two_councils).child_id == "1001"
    retention.erase(HARINGEY, "1001", requested_by="DPO", url=two_councils)
    assert not access.reveal(key, "after the erasure", url=two_councils).found


def test_erasing_a_child_the_warehouse_never_held_is_recorded_with_no_rows(url):
    result = run_csc("erase", "--la", HARINGEY, "--child", "99999", "--by", "DPO", CSC_WAREHOUSE_URL=url)
    assert result.returncode == 0 and "the warehouse held nothing of that child" in result.stdout
    with psycopg.connect(url) as conn:
        assert conn.execute("select total_rows, rows_deleted from ledger.erasures").fetchall() == [(0, {})]
