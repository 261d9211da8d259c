"""Faults of the weekly run, on one warehouse in turn: the scheduler down for two weeks, a gate
check erroring because its table is missing, and a dbt model failing.

- Catch-up. The scheduler's half: with CSC_WEEKLY_START_DATE set the weekly DAG catches up, and its
  timetable (what the scheduler asks for the next run) gives every missed Monday in order, each a run
  whose as_at is that Monday. The runs' half: `csc catch-up` runs exactly those weeks through the
  weekly DAG one at a time (as max_active_runs=1 makes the scheduler do), and each publishes its own
  week's figures. The last run before the outage is written into dq.runs, not run again.
- A gate check erroring: counts as `block`, nothing is published, and the error names the table.
  Run at package level, with the weekly run's own task functions: a DAG run adds nothing here.
- A dbt model failing: through the DAG, since the run's state and its emails are the point.

Each asserts that no accepted row is lost or half-loaded and that the published tables are the
old ones or the new, never a mixture.
"""

import json
import os
import subprocess
import sys
import textwrap
from datetime import date

import psycopg
import pytest
from conftest import REPO, body_text, run_csc, scenario_database
from fault_helpers import raw_rows_of

from csc_warehouse import demo, run_email, runs, settings
from csc_warehouse.handoffs import RunSummary
from csc_warehouse.orchestration import weeks_to_catch_up

pytestmark = pytest.mark.e2e

BEFORE_THE_OUTAGE = date(2013, 12, 30)
MISSED = (date(2014, 1, 6), date(2014, 1, 13))
BROKEN_BUILD_WEEK = date(2014, 1, 20)


def published(url):
    """Every row of every published table, to compare before and after a fault."""
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute("select tablename from pg_tables where schemaname = 'reporting' order by tablename")
        ]
        return {
            table: sorted(conn.execute(f'select * from reporting."{table}"').fetchall(), key=repr) for table in tables
        }


@pytest.fixture(scope="module")
def caught_up(warehouse_url, mail_sink, tmp_path_factory):
    url = scenario_database(warehouse_url, "weekly_run_faults")
    landing = tmp_path_factory.mktemp("weekly-faults-landing")
    figures = demo.generate(landing, weeks=(*MISSED, BROKEN_BUILD_WEEK))
    environment = {"CSC_WAREHOUSE_URL": url, "CSC_LANDING_DIR": str(landing)}
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into dq.runs (run_id, dag_id, as_at, finished_at, state)"
            " values ('before the outage', 'cp_lac_weekly', %s, now(), 'success')",
            [BEFORE_THE_OUTAGE],
        )
    # The scheduler was down on the next two Mondays; it is back on the Tuesday after.
    catch_up = run_csc("catch-up", "--until", "2014-01-14", **environment)
    with psycopg.connect(url) as conn:
        run_summaries = conn.execute(
            "select as_at, state, summary from dq.runs where as_at > %s order by finished_at", [BEFORE_THE_OUTAGE]
        ).fetchall()
    return {
        "url": url,
        "environment": environment,
        "figures": figures,
        "catch_up": catch_up,
        "runs": run_summaries,
        "published": published(url),
    }


# -- catch-up --------------------------------------------------------------------------------------


def scheduler_view(tmp_path, start_date):
    """What the scheduler would do after a run on BEFORE_THE_OUTAGE: the DAG's catch-up flag, and the
    next runs its timetable gives, each with the as_at the run takes from its logical date."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CSC_", "AIRFLOW"))}
    env.update(
        {
            "CSC_WAREHOUSE_URL": "postgresql://nobody:nothing@127.0.0.1:9/none",
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'never-created.db'}",
        }
    )
    if start_date:
        env["CSC_WEEKLY_START_DATE"] = start_date
    script = textwrap.dedent(f"""
        import json, pendulum
        from airflow.dag_processing.dagbag import DagBag
        from airflow.serialization.serialized_objects import LazyDeserializedDAG
        from airflow.timetables.base import DagRunInfo
        from csc_warehouse import runs
        # The DAG as the scheduler holds it (serialised), asked what it asks after each run.
        dag = LazyDeserializedDAG.from_dag(DagBag(dag_folder={str(REPO / "dags")!r}).dags["cp_lac_weekly"])
        last = pendulum.datetime(2013, 12, 30, 6, tz="Europe/London")
        run, as_ats = DagRunInfo.interval(last, last), []
        for _ in range(2):
            run = dag.next_dagrun_info(last_automated_run_info=run)
            as_ats.append(str(runs.as_at_for(None, run.logical_date)))
        print(json.dumps({{"catchup": dag.catchup, "as_ats": as_ats}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_scheduler_catches_up_every_missed_monday_in_order(tmp_path):
    view = scheduler_view(tmp_path, "2013-12-30")
    assert view == {"catchup": True, "as_ats": [str(week) for week in MISSED]}


def test_without_a_start_date_a_first_deployment_does_not_backfill(tmp_path):
    assert scheduler_view(tmp_path, None)["catchup"] is False


@pytest.fixture
def run_history(warehouse_url, monkeypatch):
    url = scenario_database(warehouse_url, "catch_up_history")
    monkeypatch.setenv("CSC_WAREHOUSE_URL", url)
    monkeypatch.delenv("CSC_WEEKLY_START_DATE", raising=False)

    def ran(as_at, state):
        with psycopg.connect(url) as conn:
            conn.execute(
                "insert into dq.runs (run_id, dag_id, as_at, finished_at, state)"
                " values (%s, 'cp_lac_weekly', %s, now(), %s)",
                [f"run {as_at}", as_at, state],
            )

    return ran


def test_catch_up_starts_the_week_after_the_last_successful_run(run_history):
    run_history(date(2014, 1, 6), "success")
    run_history(date(2014, 1, 13), "failed")
    assert weeks_to_catch_up(None, date(2014, 1, 28)) == [date(2014, 1, 13), date(2014, 1, 20), date(2014, 1, 27)]


def test_catch_up_before_any_successful_run_starts_from_the_start_date(run_history, monkeypatch):
    with pytest.raises(settings.SettingMissing, match="give --since, or set CSC_WEEKLY_START_DATE"):
        weeks_to_catch_up(None, date(2014, 1, 28))
    monkeypatch.setenv("CSC_WEEKLY_START_DATE", "2014-01-08")
    assert weeks_to_catch_up(None, date(2014, 1, 28)) == [date(2014, 1, 13), date(2014, 1, 20), date(2014, 1, 27)]


def test_catch_up_runs_the_missed_weeks_in_order(caught_up):
    assert caught_up["catch_up"].returncode == 0, caught_up["catch_up"].stdout[-3000:]
    assert "catching up 2 week(s): 2014-01-06, 2014-01-13" in caught_up["catch_up"].stdout
    assert [(as_at, state) for as_at, state, _summary in caught_up["runs"]] == [
        (MISSED[0], "success"),
        (MISSED[1], "success"),
    ]


def test_each_caught_up_run_published_its_own_weeks_figures(caught_up):
    for as_at, _state, summary in caught_up["runs"]:
        # A run's headline figures are what it published for its own week, read back when it ran.
        [figure] = summary["figures"]
        assert figure["as_at"] == as_at.isoformat()
        assert figure["children_looked_after"] == caught_up["figures"][as_at].children_looked_after
    lac_weekly = {row[1]: row[2] for row in caught_up["published"]["lac_weekly"]}
    assert lac_weekly == {week: caught_up["figures"][week].children_looked_after for week in MISSED}


# -- a gate check erroring -------------------------------------------------------------------------


def test_a_gate_check_on_a_missing_table_blocks_publication_and_names_the_table(caught_up, monkeypatch):
    url = caught_up["url"]
    monkeypatch.setenv("CSC_WAREHOUSE_URL", url)
    before = published(url)
    with psycopg.connect(url) as conn:
        conn.execute("drop table build.lac_weekly")
    run_id, run_plan, nothing_delivered = "gate-missing-table", {"as_at": MISSED[1].isoformat()}, {"versions": []}

    mart_verdict = runs.check_marts(run_id, run_plan)
    publication = runs.publish(run_id, nothing_delivered, mart_verdict)
    summary = runs.summarise(run_id, run_plan, [], nothing_delivered, mart_verdict, publication)

    assert mart_verdict["blocked_everywhere"] and publication == []
    assert published(url) == before
    assert summary["failed"] and "a blocking mart check failed or errored: nothing was published" in summary["errors"]
    errored = [check for check in mart_verdict["results"] if check["errored"]]
    assert {check["table"] for check in errored} >= {"lac_weekly"}  # and any check reading it on the side
    assert all('"build.lac_weekly" does not exist' in check["error"] for check in errored), errored
    with psycopg.connect(url) as conn:
        recorded = conn.execute(
            "select details->>'error' from dq.validations where run_id = %s and errored", [run_id]
        ).fetchall()
    assert len(recorded) == len(errored) and all("build.lac_weekly" in error for (error,) in recorded)
    email = body_text(run_email.summary_message(RunSummary.from_xcom(summary)))
    assert "lac_weekly.counts_are_never_negative: errored:" in email
    assert 'relation "build.lac_weekly" does not exist' in email


# -- a dbt model failing ---------------------------------------------------------------------------


def test_a_failing_dbt_model_fails_the_run_and_leaves_reporting_as_it_was(caught_up, mail_sink):
    url = caught_up["url"]
    before = published(url)
    with psycopg.connect(url) as conn:
        # A botched key rotation: the function the child-key model calls has gone.
        conn.execute("drop function keys.child_key(text, text)")
    mail_sink.clear()
    result = run_csc("run-week", "--as-at", BROKEN_BUILD_WEEK.isoformat(), **caught_up["environment"])
    emails = mail_sink.messages()

    assert result.returncode != 0 and result.stdout.splitlines()[-1].endswith("failed")
    assert published(url) == before
    with psycopg.connect(url) as conn:
        version, status, rows_loaded = conn.execute(
            "select delivery_version_id, status, rows_loaded from ledger.delivery_versions"
            " where la_code = '309' and extract_date = %s",
            [BROKEN_BUILD_WEEK],
        ).fetchone()
        state, summary = conn.execute(
            "select state, summary from dq.runs where as_at = %s", [BROKEN_BUILD_WEEK]
        ).fetchone()
    in_raw = raw_rows_of(url, version=version)
    assert status == "accepted" and in_raw == rows_loaded > 0, "the week's delivery is loaded whole and kept"
    assert state == "failed"
    assert "the dbt build or the mart checks did not finish (see their task logs)" in summary["errors"]
    failures = [m for m in emails if m["Subject"].startswith("[CSC warehouse] Task failed: cp_lac_weekly.build_marts")]
    assert failures and all("keys.child_key" in body_text(message) for message in failures)
    # Every node's result is kept: the failed model with dbt's words, the nodes after it skipped.
    with psycopg.connect(url) as conn:
        statuses = dict(
            conn.execute(
                "select unique_id, status from dq.dbt_results where run_id = %s", [summary["run_id"]]
            ).fetchall()
        )
    assert statuses["model.csc_warehouse.int_child_keys_hashed"] == "error"
    assert "model int_child_keys_hashed error" in body_text(failures[0])
    assert statuses["model.csc_warehouse.lac_brief_episodes"] == "skipped"  # it reads the child keys
    assert statuses["model.csc_warehouse.lac_weekly"] == "success"  # it does not
    assert [m["Subject"] for m in emails if "Weekly run" in m["Subject"]] == [
        f"[CSC warehouse] Weekly run {BROKEN_BUILD_WEEK}: FAILED"
    ]
