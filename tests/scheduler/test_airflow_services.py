"""`csc airflow start|status|stop` with real processes: the api-server, scheduler, dag-processor and
triggerer run in this test's own state folder, against its own warehouse database and its own Airflow
metadata database on the test server, and are reached as a user reaches them, over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import psycopg
import pytest
from airflow_components import DEMO_WEEK

from csc_warehouse import demo, settings

pytestmark = pytest.mark.slow

DAG_IDS = {"cp_lac_weekly", "audit_returns", "delivery_deadline"}
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")


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


def test_a_week_triggered_through_the_rest_api_succeeds_and_is_published(airflow, scheduled_demo_week):
    run = scheduled_demo_week
    assert run["state"] == "success", run
    print(f"{settings.WEEKLY_DAG_ID} for {DEMO_WEEK} under the scheduler: {run['duration']:.1f} s")
    with psycopg.connect(airflow.environment["CSC_WAREHOUSE_URL"]) as conn:
        weeks = conn.execute(
            "select as_at from reporting.lac_weekly where la_code = %s", [demo.DEMO_LA_CODE]
        ).fetchall()
    assert (DEMO_WEEK,) in weeks


@pytest.mark.stops_airflow
def test_stop_leaves_no_process(airflow):
    leaders = [int(airflow.status_fields()[component].split("pid ")[1].rstrip(")")) for component in COMPONENTS]
    # What a component killed earlier in the session left running (test_scheduled_runs kills the scheduler).
    leftovers = airflow.state / "airflow" / "leftover-groups"
    left_by_the_killed = [int(group) for group in leftovers.read_text().split()] if leftovers.exists() else []
    started_by_airflow = family(leaders + left_by_the_killed)
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
