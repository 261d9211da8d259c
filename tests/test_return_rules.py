"""The DfE return rules (issue 17): csc_warehouse.returns, run in the validators' own environment.

The integration tests deliver the 903 validator's own fake data as one authority, run the entry point
with the validators' interpreter (CSC_VALIDATORS_PYTHON, as the weekly DAG does), and hold what it
wrote to dq against the validator run on the same files by its own reader.
"""

from __future__ import annotations

import json
from datetime import date

import psycopg
import pytest
from conftest import empty_warehouse
from loading_fixtures import GOOD_EPISODES, GOOD_HEADER, VALIDATOR_903, VALIDATOR_CIN, deliver, ingest
from validator_fixtures import library_counts, validators_python

from csc_warehouse import return_gate, settings, transforming
from csc_warehouse.handoffs.returns import ReturnCheck, ReturnVerdict
from csc_warehouse.returns import years

# -- the collection year and its ruleset ------------------------------------------------------

RULESETS = ["lac2022_23", "lac2023_24", "lac2024_25", "lac2025_26", "lac2026_27", "rule_utils"]


def test_an_extract_of_31_march_belongs_to_the_collection_ending_that_day():
    assert years.collection_year(date(2025, 3, 31)) == 2025
    assert years.collection_year(date(2025, 4, 1)) == 2026
    assert years.collection_year(date(2025, 1, 6)) == 2025


def test_an_extract_is_checked_with_its_own_years_ruleset():
    choice = years.choose_ruleset(date(2024, 11, 4), "lac", RULESETS)
    assert (choice.collection_year, choice.metadata_year, choice.ruleset, choice.note) == (
        2025,
        "2025",
        "lac2024_25",
        None,
    )


def test_an_extract_before_2022_23_is_checked_with_the_earliest_ruleset_and_says_so():
    choice = years.choose_ruleset(date(2018, 3, 31), "lac", RULESETS)
    assert (choice.metadata_year, choice.ruleset) == ("2018", "lac2022_23")
    assert choice.note == "2017/18 predates the validator's rulesets: checked with lac2022_23"


def test_an_extract_after_the_newest_ruleset_is_checked_with_the_newest_and_says_so():
    choice = years.choose_ruleset(date(2027, 6, 1), "lac", RULESETS)
    assert (choice.collection_year, choice.ruleset) == (2028, "lac2026_27")
    assert choice.note and "newer" in choice.note


# -- the validator's fake SSDA903 return, through raw and back ----------------------------------

# Every fake table the validator ships that one delivery can hold (one file per table).
FAKE_903_FILES = [
    "header.csv",
    "episodes.csv",
    "uasc.csv",
    "reviews.csv",
    "missing.csv",
    "oc2.csv",
    "oc3.csv",
    "ad1.csv",
    "placed_for_adoption.csv",
    "previous_permanence.csv",
    "sw_episodes.csv",
    "DoLo.csv",
]
EXTRACT_DATE = "2018-03-31"  # the fake episodes run 2015-2018: collection 2017/18, before any ruleset


@pytest.fixture(scope="module")
def fake_903_checked(warehouse_url, tmp_path_factory):
    """The fake return delivered as authority 309 and checked by the entry point: its JSON line, and the
    validator's own counts per rule on the same files."""
    empty_warehouse(warehouse_url)
    landing = tmp_path_factory.mktemp("landing")
    outcome, _ = ingest(
        warehouse_url, deliver(landing, "309", EXTRACT_DATE, {name: VALIDATOR_903 / name for name in FAKE_903_FILES})
    )
    assert outcome.status == "loaded", outcome.findings[:5]
    lines = validators_python(
        "-m", "csc_warehouse.returns.run", str(outcome.delivery_version_id), url=warehouse_url
    ).splitlines()
    checked, cin = map(json.loads, lines)
    assert (checked["return_type"], cin["return_type"], cin["checked"]) == ("SSDA903", "CIN", False)
    library = library_counts(VALIDATOR_903, FAKE_903_FILES, ruleset="lac2022_23", year="2018", authority="E09000014")
    return checked, library


@pytest.mark.slow
def test_the_records_per_rule_equal_the_validators_own_count_on_the_same_files(fake_903_checked, warehouse_url):
    checked, library = fake_903_checked
    with psycopg.connect(warehouse_url) as conn:
        written = dict(conn.execute("select rule_code, count(*) from dq.return_errors group by rule_code").fetchall())
    assert len(library) > 100  # the fake return breaks most rules
    assert written == library
    assert checked["findings"] == sum(library.values())
    assert checked["rules_flagged"] == sorted(library)


@pytest.mark.slow
def test_the_check_records_the_earliest_ruleset_for_a_2017_18_extract(fake_903_checked, warehouse_url):
    with psycopg.connect(warehouse_url) as conn:
        [row] = conn.execute(
            "select collection_year, ruleset, ruleset_note, local_authority, rules_run > 200, rules_failed"
            " from dq.return_checks"
        ).fetchall()
    assert row == (
        2018,
        "lac2022_23",
        "2017/18 predates the validator's rulesets: checked with lac2022_23",
        "E09000014",  # Haringey, DfE 309
        True,
        [],
    )


@pytest.mark.slow
def test_each_finding_names_its_row_in_the_delivered_file_and_the_childs_key_not_its_id(
    fake_903_checked, warehouse_url
):
    with psycopg.connect(warehouse_url) as conn:
        unmatched, ids_kept, wrong_key = conn.execute(
            """
            select
                count(*) filter (where e.row_number is null),
                count(*) filter (where e.child_key = r.child),
                count(*) filter (where e.child_key is distinct from keys.child_key(r.la_code, raw.clean_id(r.child)))
            from dq.return_errors e
            left join raw.ssda903_episodes r
                on r.delivery_version_id = e.delivery_version_id and r.source_file = e.source_file
                and r.source_row = e.row_number
            where e.table_name = 'ssda903_episodes'
            """
        ).fetchone()
    assert (unmatched, ids_kept, wrong_key) == (0, 0, 0)


def accept(url: str, version: int) -> None:
    """The gate's verdict, given by hand: return readiness reads accepted versions only."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "update ledger.delivery_versions set status = 'accepted' where delivery_version_id = %s", [version]
        )


def build_return_readiness(*, full_refresh: bool = False) -> None:
    """The weekly DAG's build_return_readiness, with the staging view it reads that build_marts builds."""
    transforming.build(
        " ".join(f"+{selected}" for selected in return_gate.READINESS_SELECTION), full_refresh=full_refresh
    )


def return_readiness(url: str) -> list[tuple]:
    """reporting.return_readiness as the week's build made it (the build schema publication copies)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            f"select la_code, as_at::text, return, rule_code, rule_message, records, children, new_children,"
            f" resolved_children from {settings.build_schema()}.return_readiness order by la_code, as_at, rule_code"
        ).fetchall()


@pytest.mark.slow
def test_return_readiness_has_a_row_for_every_rule_the_library_flags_with_its_own_count(
    fake_903_checked, warehouse_url
):
    _checked, library = fake_903_checked
    [version] = [row[0] for row in query(warehouse_url, "select delivery_version_id from dq.return_checks")]
    accept(warehouse_url, version)
    build_return_readiness()
    rows = return_readiness(warehouse_url)
    assert {row[3]: row[5] for row in rows} == library
    assert {(row[0], row[1], row[2]) for row in rows} == {("309", EXTRACT_DATE, "SSDA903")}
    # Every rule says what it means, and the first as_at has nothing to compare with.
    assert all(row[4] for row in rows)
    assert {(row[7], row[8]) for row in rows} == {(None, None)}
    assert all(row[6] <= row[5] for row in rows)


# -- return readiness week on week, on findings written by hand -----------------------------------


def query(url: str, statement: str, params=()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def checked_by_hand(url: str, version: int, extract_date: str, findings: list[tuple[str, str | None]]) -> None:
    """dq as the return check leaves it for a version with these (rule, child key) findings."""
    with psycopg.connect(url) as conn:
        conn.execute("delete from dq.return_checks where delivery_version_id = %s", [version])
        conn.execute(
            "insert into dq.return_checks (delivery_version_id, la_code, return_type, extract_date, collection_year,"
            " ruleset, rules_run, rules_skipped, findings, rule_messages) values (%s, '309', 'SSDA903', %s, 2024,"
            " 'lac2023_24', 250, 54, %s, %s)",
            [version, extract_date, len(findings), json.dumps({rule: f"rule {rule}" for rule, _ in findings})],
        )
        for rule, child_key in findings:
            conn.execute(
                "insert into dq.return_errors (delivery_version_id, la_code, return_type, ruleset, rule_code,"
                " table_name, child_key) values (%s, '309', 'SSDA903', 'lac2023_24', %s, 'ssda903_episodes', %s)",
                [version, rule, child_key],
            )


@pytest.fixture
def two_weeks_built(fresh_warehouse, tmp_path):
    """Week 1 (4 March): rule 103 flags A twice and B, rule 388 flags C. Week 2 (11 March): A's 103 is fixed,
    B's is not; C still breaks 388 and D now does too; 501 flags E, a rule week 1 did not break. Each week is
    built as the weekly run builds it (incrementally, after its checks)."""
    url = fresh_warehouse
    week_1 = delivered_version(url, deliver(tmp_path, "309", "2024-03-04", GOOD))
    accept(url, week_1)
    checked_by_hand(url, week_1, "2024-03-04", [("103", "A"), ("103", "A"), ("103", "B"), ("388", "C")])
    build_return_readiness()
    week_2 = delivered_version(url, deliver(tmp_path, "309", "2024-03-11", GOOD))
    accept(url, week_2)
    checked_by_hand(url, week_2, "2024-03-11", [("103", "B"), ("388", "C"), ("388", "D"), ("501", "E")])
    build_return_readiness()
    return url, week_1, week_2


@pytest.mark.slow
def test_a_second_week_counts_the_children_newly_failing_and_those_fixed_since_the_first(two_weeks_built):
    url, _week_1, _week_2 = two_weeks_built
    assert return_readiness(url) == [
        ("309", "2024-03-04", "SSDA903", "103", "rule 103", 3, 2, None, None),
        ("309", "2024-03-04", "SSDA903", "388", "rule 388", 1, 1, None, None),
        ("309", "2024-03-11", "SSDA903", "103", "rule 103", 1, 1, 0, 1),
        ("309", "2024-03-11", "SSDA903", "388", "rule 388", 2, 2, 1, 0),
        ("309", "2024-03-11", "SSDA903", "501", "rule 501", 1, 1, 1, 0),
    ]


@pytest.mark.slow
def test_a_week_checked_again_is_counted_again_and_the_next_build_equals_a_full_refresh(two_weeks_built):
    url, _week_1, week_2 = two_weeks_built
    # The week's rules run again (a rerun of the week): B's 103 is fixed now too, and 501 flags E and F.
    checked_by_hand(url, week_2, "2024-03-11", [("388", "C"), ("388", "D"), ("501", "E"), ("501", "F")])
    build_return_readiness()
    incremental = return_readiness(url)
    assert incremental[2:] == [
        ("309", "2024-03-11", "SSDA903", "388", "rule 388", 2, 2, 1, 0),
        ("309", "2024-03-11", "SSDA903", "501", "rule 501", 2, 2, 2, 0),
    ]
    build_return_readiness(full_refresh=True)
    assert return_readiness(url) == incremental


# -- the verdict of the weekly run's return checks ------------------------------------------------


GOOD = {"header.csv": GOOD_HEADER, "episodes.csv": GOOD_EPISODES}


def delivered_version(url: str, folder) -> int:
    outcome, _ = ingest(url, folder)
    assert outcome.status == "loaded", outcome.findings[:5]
    return outcome.delivery_version_id


def version_status(url: str, version: int) -> tuple[str, str | None]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select status, reason from ledger.delivery_versions where delivery_version_id = %s", [version]
        ).fetchone()


def a_check(version: int, *rules: str, return_type: str = "SSDA903") -> dict:
    return ReturnCheck(
        version, "309", return_type, checked=True, rules_flagged=list(rules), findings=len(rules)
    ).to_xcom()


def test_a_return_rule_not_named_as_blocking_holds_nothing_back(fresh_warehouse, tmp_path):
    version = delivered_version(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", GOOD))
    verdict = ReturnVerdict.from_xcom(
        return_gate.judge([version], [[a_check(version, "388", "103")]], blocking=frozenset(), url=fresh_warehouse)
    )
    assert verdict.held_back == [] and verdict.held_back_la_codes == set()
    assert version_status(fresh_warehouse, version) == ("loaded", None)


def test_a_blocking_return_rule_rejects_the_version_and_keeps_its_authoritys_published_rows(fresh_warehouse, tmp_path):
    version = delivered_version(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", GOOD))
    verdict = ReturnVerdict.from_xcom(
        return_gate.judge(
            [version], [[a_check(version, "388", "103")]], blocking=frozenset({"388", "501"}), url=fresh_warehouse
        )
    )
    assert verdict.held_back_la_codes == {"309"}
    assert version_status(fresh_warehouse, version) == ("rejected", "DfE return rules 388 (CSC_BLOCKING_RETURN_RULES)")


def test_a_check_that_did_not_finish_holds_nothing_back_and_is_named(fresh_warehouse, tmp_path):
    version = delivered_version(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", GOOD))
    verdict = ReturnVerdict.from_xcom(
        return_gate.judge([version], [None], blocking=frozenset({"388"}), url=fresh_warehouse)
    )
    assert (verdict.checks, verdict.held_back, verdict.unchecked) == ([], [], [version])
    assert version_status(fresh_warehouse, version)[0] == "loaded"


def test_a_version_both_returns_hold_back_is_rejected_once_for_the_rules_of_both(fresh_warehouse, tmp_path):
    version = delivered_version(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", GOOD))
    checks = [a_check(version, "388"), a_check(version, "8610", "100", return_type="CIN")]
    verdict = ReturnVerdict.from_xcom(
        return_gate.judge([version], [checks], blocking=frozenset({"388", "8610"}), url=fresh_warehouse)
    )
    assert [check.return_type for check in verdict.held_back] == ["SSDA903", "CIN"]
    assert version_status(fresh_warehouse, version) == (
        "rejected",
        "DfE return rules 388, 8610 (CSC_BLOCKING_RETURN_RULES)",
    )


def test_a_version_without_ssda903_tables_is_checked_against_the_cin_rules_only(fresh_warehouse, tmp_path):
    version = delivered_version(
        fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"cin.xml": VALIDATOR_CIN / "CIN_Census_2024.xml"})
    )
    ssda903, cin = map(
        json.loads, validators_python("-m", "csc_warehouse.returns.run", str(version), url=fresh_warehouse).splitlines()
    )
    assert ssda903 | {"seconds": 0} == ReturnCheck(version, "309", "SSDA903").to_xcom()
    assert (cin["return_type"], cin["checked"], cin["ruleset"]) == ("CIN", True, "cin2023_24")
    with psycopg.connect(fresh_warehouse) as conn:
        assert conn.execute("select return_type from dq.return_checks").fetchall() == [("CIN",)]
