"""`csc airflow start|status|stop` with real processes: the api-server, scheduler, dag-processor and
triggerer run in this test's own state folder, against its own warehouse database and its own Airflow
metadata database on the test server, and are reached as a user reaches them, over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import date
from pathlib import Path

import httpx
import psycopg
import pytest
from conftest import CSC, scenario_database

from csc_warehouse import demo, settings

pytestmark = pytest.mark.slow

WEEK = date(2014, 1, 6)
DAG_IDS = {"cp_lac_weekly", "audit_returns", "delivery_deadline"}
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
# The first scheduler run of a week took about 80 s on a quiet machine, and minutes on a busy one. A fresh
# scheduler first runs the latest Monday's own week (which has no deliveries), and one run goes at a time.
RUN_DEADLINE_SECONDS = 900


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

    def wait_for_run(self, run_id: str, *, leaving: tuple[str, ...]) -> dict:
        """Polls the run until its state is none of `leaving`; fails after RUN_DEADLINE_SECONDS."""
        deadline = time.monotonic() + RUN_DEADLINE_SECONDS
        while (run := self.api("GET", f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns/{run_id}").json())["state"] in leaving:
            assert time.monotonic() < deadline, f"still {run['state']} after {RUN_DEADLINE_SECONDS} s: {run}"
            time.sleep(5)
        return run

    def api(self, method: str, path: str, **arguments) -> httpx.Response:
        self._token = self._token or self.token()
        headers = {"Authorization": f"Bearer {self._token}"}
        return httpx.request(method, f"{self.url}/api/v2{path}", headers=headers, timeout=30, **arguments)


@pytest.fixture(scope="module")
def airflow(warehouse_url, mail_sink, tmp_path_factory):
    state = tmp_path_factory.mktemp("airflow-services")
    warehouse = scenario_database(warehouse_url, "scheduler")
    # Only this test's settings: nothing another test set in this process (an Airflow home, a
    # connection, a metadata database) may reach the components.
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "CSC_", "DBT_"))}
    environment = {
        **inherited,
        "CSC_STATE_DIR": str(state),
        "AIRFLOW_HOME": str(state / "airflow"),
        "CSC_LANDING_DIR": str(state / "landing"),
        "CSC_WAREHOUSE_URL": warehouse,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": empty_database(warehouse_url, "scheduler_airflow"),
        "AIRFLOW_CONN_SMTP_DEFAULT": mail_sink.connection_json(),
    }
    # The demo deliveries are there before the scheduler starts: its first run, of the latest Monday's
    # week (which has none), then finds the landing folder and needs no retry.
    demo.generate(state / "landing")
    airflow = Airflow(state, environment)
    try:
        airflow.start()
        yield airflow
    finally:
        airflow.csc("airflow", "stop")


def test_start_prints_the_url_the_login_and_the_new_password_once(airflow):
    output = airflow.started.stdout
    print(output)
    assert f"url: {airflow.url}" in output and airflow.url.startswith("http://127.0.0.1:")
    assert "user: admin" in output
    assert f"password-file: {airflow.state / 'airflow' / 'simple_auth_manager_passwords.json'}" in output
    password = json.loads((airflow.state / "airflow" / "simple_auth_manager_passwords.json").read_text())["admin"]
    assert f"password: {password}" in output


def test_the_rest_api_lists_the_three_dags_to_a_token_from_the_login(airflow):
    answer = airflow.api("GET", "/dags")
    assert answer.status_code == 200
    assert DAG_IDS <= {dag["dag_id"] for dag in answer.json()["dags"]}


def test_no_dag_file_has_an_import_error(airflow):
    answer = airflow.api("GET", "/importErrors")
    assert answer.status_code == 200
    assert answer.json()["import_errors"] == []


def test_an_anonymous_request_is_refused(airflow):
    assert httpx.get(f"{airflow.url}/api/v2/dags", timeout=30).status_code in (401, 403)


def test_status_names_each_component_running_and_how_to_reach_the_api(airflow):
    fields = airflow.status_fields()
    for component in COMPONENTS:
        assert fields[component].startswith("running (pid "), fields
    assert fields["url"] == airflow.url
    assert fields["user"] == "admin"
    assert fields["password-file"] == str(airflow.state / "airflow" / "simple_auth_manager_passwords.json")


def test_a_week_triggered_through_the_rest_api_succeeds_and_is_published(airflow):
    run_id = f"demo_{WEEK}"
    triggered = airflow.api(
        "POST",
        f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns",
        json={"dag_run_id": run_id, "logical_date": f"{WEEK}T06:00:00Z", "conf": {"as_at": WEEK.isoformat()}},
    )
    assert triggered.status_code == 200, triggered.text
    # First it waits for the run before it (one at a time), then it runs: each has the whole deadline.
    airflow.wait_for_run(run_id, leaving=("queued",))
    run = airflow.wait_for_run(run_id, leaving=("queued", "running"))
    assert run["state"] == "success", run
    print(f"{settings.WEEKLY_DAG_ID} for {WEEK} under the scheduler: {run['duration']:.1f} s")
    with psycopg.connect(airflow.environment["CSC_WAREHOUSE_URL"]) as conn:
        weeks = conn.execute(
            "select as_at from reporting.lac_weekly where la_code = %s", [demo.DEMO_LA_CODE]
        ).fetchall()
    assert (WEEK,) in weeks


def test_stop_leaves_no_process(airflow):
    leaders = [int(airflow.status_fields()[component].split("pid ")[1].rstrip(")")) for component in COMPONENTS]
    started_by_airflow = family(leaders)
    assert set(leaders) <= started_by_airflow

    stopped = airflow.csc("airflow", "stop")

    assert stopped.returncode == 0, stopped.stderr
    assert not started_by_airflow & set(live_processes()), "left running"
    assert all(line.endswith(": stopped") for line in airflow.csc("airflow", "status").stdout.splitlines()[:4])


def live_processes() -> dict[int, tuple[int, int]]:
    """{pid: (parent, process group)} of every process that has not exited (zombies have)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except OSError:
            continue
        if state not in ("Z", "X"):
            found[int(stat.parent.name)] = (int(parent), int(group))
    return found


def family(leaders: list[int]) -> set[int]:
    """The leaders' process groups and every process descending from them."""
    processes = live_processes()
    members = {pid for pid, (_parent, group) in processes.items() if group in leaders}
    while children := {pid for pid, (parent, _group) in processes.items() if parent in members} - members:
        members |= children
    return members
