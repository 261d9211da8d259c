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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import psycopg
from warehouse_contents import Contents, warehouse_contents

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
            assert time.monotonic() < deadline, self.why_stuck(run, dag_id)
            time.sleep(POLL_SECONDS)
        return run

    def why_stuck(self, run: dict, dag_id: str) -> str:
        """What a run that did not end shows: its tasks' states and the end of the scheduler's log."""
        tasks = sorted(
            f"{task['task_id']}={task['state']} (try {task['try_number']})"
            for task in self.task_instances(run["dag_run_id"], dag_id)
        )
        scheduler_log = self.state / "airflow" / "scheduler.log"
        tail = scheduler_log.read_text(errors="replace").splitlines()[-40:] if scheduler_log.exists() else []
        return "\n".join(
            [f"still {run['state']} after {RUN_DEADLINE_SECONDS} s: {run}", f"tasks: {', '.join(tasks)}", *tail]
        )

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

    def kill_scheduler_in_a_transaction(self) -> KilledScheduler:
        """SIGKILL to the scheduler process alone, as the kernel's OOM killer would send it, at a moment
        it has a transaction open in the metadata database (it takes row locks on dag_run in most of
        them): what it started (the executor's workers and their tasks) is left running."""
        pid = self.component_pids()["scheduler"]
        assert pid is not None, "the scheduler is not running"
        deadline = time.monotonic() + 120
        with psycopg.connect(self.metadata_url(), autocommit=True) as conn:
            while not (in_transaction := self._backend_in_a_transaction(conn, tcp_client_ports(pid))):
                assert time.monotonic() < deadline, f"the scheduler {pid} opened no transaction in 120 s"
                time.sleep(0.005)  # its transactions last milliseconds, a second apart
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while process_groups.alive(pid):
            assert time.monotonic() < deadline, f"the scheduler {pid} outlived SIGKILL"
            time.sleep(0.1)
        return KilledScheduler(pid, in_transaction)

    @staticmethod
    def _backend_in_a_transaction(conn: psycopg.Connection, client_ports: set[int]) -> int | None:
        found = conn.execute(
            "select pid from pg_stat_activity where datname = current_database() and client_port = any(%s)"
            " and xact_start is not null",
            [sorted(client_ports)],
        ).fetchone()
        return found[0] if found else None

    def transaction_still_open(self, backend: int, seconds: float) -> bool:
        """Whether the backend still has its transaction open after waiting up to `seconds` for it to end."""
        deadline = time.monotonic() + seconds
        with psycopg.connect(self.metadata_url(), autocommit=True) as conn:
            while conn.execute(
                "select 1 from pg_stat_activity where pid = %s and xact_start is not null", [backend]
            ).fetchone():
                if time.monotonic() > deadline:
                    return True
                time.sleep(0.1)
        return False

    def metadata_url(self) -> str:
        return self.environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2:", "postgresql:")

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


@dataclass(frozen=True)
class KilledScheduler:
    pid: int
    backend_in_a_transaction: int  # the pid of its metadata database backend that was in a transaction


def tcp_client_ports(pid: int) -> set[int]:
    """The local ports of the TCP connections a process holds open: what PostgreSQL's pg_stat_activity
    shows as the client_port of its connections."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:  # closed while we looked
            continue
        if target.startswith("socket:["):
            inodes.add(target.removeprefix("socket:[").rstrip("]"))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()  # sl local_address rem_address st ... uid timeout inode
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


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
