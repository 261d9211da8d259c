"""Airflow's real components as the tests under tests/scheduler/ reach them: started by `csc airflow
start` in their own state folder, against their own warehouse database and Airflow metadata database
on the test server, and used as a user uses them, over HTTP (the REST API with a token from the login).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import psycopg

from csc_warehouse import airflow_settings, demo, process_groups, settings
from csc_warehouse.demo import audit

CSC = str(Path(sys.executable).parent / "csc")
# The first scheduler run of a week took about 80 s on a quiet machine, and minutes on a busy one. A fresh
# scheduler first runs the latest Monday's own week (which has no deliveries), and one run goes at a time.
RUN_DEADLINE_SECONDS = 900
DEMO_WEEK = date(2014, 1, 6)
# The first demo delivery on or after the audit date: the demo writes the audit return into it.
AUDIT_WEEK = next(week for week in demo.DEMO_WEEKS if week >= audit.AUDIT_DATE)
POLL_SECONDS = 2


def empty_database(base_url: str, name: str) -> str:
    parts = settings.PostgresParts.from_url(base_url)
    with psycopg.connect(parts.url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return parts.url(name, driver="postgresql+psycopg2")


class Airflow:
    """The started components, and `csc` as a user runs it against them."""

    def __init__(self, state: Path, environment: dict[str, str]):
        self.state = state
        self.environment = environment
        self.started: subprocess.CompletedProcess | None = None
        self.url = ""
        self._token: str | None = None

    def start(self) -> None:
        self.started = self.csc("airflow", "start")
        assert self.started.returncode == 0, self.started.stdout + self.started.stderr
        self.url = self.status_fields()["url"]

    def csc(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([CSC, *args], capture_output=True, text=True, timeout=600, env=self.environment)

    def status_fields(self) -> dict[str, str]:
        lines = self.csc("airflow", "status").stdout.splitlines()
        return dict(line.split(": ", 1) for line in lines if ": " in line)

    def token(self) -> str:
        password = json.loads(Path(self.status_fields()["password-file"]).read_text())["admin"]
        answer = httpx.post(f"{self.url}/auth/token", json={"username": "admin", "password": password}, timeout=30)
        assert answer.status_code == 201, answer.text
        return answer.json()["access_token"]

    def wait_for_run(self, run_id: str, *, leaving: tuple[str, ...], dag_id: str = settings.WEEKLY_DAG_ID) -> dict:
        """Polls the run until its state is none of `leaving`; fails after RUN_DEADLINE_SECONDS."""
        deadline = time.monotonic() + RUN_DEADLINE_SECONDS
        while (run := self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json())["state"] in leaving:
            assert time.monotonic() < deadline, f"still {run['state']} after {RUN_DEADLINE_SECONDS} s: {run}"
            time.sleep(POLL_SECONDS)
        return run

    def trigger_week(self, week: date) -> str:
        """Triggers the weekly DAG for a week through the REST API, as a user would; returns the run's id."""
        run_id = f"demo_{week}"
        triggered = self.api(
            "POST",
            f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns",
            json={"dag_run_id": run_id, "logical_date": f"{week}T06:00:00Z", "conf": {"as_at": week.isoformat()}},
        )
        assert triggered.status_code == 200, triggered.text
        return run_id

    def run_week(self, week: date) -> dict:
        """Triggers the weekly DAG for a week through the REST API, as a user would, and waits for its end."""
        return self.wait_for_end(self.trigger_week(week))

    def wait_for_end(self, run_id: str, dag_id: str = settings.WEEKLY_DAG_ID) -> dict:
        """The run once it has ended. First it waits for the run before it (one at a time), then it runs:
        each has the whole deadline."""
        self.wait_for_run(run_id, leaving=("queued",), dag_id=dag_id)
        return self.wait_for_run(run_id, leaving=("queued", "running"), dag_id=dag_id)

    def task_state(self, run_id: str, task_id: str, dag_id: str = settings.WEEKLY_DAG_ID) -> str | None:
        answer = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()["state"]

    def wait_for_task(self, run_id: str, task_id: str, state: str, dag_id: str = settings.WEEKLY_DAG_ID) -> None:
        """Polls a task instance until it is in `state`; fails when its run ends first, or after the deadline."""
        deadline = time.monotonic() + RUN_DEADLINE_SECONDS
        while (found := self.task_state(run_id, task_id, dag_id)) != state:
            run = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()
            assert run["state"] in ("queued", "running"), f"{task_id} never {state} (it is {found}): {run}"
            assert time.monotonic() < deadline, f"{task_id} still {found} after {RUN_DEADLINE_SECONDS} s"
            time.sleep(0.5)  # a task lasts seconds: poll often enough to catch it

    def runs_of(self, dag_id: str) -> list[dict]:
        answer = self.api("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "start_date", "limit": 100})
        assert answer.status_code == 200, answer.text
        return answer.json()["dag_runs"]

    def wait_for_asset_triggered_run(self, dag_id: str) -> dict:
        """The one run of a DAG an asset event started, once it ended."""
        deadline = time.monotonic() + 600
        while not (runs := [run for run in self.runs_of(dag_id) if run["run_type"] == "asset_triggered"]):
            assert time.monotonic() < deadline, f"no asset-triggered {dag_id} run: {self.runs_of(dag_id)}"
            time.sleep(POLL_SECONDS)
        [run] = runs
        return self.wait_for_end(run["dag_run_id"], dag_id=dag_id)

    def component_pids(self) -> dict[str, int | None]:
        """Each component's pid as `csc airflow status` reports it; None when it is stopped."""
        fields = self.status_fields()
        return {
            component: int(state.split("pid ")[1].rstrip(")")) if state.startswith("running") else None
            for component, state in fields.items()
            if component in ("api-server", "scheduler", "dag-processor", "triggerer", "redis")
            or component.startswith("celery-worker-")
        }

    def kill_scheduler(self) -> int:
        """SIGKILL to the scheduler process alone, as the kernel's OOM killer would send it: what it
        started (the executor's workers and their tasks) is left running. Returns the pid killed."""
        pid = self.component_pids()["scheduler"]
        assert pid is not None, "the scheduler is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while process_groups.alive(pid):
            assert time.monotonic() < deadline, f"the scheduler {pid} outlived SIGKILL"
            time.sleep(0.1)
        return pid

    def kill_worker(self, name: str) -> int:
        """SIGKILL to a Celery worker and everything it started (its task supervisors and their tasks, in
        process groups of their own), as when its machine dies. Returns the worker's pid."""
        pid = self.component_pids()[name]
        assert pid is not None, f"{name} is not running"
        groups = process_groups.groups_with_descendants({pid})
        for group in groups:
            process_groups.signal_group(group, signal.SIGKILL)
        assert process_groups.wait_for_exit(sorted(groups), 60) == [], f"{name} outlived SIGKILL"
        return pid

    def task_instances(self, run_id: str, dag_id: str = settings.WEEKLY_DAG_ID) -> list[dict]:
        answer = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
        assert answer.status_code == 200, answer.text
        return answer.json()["task_instances"]

    def api(self, method: str, path: str, **arguments) -> httpx.Response:
        self._token = self._token or self.token()
        headers = {"Authorization": f"Bearer {self._token}"}
        return httpx.request(method, f"{self.url}/api/v2{path}", headers=headers, timeout=30, **arguments)


def airflow_in(state: Path, warehouse_url: str, metadata_url: str, mail_connection: str, **setting: str) -> Airflow:
    """The components of a state folder, not started yet, with only these settings (and `setting`):
    nothing another test set in this process (an Airflow home, a connection, a metadata database) may
    reach them."""
    environment = airflow_settings.separate_airflow_environment(state, warehouse_url, metadata_url, mail_connection)
    environment.update(setting)
    # The demo deliveries are there before the scheduler starts: its first run, of the latest Monday's
    # week (which has none), then finds the landing folder and needs no retry.
    demo.generate(state / "landing")
    return Airflow(state, environment)


# The columns no two runs of the same weeks share: when, how long, and which run checked a version.
# And the child keys: each database makes its own random pseudonym key (migration 004), so one child
# has another key in the twin; the rows still differ by every other column.
UNSHARED_COLUMNS = {
    "received_at",
    "finished_at",
    "seconds",
    "checked_at",
    "previous_checked_at",
    "checked_by_run",
    "child_key",
}
# Which run did something: two runs of the same weeks share only whether some run did it.
RUN_COLUMNS = {"staging_tests_passed_by_run"}


# -- what a warehouse holds ----------------------------------------------------------------------


Contents = dict[str, list[tuple]]


def within_landing(value):
    """A delivery's folder from the landing root on (each run of the same weeks has a landing root of its
    own); any other value as it is."""
    if isinstance(value, str) and "/landing/" in value:
        return "<landing>/" + value.split("/landing/", 1)[1]
    return value


def warehouse_contents(url: str) -> Contents:
    """Every row of the ledger, `history` and `reporting`, and the raw rows per table and version, with
    each delivery version named by (authority, extract date, sha256) instead of its generated id, its
    folder from the landing root on, and without the columns that say when: what two runs of the same
    weeks must hold alike."""
    with psycopg.connect(url) as conn:
        versions = {
            version_id: f"{la_code}/{extract_date}/{sha256}"
            for version_id, la_code, extract_date, sha256 in conn.execute(
                "select delivery_version_id, la_code, extract_date, sha256 from ledger.delivery_versions"
            )
        }
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
            " and table_schema in ('ledger', 'history', 'reporting', 'raw')"
            " and table_name <> 'schema_migrations'"
            " order by 1, 2"
        ).fetchall()
        contents = {}
        for schema, table in tables:
            columns = [
                name
                for (name,) in conn.execute(
                    "select column_name from information_schema.columns where table_schema = %s"
                    " and table_name = %s order by ordinal_position",
                    [schema, table],
                )
                if name not in UNSHARED_COLUMNS
            ]
            if schema == "raw":
                if "delivery_version_id" not in columns:
                    continue
                rows = conn.execute(
                    f'select delivery_version_id, count(*) from raw."{table}" group by 1'  # noqa: S608
                ).fetchall()
                columns = ["delivery_version_id", "rows"]
            else:
                listed = ", ".join(
                    f'"{name}" is not null as "{name}"' if name in RUN_COLUMNS else f'"{name}"' for name in columns
                )
                rows = conn.execute(f'select {listed} from {schema}."{table}"').fetchall()  # noqa: S608
            named = [
                tuple(
                    versions.get(value, value) if name.endswith("delivery_version_id") else within_landing(value)
                    for name, value in zip(columns, row, strict=True)
                )
                for row in rows
            ]
            contents[f"{schema}.{table}"] = sorted(named, key=repr)
    return contents


def tables_of(contents: Contents, schema: str) -> Contents:
    return {table: rows for table, rows in contents.items() if table.startswith(f"{schema}.")}


def differences(scheduled: Contents, uninterrupted: Contents) -> list[str]:
    """The tables whose rows differ, with a few of the rows each side lacks (rows compared as their
    repr, since JSON arrays are lists; a row twice on one side and once on the other differs)."""
    found = []
    for table in sorted(scheduled.keys() | uninterrupted.keys()):
        ours = Counter(map(repr, scheduled.get(table, [])))
        theirs = Counter(map(repr, uninterrupted.get(table, [])))
        if ours != theirs:
            only_ours, only_theirs = sorted((ours - theirs).elements()), sorted((theirs - ours).elements())
            found.append(f"{table}: only scheduled {only_ours[:3]}, only uninterrupted {only_theirs[:3]}")
    return found


# -- the same weeks through dag.test() -------------------------------------------------------------------


@dataclass(frozen=True)
class UninterruptedTwin:
    ran: subprocess.CompletedProcess  # both weeks, one after the other
    seconds: float
    contents: Contents


class TwinRun:
    """DEMO_WEEK and AUDIT_WEEK through `csc run-week` (dag.test()), one after the other, then the audit
    returns through `csc run-audits`, in the background from the moment it is made, into a warehouse of
    its own: what the scheduled runs of the same weeks, on either executor, must equal. result() waits
    for it once."""

    def __init__(self, state: Path, warehouse_url: str, mail_connection: str):
        self.url = warehouse_url
        demo.generate(state / "landing")
        # dag.test() keeps its Airflow metadata beside the twin's warehouse (database `airflow` on its server).
        environment = airflow_settings.separate_airflow_environment(state, warehouse_url, "", mail_connection)
        for private in ("AIRFLOW_HOME", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
            environment.pop(private)
        # Then the audit returns that arrived, as the scheduler's audit_returns run from the second week's
        # asset event loads them (the audit programme and actions of a week between).
        weeks = " && ".join(
            [*(f"{CSC} run-week --as-at {week}" for week in (DEMO_WEEK, AUDIT_WEEK)), f"{CSC} run-audits"]
        )
        self.started = time.monotonic()
        # Into a file, not a pipe: nobody reads a pipe until result(), and a full one would stop the runs.
        self.output = state / "run-week.log"
        with self.output.open("w") as output:
            self.process = subprocess.Popen(
                ["bash", "-c", weeks], env=environment, stdout=output, stderr=subprocess.STDOUT, text=True
            )
        self._result: UninterruptedTwin | None = None

    def result(self) -> UninterruptedTwin:
        if self._result is None:
            self.process.wait(timeout=1200)
            seconds = time.monotonic() - self.started
            print(f"the same two weeks through csc run-week, alongside: {seconds:.1f} s")
            ran = subprocess.CompletedProcess(self.process.args, self.process.returncode, self.output.read_text(), "")
            self._result = UninterruptedTwin(ran, seconds, warehouse_contents(self.url))
        return self._result
