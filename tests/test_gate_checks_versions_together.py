"""The delivery gate checks every newly loaded version in one validation per suite, and each version
still gets exactly what it would have got checked alone: its verdict, its reason, its rows in
dq.validations and dq.flagged_records. Two versions of one authority, with the same children, prove
that no rule mixes one version's rows with another's."""

from __future__ import annotations

from pathlib import Path

import pytest
from loading_fixtures import GOOD_EPISODES, GOOD_HEADER, deliver, ingest, query

from csc_warehouse import quality
from csc_warehouse.handoffs import Scope

CP_HEADER = (
    "LAchildID,PersonBirthDate,Sex,Ethnicity,CPPstartDate,CPPendDate,InitialCategoryOfAbuse,"
    "LatestCategoryOfAbuse,NumberOfPreviousCPP\n"
)
# One open plan per child: clean alone, but two open plans for P3 (DfE rule 8935) and overlapping
# plans for P4 (8940) if a rule mixed two versions of the same children.
CLEAN_PLANS = CP_HEADER + (
    "P3,01/01/2010,1,WBRI,01/06/2013,,NEG,NEG,0\nP4,01/01/2010,1,WBRI,01/01/2013,01/06/2013,NEG,NEG,0\n"
)
# An episode that ends before it starts (DfE rule 356, block).
BLOCKING_EPISODES = GOOD_EPISODES.replace(
    "10/01/2016,S,V2,N4,Z11,PR1,12/02/2016", "10/01/2016,S,V2,N4,Z11,PR1,12/02/2015"
)
# An episode that starts and ends the same day (DfE rule 355, warn).
WARNING_EPISODES = GOOD_EPISODES.replace(
    "10/01/2016,S,V2,N4,Z11,PR1,12/02/2016", "10/01/2016,S,V2,N4,Z11,PR1,10/01/2016"
)
SSDA903 = {"header.csv": GOOD_HEADER}
DELIVERIES = [
    # authority, extract date, files
    ("309", "2016-03-07", {**SSDA903, "episodes.csv": GOOD_EPISODES, "cp_plans.csv": CLEAN_PLANS}),
    ("309", "2016-03-14", {**SSDA903, "episodes.csv": GOOD_EPISODES, "cp_plans.csv": CLEAN_PLANS}),
    ("310", "2016-03-14", {**SSDA903, "episodes.csv": BLOCKING_EPISODES}),
    ("311", "2016-03-14", {**SSDA903, "episodes.csv": WARNING_EPISODES}),
]


def validations(url, run_ids):
    return sorted(
        query(
            url,
            "select delivery_version_id, la_code, as_at, suite, expectation, rule_code, severity, success, errored,"
            " unexpected_count from dq.validations where run_id = any(%s)",
            [list(run_ids)],
        )
    )


def flagged(url, run_ids):
    return sorted(
        query(
            url,
            "select v.delivery_version_id, v.expectation, f.la_code, f.child_key, f.record::text"
            " from dq.flagged_records as f join dq.validations as v using (validation_id) where v.run_id = any(%s)",
            [list(run_ids)],
        )
    )


@pytest.fixture(scope="module")
def checked_together_and_alone(warehouse_url, tmp_path_factory):
    """The four versions checked in one gate run, then each again in a gate run of its own."""
    from conftest import empty_warehouse

    empty_warehouse(warehouse_url)
    root = tmp_path_factory.mktemp("together")
    for la_code, day, files in DELIVERIES:
        outcome, _lines = ingest(warehouse_url, deliver(root, la_code, day, files))
        assert outcome.status == "loaded", outcome.findings
    together = quality.check_deliveries("together", url=warehouse_url)
    alone = []
    for verdict in together.versions:
        query(
            warehouse_url,
            "update ledger.delivery_versions set status = 'loaded', reason = null where delivery_version_id = %s"
            " returning 1",
            [verdict.delivery_version_id],
        )
        [version_alone] = quality.check_deliveries(f"alone-{verdict.delivery_version_id}", url=warehouse_url).versions
        alone.append(version_alone)
    alone_runs = [f"alone-{verdict.delivery_version_id}" for verdict in together.versions]
    return warehouse_url, together, alone, alone_runs


def test_each_version_gets_its_own_verdict(checked_together_and_alone):
    _url, together, _alone, _runs = checked_together_and_alone
    assert [(v.la_code, v.extract_date, v.status) for v in together.versions] == [
        ("309", "2016-03-07", "accepted"),
        ("309", "2016-03-14", "accepted"),
        ("310", "2016-03-14", "rejected"),
        ("311", "2016-03-14", "accepted"),
    ]
    rejected = together.versions[2]
    assert rejected.reason == (
        "1 blocking check(s) failed; first: raw.ssda903_episodes_typed.episode_ends_before_it_starts"
        " (DfE rule 356) on 1 row(s)"
    )


def test_verdicts_are_those_of_each_version_checked_alone(checked_together_and_alone):
    _url, together, alone, _runs = checked_together_and_alone
    assert list(together.versions) == alone


def test_dq_rows_are_those_of_each_version_checked_alone(checked_together_and_alone):
    url, _together, _alone, alone_runs = checked_together_and_alone
    rows = validations(url, ["together"])
    # One row per version and expectation of each suite whose table it delivered: two versions deliver
    # Header, Episodes and CP plans, two Header and Episodes.
    suites = {suite.name: len(suite.expectations) for suite in quality.load_suites(scope=Scope.DELIVERY)}
    ssda903 = suites["ssda903_episodes"] + suites["ssda903_header"]
    assert len(rows) == 2 * (ssda903 + suites["cin_cp_plans"]) + 2 * ssda903
    assert rows == validations(url, alone_runs)
    assert flagged(url, ["together"]) == flagged(url, alone_runs)


def test_a_warning_is_counted_for_its_own_version_only(checked_together_and_alone):
    url, together, _alone, _runs = checked_together_and_alone
    failed = [
        (la_code, expectation, unexpected_count)
        for _version, la_code, _as_at, _suite, expectation, _rule, _severity, success, _errored, unexpected_count in (
            validations(url, ["together"])
        )
        if not success
    ]
    # In every version (extract dates of 2016): K3 and Z11 are placement codes of 2025/26 on, and
    # 1003's SEX M a code of 2024/25 on.
    every_version = [
        (la_code, check, count)
        for la_code in ("309", "309", "310", "311")
        for check, count in (
            ("placement_code_not_valid_in_the_collection_year", 2),
            ("sex_code_not_valid_in_the_collection_year", 1),
        )
    ]
    assert sorted(failed) == sorted(
        [
            *every_version,
            ("310", "episode_ends_before_it_starts", 1),
            ("311", "episode_starts_and_ends_the_same_day", 1),
        ]
    )
    assert {r.la_code for r in together.results if r.expectation == "episode_starts_and_ends_the_same_day"} == {
        "309",
        "310",
        "311",
    }


def test_a_suite_that_errors_rejects_every_version_it_covered(fresh_warehouse, tmp_path):
    suite_file = tmp_path / "suites" / "ssda903_header.yml"
    suite_file.parent.mkdir()
    suite_file.write_text(
        "table: raw.ssda903_header_typed\nscope: delivery\nexpectations:\n"
        "  - name: reads_a_missing_table\n    severity: warn\n    why: a broken check must not pass\n"
        "    sql: select * from {batch} join raw.no_such_table using (child)\n"
    )
    for la_code in ("309", "310"):
        outcome, _lines = ingest(fresh_warehouse, deliver(tmp_path, la_code, "2016-03-14", DELIVERIES[3][2]))
        assert outcome.status == "loaded", outcome.findings
    verdict = quality.check_deliveries(
        "broken-suite", url=fresh_warehouse, suites=quality.load_suites(Path(suite_file.parent))
    )
    assert [(v.la_code, v.status) for v in verdict.versions] == [("309", "rejected"), ("310", "rejected")]
    assert all("no_such_table" in v.reason for v in verdict.versions)
    assert [(row[1], row[8]) for row in validations(fresh_warehouse, ["broken-suite"])] == [
        ("309", True),
        ("310", True),
    ]
