"""The weekly DAG on Airflow's CeleryExecutor (CSC_AIRFLOW_EXECUTOR=celery): a Redis broker and two
Celery workers beside the four components, each worker with its own temporary folder and hostname, as
if on machines of their own. Two demo weeks triggered through the REST API:

- the first: Redis is restarted while the ingest runs, before the next task is sent; the run completes;
- the second: the worker running the ingest is SIGKILLed with everything it started; the ingest is
  retried on the other worker and the run completes;
- the tasks of the two weeks ran on both workers, dbt in each worker's own temporary folder;
- the ledger, raw, `history` and `reporting` then equal the same weeks through dag.test() (the twin
  test_scheduled_runs.py holds the LocalExecutor's runs equal to): both executors publish alike.

"While the ingest runs" is a state the test makes and sees, not a moment it guesses: the test holds
the advisory locks the ingest's COPY into each raw table takes (csc_warehouse.loading.copying), so the
ingest waits in PostgreSQL, visible in pg_locks, until the test lets go.

A week costs one to three minutes here, so the two weeks are shared by every test of this module.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from airflow_components import (
    AUDIT_WEEK,
    DEMO_WEEK,
    RUN_DEADLINE_SECONDS,
    Airflow,
)
from warehouse_contents import Contents, differences, tables_of, warehouse_contents

from csc_warehouse import audit_returns, process_groups, settings

pytestmark = pytest.mark.slow

WORKERS = ("celery-worker-1", "celery-worker-2")
OTHER_SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer", *WORKERS)


def worker_of(hostname: str) -> str:
    """The worker a task instance's hostname names (csc_warehouse.celery_services.hostname)."""
    [worker] = [name for name in WORKERS if hostname == f"{socket.gethostname()}-{name}"]
    return worker


class HeldIngest:
    """The advisory locks an ingest's COPY into raw takes, held by the test: an ingest that reaches its
    first COPY waits for them, in a state pg_locks shows, until release()."""

    def __init__(self, url: str):
        self.conn = psycopg.connect(url, autocommit=True)
        tables = [name for (name,) in self.conn.execute("select tablename from pg_tables where schemaname = 'raw'")]
        for table in tables:
            self.conn.execute("select pg_advisory_lock(hashtext('raw.source_row'), hashtext(%s))", [table])

    def wait_for_ingest(self, airflow: Airflow, run_id: str) -> None:
        """Until another session of this database waits for one of the locks; fails when the run ends first."""
        deadline = time.monotonic() + RUN_DEADLINE_SECONDS
        while not self.conn.execute(
            "select count(*) from pg_locks where locktype = 'advisory' and not granted"
            " and database = (select oid from pg_database where datname = current_database())"
        ).fetchone()[0]:
            run = airflow.api("GET", f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns/{run_id}").json()
            assert run["state"] in ("queued", "running"), f"the ingest never waited for the lock: {run}"
            assert time.monotonic() < deadline, f"no ingest waited for the lock after {RUN_DEADLINE_SECONDS} s"
            time.sleep(0.5)

    def release(self) -> None:
        self.conn.close()


def ingest_instance(airflow: Airflow, run_id: str) -> dict:
    """The week's one mapped ingest task instance (the demo's authorities fit one batch)."""
    path = f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns/{run_id}/taskInstances/ingest/0"
    answer = airflow.api("GET", path)
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_until_running(airflow: Airflow, run_id: str) -> dict:
    """The ingest once Airflow says it runs and on which worker (set as its task starts)."""
    deadline = time.monotonic() + 60
    while (ingest := ingest_instance(airflow, run_id))["state"] != "running" or not ingest["hostname"]:
        assert time.monotonic() < deadline, f"the ingest waits for the lock but Airflow says {ingest}"
        time.sleep(0.5)
    return ingest


@dataclass(frozen=True)
class RedisRestarted:
    run: dict
    pids_before: dict[str, int | None]
    pids_after: dict[str, int | None]
    restart: subprocess.CompletedProcess
    task_instances: list[dict]


@dataclass(frozen=True)
class WorkerKilled:
    run: dict
    killed_worker: str
    ingest_before: dict  # the ingest task instance while it ran on the killed worker
    ingest_after: dict  # and once the run ended
    task_instances: list[dict]
    contents: Contents  # the warehouse once the week and the audit_returns run it started ended


@pytest.fixture(scope="module")
def first_week(celery_airflow, uninterrupted_twin) -> RedisRestarted:
    """DEMO_WEEK, Redis stopped and started again while its ingest waits (the twin runs meanwhile)."""
    held = HeldIngest(celery_airflow.environment["CSC_WAREHOUSE_URL"])
    try:
        run_id = celery_airflow.trigger_week(DEMO_WEEK)
        held.wait_for_ingest(celery_airflow, run_id)
        pids_before = celery_airflow.component_pids()
        os.kill(pids_before["redis"], signal.SIGTERM)  # as systemd stops it: it saves its queue and exits
        assert process_groups.wait_for_exit([pids_before["redis"]], 60) == [], "Redis outlived SIGTERM"
        restart = celery_airflow.csc("airflow", "start")
        pids_after = celery_airflow.component_pids()
    finally:
        held.release()
    run = celery_airflow.wait_for_end(run_id)
    print(f"{settings.WEEKLY_DAG_ID} for {DEMO_WEEK} on celery, Redis restarted: {run['duration']:.1f} s")
    return RedisRestarted(run, pids_before, pids_after, restart, celery_airflow.task_instances(run_id))


@pytest.fixture(scope="module")
def second_week(celery_airflow, first_week) -> WorkerKilled:
    """AUDIT_WEEK, the worker running its ingest SIGKILLed with all it started."""
    held = HeldIngest(celery_airflow.environment["CSC_WAREHOUSE_URL"])
    try:
        run_id = celery_airflow.trigger_week(AUDIT_WEEK)
        held.wait_for_ingest(celery_airflow, run_id)
        ingest_before = wait_until_running(celery_airflow, run_id)
        killed_worker = worker_of(ingest_before["hostname"])
        celery_airflow.kill_worker(killed_worker)
    finally:
        held.release()
    run = celery_airflow.wait_for_end(run_id)
    ingest_after = ingest_instance(celery_airflow, run_id)
    print(
        f"{settings.WEEKLY_DAG_ID} for {AUDIT_WEEK} on celery, {killed_worker} killed during the ingest:"
        f" {run['duration']:.1f} s; the ingest ended {ingest_after['state']} on try {ingest_after['try_number']}"
    )
    celery_airflow.wait_for_asset_triggered_run(audit_returns.DAG_ID)
    contents = warehouse_contents(celery_airflow.environment["CSC_WAREHOUSE_URL"])
    instances = celery_airflow.task_instances(run_id)
    return WorkerKilled(run, killed_worker, ingest_before, ingest_after, instances, contents)


def dbt_folder(airflow: Airflow, run_id: str) -> Path:
    """The temporary folder build_marts ran dbt in, as its task log says (it is not retried: one try)."""
    [log] = (airflow.state / "airflow" / "logs").glob(f"**/run_id={run_id}/task_id=build_marts/attempt=1.log")
    found = re.search(r"dbt's target and logs: (\S+) \(this task's own temporary folder\)", log.read_text())
    assert found, f"{log} does not say where dbt wrote"
    return Path(found.group(1))


def test_both_weeks_succeed_with_their_tasks_spread_over_both_workers(first_week, second_week):
    assert first_week.run["state"] == "success", first_week.run
    assert second_week.run["state"] == "success", second_week.run
    hostnames = {ti["hostname"] for ti in first_week.task_instances + second_week.task_instances if ti["hostname"]}
    assert {worker_of(hostname) for hostname in hostnames} == set(WORKERS), hostnames


def test_each_worker_runs_dbt_in_a_temporary_folder_of_its_own(celery_airflow, first_week, second_week):
    by_worker = {}
    for run in (first_week.run, second_week.run):
        build = next(ti for ti in celery_airflow.task_instances(run["dag_run_id"]) if ti["task_id"] == "build_marts")
        folder = dbt_folder(celery_airflow, run["dag_run_id"])
        worker = worker_of(build["hostname"])
        assert folder.is_relative_to(celery_airflow.state / "airflow" / "workers" / worker / "tmp"), (worker, folder)
        by_worker.setdefault(worker, set()).add(folder)
    assert not by_worker.get(WORKERS[0], set()) & by_worker.get(WORKERS[1], set())


def test_redis_restarted_while_a_task_runs_leaves_the_run_to_complete(first_week):
    assert first_week.restart.returncode == 0, first_week.restart.stdout + first_week.restart.stderr
    assert first_week.pids_after["redis"] not in (None, first_week.pids_before["redis"])
    unchanged = {name: first_week.pids_before[name] for name in OTHER_SERVICES}
    assert {name: first_week.pids_after[name] for name in OTHER_SERVICES} == unchanged
    assert first_week.run["state"] == "success", first_week.run


def test_the_ingest_of_a_killed_worker_is_retried_on_the_other_worker(second_week):
    assert second_week.ingest_before["try_number"] == 1, second_week.ingest_before
    after = second_week.ingest_after
    assert after["state"] == "success" and after["try_number"] == 2, after
    assert worker_of(after["hostname"]) != second_week.killed_worker, after


def test_the_warehouse_equals_dag_test_s_for_the_same_weeks(second_week, uninterrupted_twin):
    twin = uninterrupted_twin.result()
    assert twin.ran.returncode == 0, twin.ran.stdout[-3000:]
    assert {"reporting.lac_weekly", "reporting.cp_weekly", "reporting.audit_results"} <= set(second_week.contents)
    assert any(rows for table, rows in tables_of(second_week.contents, "history").items())
    assert differences(second_week.contents, twin.contents) == []


@pytest.mark.stops_celery_airflow
def test_stop_leaves_no_redis_worker_or_component(celery_airflow):
    running = [pid for pid in celery_airflow.component_pids().values() if pid]
    groups = process_groups.groups_with_descendants(set(running))
    family = {pid for group in groups for pid in process_groups.live_members(group)}

    stopped = celery_airflow.csc("airflow", "stop")

    assert stopped.returncode == 0, stopped.stderr
    assert not [pid for pid in family if process_groups.alive(pid)], "left running"
    states = dict(line.split(": ", 1) for line in celery_airflow.csc("airflow", "status").stdout.splitlines()[:7])
    assert set(states) == {"redis", *OTHER_SERVICES} and set(states.values()) == {"stopped"}, states
