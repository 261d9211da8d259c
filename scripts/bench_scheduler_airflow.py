"""Airflow for `make bench-scheduler`: its four components started by `csc airflow start` in a state
folder of their own, the weekly DAG triggered and followed through the REST API, and its task
instances read back from it. As tests/scheduler/test_airflow_services.py's `airflow` fixture does.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import httpx

from csc_warehouse import airflow_settings, settings

CSC = str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "csc")
# A national run took minutes on a quiet machine; a busy one may take several times that.
RUN_DEADLINE_SECONDS = 3600
POLL_SECONDS = 2.0
# Settings of the caller's environment the components keep: the layout's own tuning knobs. Everything
# else that names Airflow, csc or dbt is left out, so that no one's warehouse or Airflow is reached.
TUNING = (
    "CSC_INGEST_BATCH_SIZE",
    "AIRFLOW__CORE__PARALLELISM",
    "CSC_AIRFLOW_EXECUTOR",
    "CSC_CELERY_WORKERS",
    "CSC_RETURN_CHECK_SLOTS",
)
UNFINISHED = ("queued", "running")


@dataclass(frozen=True)
class TaskTiming:
    """One task instance of a run (a mapped task has one per map index)."""

    task_id: str
    map_index: int
    state: str
    seconds: float
    started: datetime | None
    ended: datetime | None


@dataclass(frozen=True)
class FinishedRun:
    run_id: str
    state: str
    seconds: float  # the run's own duration: from the moment it started running to its end
    tasks: tuple[TaskTiming, ...]
    started: datetime | None = None

    def seconds_until_done(self, task_id: str) -> float | None:
        """From the run's start to the end of its last instance of task_id; None when it never ended."""
        ends = [task.ended for task in self.tasks if task.task_id == task_id and task.ended]
        if not ends or self.started is None:
            return None
        return (max(ends) - self.started).total_seconds()


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def components_environment(state: Path, warehouse_url: str, metadata_url: str, smtp_connection: str) -> dict:
    """Only these settings reach the components: the benchmark's own state folder, warehouse and
    Airflow metadata database, and the mail sink."""
    return airflow_settings.separate_airflow_environment(
        state, warehouse_url, metadata_url, smtp_connection, keep=TUNING
    )


class ScheduledAirflow:
    """The started components, reached as a user reaches them: `csc airflow` and the REST API."""

    def __init__(self, environment: dict[str, str], say: Callable[[str], None]):
        self.environment = environment
        self.say = say
        self.url = ""
        self._token: str | None = None

    def csc(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([CSC, *args], capture_output=True, text=True, timeout=900, env=self.environment)

    def start(self) -> float:
        """`csc airflow start`; returns its seconds."""
        started = time.monotonic()
        done = self.csc("airflow", "start")
        if done.returncode != 0:
            raise RuntimeError(f"csc airflow start failed:\n{done.stdout}\n{done.stderr}")
        fields = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
        self.url = fields["url"]
        self._password_file = Path(fields["password-file"])
        return time.monotonic() - started

    def stop(self) -> None:
        done = self.csc("airflow", "stop")
        if done.returncode != 0:
            self.say(f"csc airflow stop failed: {done.stdout} {done.stderr}")

    def api(self, method: str, path: str, **arguments) -> httpx.Response:
        if self._token is None:
            password = json.loads(self._password_file.read_text())[airflow_settings.AIRFLOW_ADMIN_USER]
            login = {"username": airflow_settings.AIRFLOW_ADMIN_USER, "password": password}
            answer = httpx.post(f"{self.url}/auth/token", json=login, timeout=30)
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
        headers = {"Authorization": f"Bearer {self._token}"}
        answer = httpx.request(method, f"{self.url}/api/v2{path}", headers=headers, timeout=60, **arguments)
        answer.raise_for_status()
        return answer

    def run_week(self, as_at: date, run_id: str) -> FinishedRun:
        """Triggers the weekly DAG for the week of as_at and waits for the run's end.

        A scheduler started for the first time at once runs the latest Monday's week (no catch-up),
        and one weekly run goes at a time: that run is marked failed as soon as it is seen, so that
        it neither delays this one nor shares the machine with it."""
        dag_runs = f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns"
        body = {"dag_run_id": run_id, "logical_date": f"{as_at}T06:00:00Z", "conf": {"as_at": as_at.isoformat()}}
        self.api("POST", dag_runs, json=body)
        deadline = time.monotonic() + RUN_DEADLINE_SECONDS
        while True:
            self._fail_runs_other_than(run_id)
            run = self.api("GET", f"{dag_runs}/{run_id}").json()
            if run["state"] not in UNFINISHED:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"run {run_id} still {run['state']} after {RUN_DEADLINE_SECONDS} s")
            time.sleep(POLL_SECONDS)
        started, ended = _instant(run["start_date"]), _instant(run["end_date"])
        seconds = run.get("duration") or (ended - started).total_seconds()
        return FinishedRun(run_id, run["state"], float(seconds), self.task_instances(run_id), started)

    def _fail_runs_other_than(self, run_id: str) -> None:
        runs = self.api("GET", f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns", params={"limit": 100}).json()["dag_runs"]
        for other in runs:
            if other["dag_run_id"] != run_id and other["state"] in UNFINISHED:
                self.say(f"  marking the scheduler's own run {other['dag_run_id']} failed (not part of the benchmark)")
                self.api(
                    "PATCH", f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns/{other['dag_run_id']}", json={"state": "failed"}
                )

    def task_instances(self, run_id: str) -> tuple[TaskTiming, ...]:
        """Every task instance of the run, each map index of a mapped task counted."""
        path = f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns/{run_id}/taskInstances"
        found: list[TaskTiming] = []
        while True:
            page = self.api("GET", path, params={"limit": 100, "offset": len(found)}).json()
            found += [
                TaskTiming(
                    task_id=instance["task_id"],
                    map_index=instance["map_index"],
                    state=instance["state"] or "none",
                    seconds=float(instance["duration"] or 0.0),
                    started=_instant(instance["start_date"]),
                    ended=_instant(instance["end_date"]),
                )
                for instance in page["task_instances"]
            ]
            if not page["task_instances"] or len(found) >= page["total_entries"]:
                return tuple(found)
