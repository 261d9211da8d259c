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
from datetime import date
from pathlib import Path

import httpx
import psycopg

from csc_warehouse import demo, process_groups, settings

CSC = str(Path(sys.executable).parent / "csc")
# The first scheduler run of a week took about 80 s on a quiet machine, and minutes on a busy one. A fresh
# scheduler first runs the latest Monday's own week (which has no deliveries), and one run goes at a time.
RUN_DEADLINE_SECONDS = 900
DEMO_WEEK = date(2014, 1, 6)
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

    def component_pids(self) -> dict[str, int | None]:
        """Each component's pid as `csc airflow status` reports it; None when it is stopped."""
        fields = self.status_fields()
        return {
            component: int(state.split("pid ")[1].rstrip(")")) if state.startswith("running") else None
            for component, state in fields.items()
            if component in ("api-server", "scheduler", "dag-processor", "triggerer")
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

    def api(self, method: str, path: str, **arguments) -> httpx.Response:
        self._token = self._token or self.token()
        headers = {"Authorization": f"Bearer {self._token}"}
        return httpx.request(method, f"{self.url}/api/v2{path}", headers=headers, timeout=30, **arguments)


def airflow_in(state: Path, warehouse_url: str, metadata_url: str, mail_connection: str) -> Airflow:
    """The components of a state folder, not started yet, with only these settings: nothing another
    test set in this process (an Airflow home, a connection, a metadata database) may reach them."""
    environment = settings.separate_airflow_environment(state, warehouse_url, metadata_url, mail_connection)
    # The demo deliveries are there before the scheduler starts: its first run, of the latest Monday's
    # week (which has none), then finds the landing folder and needs no retry.
    demo.generate(state / "landing")
    return Airflow(state, environment)
