"""The staging tests check each authority's latest accepted version until a build has passed them on
it (issue 15): a weekly build tests what arrived, not every authority's latest delivery again, and a
version that failed is tested again by the next build, until a newer one replaces it."""

from __future__ import annotations

import psycopg
import pytest
from conftest import scenario_database
from test_history import AUTHORITIES, MONDAYS, deliver

from csc_warehouse import dbt_results, settings, staging_tests, transforming

pytestmark = pytest.mark.slow

LATEST_CATEGORY_TEST = "accepted_values_stg_cin__cp_plans_latest_category"


def spoil_a_plan(conn, version: int, category: str) -> None:
    """A category of abuse the staging test refuses (the gate would have: this is the second belt). The
    test counts the distinct values it refuses, so each spoilt version gets its own."""
    conn.execute(
        "update raw.cin_cp_plans set latestcategoryofabuse = %s where delivery_version_id = %s and source_row = 2",
        [category, version],
    )


def failures_of(url: str, run_id: str, test_name: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select failures from dq.dbt_results where run_id = %s and unique_id like %s",
            [run_id, f"test.csc_warehouse.{test_name}%"],
        ).fetchone()[0]


def test_a_build_tests_the_versions_no_build_has_passed(warehouse_url, monkeypatch):
    url = scenario_database(warehouse_url, "staging_tests_per_version")
    monkeypatch.setenv("CSC_WAREHOUSE_URL", url)
    for name, value in settings.dbt_environment().items():
        monkeypatch.setenv(name, value)
    week_1, week_2 = MONDAYS[:2]
    with psycopg.connect(url) as conn:
        first = [deliver(conn, la_code, week_1) for la_code in AUTHORITIES]
    assert staging_tests.awaiting() == first
    transforming.build_for_run("week-1", "test_dag")
    assert staging_tests.awaiting() == []

    with psycopg.connect(url) as conn:
        new = deliver(conn, "202", week_2)
        spoil_a_plan(conn, new, "XXX")
        spoil_a_plan(
            conn, first[0], "YYY"
        )  # raw never changes a passed version: spoilt here to show it is not read again
    with pytest.raises(dbt_results.DbtBuildFailed, match=LATEST_CATEGORY_TEST):
        transforming.build_for_run("week-2", "test_dag")
    assert failures_of(url, "week-2", LATEST_CATEGORY_TEST) == 1  # the new version's XXX, not 201's YYY
    # The failed version stays untested: the next build checks it again, and fails again.
    assert staging_tests.awaiting() == [new]
    with psycopg.connect(url) as conn:
        passed_by = dict(
            conn.execute("select delivery_version_id, staging_tests_passed_by_run from ledger.delivery_versions")
        )
    assert passed_by == {first[0]: "week-1", first[2]: "week-1", first[1]: "week-1", new: None}

    # A full refresh tests every authority's latest version again.
    with pytest.raises(dbt_results.DbtBuildFailed, match=LATEST_CATEGORY_TEST):
        transforming.build_for_run("refresh", "test_dag", full_refresh=True)
    assert failures_of(url, "refresh", LATEST_CATEGORY_TEST) == 2
    assert staging_tests.awaiting() == sorted([first[0], new, first[2]])
