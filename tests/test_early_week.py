"""Any as_at runs, or fails saying why. `csc run-week --as-at 2013-12-30` once exited 0 and printed
"success" having run no task: Airflow creates no task for a logical date before the DAG's start
date (then 2014-01-06), so that week's deliveries never reached the ledger and no dq.runs row said so.
"""

from datetime import date

import psycopg
import pytest
from conftest import run_csc, scenario_database

from csc_warehouse import demo

pytestmark = pytest.mark.e2e

EARLY_WEEK = date(2013, 12, 30)


@pytest.fixture(scope="module")
def early_week(warehouse_url, mail_sink, tmp_path_factory):
    url = scenario_database(warehouse_url, "early_week")
    landing = tmp_path_factory.mktemp("early-week-landing")
    demo.generate(landing, weeks=(EARLY_WEEK,))
    return {"CSC_WAREHOUSE_URL": url, "CSC_LANDING_DIR": str(landing)}


def test_a_week_before_2014_runs_loads_its_deliveries_and_records_the_run(early_week):
    result = run_csc("run-week", "--as-at", EARLY_WEEK.isoformat(), **early_week)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.splitlines()[-1] == f"cp_lac_weekly for as_at {EARLY_WEEK}: success"
    with psycopg.connect(early_week["CSC_WAREHOUSE_URL"]) as conn:
        versions = conn.execute(
            "select status from ledger.delivery_versions where extract_date between %s::date - 6 and %s",
            [EARLY_WEEK, EARLY_WEEK],
        ).fetchall()
        runs = conn.execute("select state from dq.runs where as_at = %s", [EARLY_WEEK]).fetchall()
        published = conn.execute("select count(*) from reporting.lac_weekly where as_at = %s", [EARLY_WEEK]).fetchone()
    assert versions == [("accepted",)]
    assert runs == [("success",)]
    assert published == (1,)


def test_a_week_before_the_configured_start_date_is_refused_saying_why(early_week):
    result = run_csc("run-week", "--as-at", "2013-12-23", **early_week, CSC_WEEKLY_START_DATE=EARLY_WEEK.isoformat())
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "csc run-week: cp_lac_weekly starts on 2013-12-30 (CSC_WEEKLY_START_DATE), and Airflow runs no task of"
        " a run dated 2013-12-23 before it: give a later date, or an earlier CSC_WEEKLY_START_DATE"
    )
    with psycopg.connect(early_week["CSC_WAREHOUSE_URL"]) as conn:
        assert conn.execute("select count(*) from dq.runs where as_at = '2013-12-23'").fetchone() == (0,)
