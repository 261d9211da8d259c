"""The weekly DAG under the real scheduler, triggered and watched through the REST API: two demo weeks
succeed and publish what `dag.test()` publishes; the second week's audit return makes the scheduler
run `audit_returns` from the asset event; the scheduler SIGKILLed in the middle of that second week,
inside a database transaction, and restarted completes it with nothing lost and nothing loaded
twice; a week whose delivery is rejected ends `failed` and sends its email.

A scheduler week costs 80-150 s, so the runs are shared: the first demo week is the session's
`scheduled_demo_week`; the second (2014-02-10, the first delivery after the audit date, so it holds
the audit return) is the one interrupted, so it is both "a second week equal to dag.test()" and
"interrupted equal to uninterrupted". The uninterrupted twin runs the same two weeks through
`csc run-week` (dag.test()) into a database of its own, from the same landing folder, while the
scheduler works.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date

import psycopg
import pytest
from airflow_components import (
    AUDIT_WEEK,
    DEMO_WEEK,
    KilledScheduler,
    UninterruptedTwin,
)
from conftest import assert_no_identifiers, body_text
from loading_fixtures import break_one_episode
from warehouse_contents import Contents, differences, tables_of, warehouse_contents

from csc_warehouse import audit_returns, demo, settings

pytestmark = pytest.mark.slow

REJECTED_WEEK = date(2014, 2, 17)
REJECTED_LA = "310"
# The demo seed of its delivery: one whose broken child's episode dates are nobody's date of birth, since
# the check for identifiers in the email cannot tell an episode date from a date of birth (seed 310's can).
REJECTED_SEED = 311
# -- the runs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InterruptedWeek:
    run: dict  # the weekly run of AUDIT_WEEK, from the REST API once it ended
    killed_scheduler: KilledScheduler
    pids_before: dict[str, int | None]
    pids_after: dict[str, int | None]
    restart: subprocess.CompletedProcess
    audit_run: dict  # the audit_returns run the asset event started, once it ended
    contents: Contents  # the scheduler's warehouse once both runs ended
    published_weeks: set[date]  # the as_at of reporting.lac_weekly's rows then


@pytest.fixture(scope="module")
def interrupted_week(airflow, scheduled_demo_week, uninterrupted_twin) -> tuple[InterruptedWeek, UninterruptedTwin]:
    """The second demo week under the scheduler, SIGKILLed in a transaction while its dbt build runs and
    restarted; its uninterrupted twin through dag.test() meanwhile."""
    run_id = airflow.trigger_week(AUDIT_WEEK)
    airflow.wait_for_task(run_id, "build_marts", "running")
    pids_before = airflow.component_pids()
    killed = airflow.kill_scheduler_in_a_transaction()
    # Its socket closed, PostgreSQL ends the transaction and frees its row locks at once, unless a process
    # it forked holds a copy of the socket: then the run stays locked, and the new scheduler skips it.
    assert not airflow.transaction_still_open(killed.backend_in_a_transaction, seconds=30), (
        "the killed scheduler's transaction is still open: a process it started holds its connection"
    )
    restart = airflow.csc("airflow", "start")
    pids_after = airflow.component_pids()
    run = airflow.wait_for_end(run_id)
    print(
        f"{settings.WEEKLY_DAG_ID} for {AUDIT_WEEK} under the scheduler, killed and restarted: {run['duration']:.1f} s"
    )
    # Restarted after the old scheduler's heartbeat went stale (30 s), the new one resets the running
    # build and runs it again (try 2); sooner, the old scheduler's worker finishes it (try 1). Both
    # happen, by the machine's load; either must leave the same warehouse.
    build = airflow.api("GET", f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns/{run_id}/taskInstances/build_marts").json()
    print(f"build_marts, running when the scheduler was killed, ended {build['state']} on try {build['try_number']}")
    audit_run = airflow.wait_for_asset_triggered_run(audit_returns.DAG_ID)
    print(f"{audit_returns.DAG_ID} from the asset event: {audit_run['duration']:.1f} s")
    url = airflow.environment["CSC_WAREHOUSE_URL"]
    contents = warehouse_contents(url)
    with psycopg.connect(url) as conn:
        published_weeks = {as_at for (as_at,) in conn.execute("select distinct as_at from reporting.lac_weekly")}

    scheduled = InterruptedWeek(run, killed, pids_before, pids_after, restart, audit_run, contents, published_weeks)
    return scheduled, uninterrupted_twin.result()


@pytest.fixture(scope="module")
def rejected_week(airflow, interrupted_week, mail_sink) -> tuple[dict, list]:
    """Another authority's delivery with an episode ending before it starts (DfE rule 356), alone in
    REJECTED_WEEK, under the scheduler: the run and the emails about it."""
    landing = airflow.state / "landing"
    demo.generate(landing, la_code=REJECTED_LA, weeks=(REJECTED_WEEK,), seed=REJECTED_SEED)
    folder = landing / REJECTED_LA / REJECTED_WEEK.isoformat()
    for audit_return in folder.glob("audit_*"):
        audit_return.unlink()  # the audit return has its own test: here only the weekly run is at stake
    break_one_episode(folder / "episodes.csv")
    run = airflow.run_week(REJECTED_WEEK)
    print(f"{settings.WEEKLY_DAG_ID} for {REJECTED_WEEK} (rejected) under the scheduler: {run['duration']:.1f} s")
    subject = f"[CSC warehouse] Weekly run {REJECTED_WEEK}: "
    return run, [message for message in mail_sink.messages() if message["Subject"].startswith(subject)]


# -- a. two weeks, as dag.test() publishes them --------------------------------------------------


def test_both_weeks_triggered_through_the_rest_api_succeed(scheduled_demo_week, interrupted_week):
    scheduled, _ = interrupted_week
    assert scheduled_demo_week["state"] == "success", scheduled_demo_week
    assert scheduled.run["state"] == "success", scheduled.run


def test_reporting_equals_what_dag_test_publishes_for_the_same_weeks(interrupted_week):
    scheduled, twin = interrupted_week
    assert twin.ran.returncode == 0, twin.ran.stdout[-3000:]
    reporting = tables_of(scheduled.contents, "reporting")
    assert {"reporting.lac_weekly", "reporting.cp_weekly", "reporting.audit_results"} <= reporting.keys()
    assert {DEMO_WEEK, AUDIT_WEEK} <= scheduled.published_weeks
    assert differences(reporting, tables_of(twin.contents, "reporting")) == []


# -- b. the audit return ---------------------------------------------------------------------------


def test_the_audit_return_makes_the_scheduler_run_audit_returns_from_the_asset_event(interrupted_week):
    scheduled, _ = interrupted_week
    run = scheduled.audit_run
    assert run["run_type"] == "asset_triggered" and run["triggered_by"] == "asset", run
    assert run["state"] == "success", run


# -- c. a rejected delivery ------------------------------------------------------------------------


def test_a_week_whose_delivery_is_rejected_ends_failed(rejected_week):
    run, _ = rejected_week
    assert run["state"] == "failed", run


def test_the_rejected_week_sends_its_email_naming_the_rejection(airflow, rejected_week):
    _, messages = rejected_week
    [message] = messages
    assert message["Subject"].endswith("FAILED")
    text = body_text(message)
    assert f"{REJECTED_LA} {REJECTED_WEEK} version" in text and "rejected" in text
    assert "episode_ends_before_it_starts (DfE rule 356)" in text
    # The identifiers of the rejected authority's children, whom the email's flagged records are about.
    assert_no_identifiers(messages, airflow.state / "landing" / REJECTED_LA)


# -- d. the scheduler killed in the middle of a run --------------------------------------------------


def test_a_restart_after_the_scheduler_was_killed_starts_only_the_scheduler(interrupted_week):
    scheduled, _ = interrupted_week
    assert scheduled.restart.returncode == 0, scheduled.restart.stdout + scheduled.restart.stderr
    assert scheduled.pids_after["scheduler"] not in (None, scheduled.killed_scheduler.pid)
    unchanged = ("api-server", "dag-processor", "triggerer")
    assert {c: scheduled.pids_after[c] for c in unchanged} == {c: scheduled.pids_before[c] for c in unchanged}


def test_the_interrupted_run_leaves_the_ledger_history_and_reporting_of_an_uninterrupted_one(interrupted_week):
    scheduled, twin = interrupted_week
    assert twin.ran.returncode == 0, twin.ran.stdout[-3000:]
    assert any(rows for table, rows in scheduled.contents.items() if table.startswith("history."))
    assert differences(scheduled.contents, twin.contents) == []
