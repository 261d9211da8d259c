"""The DfE return rules (issue 17): csc_warehouse.returns, run in the validators' own environment.

The integration tests deliver the 903 validator's own fake data as one authority, run the entry point
with the validators' interpreter (CSC_VALIDATORS_PYTHON, as the weekly DAG does), and hold what it
wrote to dq against the validator run on the same files by its own reader.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from datetime import date

import psycopg
import pytest
from conftest import empty_warehouse
from loading_fixtures import GOOD_EPISODES, GOOD_HEADER, VALIDATOR_903, VALIDATOR_CIN, deliver, ingest

from csc_warehouse import return_gate, settings
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

# The validator on the files themselves, read by its own reader: its own count per rule (Report.error_report).
LIBRARY_COUNT = textwrap.dedent(
    """
    import importlib, json, logging, sys
    from pathlib import Path
    logging.disable(logging.CRITICAL)
    from lac_validator.lac_validator import LacValidator
    from lac_validator.report import Report
    folder, ruleset, year, authority, *names = sys.argv[1:]
    files = [{"name": n, "file_content": (Path(folder) / n).read_bytes(), "description": "This year"} for n in names]
    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    validator = LacValidator({"collectionYear": year, "localAuthority": authority}, files, registry)
    report = Report(validator.ds_results, registry).error_report
    print(json.dumps({str(code): int(count) for code, count in zip(report["Code"], report["Count"]) if count}))
    """
)


def validators_python(*args: str, url: str) -> str:
    environment = {**os.environ, "CSC_WAREHOUSE_URL": url}
    done = subprocess.run(
        [str(settings.validators_python()), *args], capture_output=True, text=True, env=environment, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


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
    [line] = validators_python(
        "-m", "csc_warehouse.returns.run", str(outcome.delivery_version_id), url=warehouse_url
    ).splitlines()
    checked = json.loads(line)
    library = json.loads(
        validators_python(
            "-c",
            LIBRARY_COUNT,
            *(str(VALIDATOR_903), "lac2022_23", "2018", "E09000014"),
            *FAKE_903_FILES,
            url=warehouse_url,
        )
    )
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


def a_check(version: int, *rules: str) -> dict:
    return ReturnCheck(
        version, "309", "SSDA903", checked=True, rules_flagged=list(rules), findings=len(rules)
    ).to_xcom()


def test_a_return_rule_not_named_as_blocking_holds_nothing_back(fresh_warehouse, tmp_path):
    version = delivered_version(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", GOOD))
    verdict = ReturnVerdict.from_xcom(
        return_gate.judge([version], [a_check(version, "388", "103")], blocking=frozenset(), url=fresh_warehouse)
    )
    assert verdict.held_back == [] and verdict.held_back_la_codes == set()
    assert version_status(fresh_warehouse, version) == ("loaded", None)


def test_a_blocking_return_rule_rejects_the_version_and_keeps_its_authoritys_published_rows(fresh_warehouse, tmp_path):
    version = delivered_version(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", GOOD))
    verdict = ReturnVerdict.from_xcom(
        return_gate.judge(
            [version], [a_check(version, "388", "103")], blocking=frozenset({"388", "501"}), url=fresh_warehouse
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


def test_a_version_without_ssda903_tables_is_not_checked(fresh_warehouse, tmp_path):
    version = delivered_version(
        fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"cin.xml": VALIDATOR_CIN / "CIN_Census_2024.xml"})
    )
    [line] = validators_python("-m", "csc_warehouse.returns.run", str(version), url=fresh_warehouse).splitlines()
    assert json.loads(line) | {"seconds": 0} == ReturnCheck(version, "309", "SSDA903").to_xcom()
    with psycopg.connect(fresh_warehouse) as conn:
        assert conn.execute("select count(*) from dq.return_checks").fetchone() == (0,)
