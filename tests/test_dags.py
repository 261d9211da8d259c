"""The DAG files import cleanly, quickly, and without touching any database; each DAG in the bag
carries what operating it needs (tags, owner, retries, a failure alert) and has no cycle."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# `csc` finds a DAG by its file name (dags/<dag_id>.py), so the files name the DAGs.
DAG_IDS = sorted(path.stem for path in (REPO / "dags").glob("*.py"))
# The last task of a run fails when anything failed; the run summary has said why, so it sends no alert.
TASKS_WITHOUT_FAILURE_ALERT = {"finish"}


def describe_dagbag_in_a_clean_process(tmp_path) -> subprocess.CompletedProcess:
    # Port 9 on loopback has no PostgreSQL: any connection attempt at parse time would fail.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CSC_", "AIRFLOW"))}
    env.update(
        {
            "CSC_WAREHOUSE_URL": "postgresql://nobody:nothing@127.0.0.1:9/none",
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'never-created.db'}",
        }
    )
    script = textwrap.dedent(f"""
        import json, time
        started = time.monotonic()
        from airflow.dag_processing.dagbag import DagBag
        from csc_warehouse import alerts
        bag = DagBag(dag_folder={str(REPO / "dags")!r})
        seconds = round(time.monotonic() - started, 1)

        def has_cycle(dag):
            try:
                dag.check_cycle()
            except Exception as error:
                return str(error)
            return None

        def alerts_on_failure(callbacks):
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            return alerts.on_task_failure in callbacks

        dags = {{
            dag_id: {{
                "file": dag.fileloc,
                "tags": sorted(dag.tags),
                "owner": dag.default_args.get("owner"),
                "retries": dag.default_args.get("retries"),
                "alerts_on_failure": alerts_on_failure(dag.default_args.get("on_failure_callback")),
                "tasks_without_alert": sorted(
                    task.task_id for task in dag.tasks if not alerts_on_failure(task.on_failure_callback)
                ),
                "cycle": has_cycle(dag),
                "tasks": sorted(dag.task_ids),
            }}
            for dag_id, dag in bag.dags.items()
        }}
        weekly = bag.dags["cp_lac_weekly"]
        history = weekly.get_task("build_marts.lac_figures_model_build")
        weekly_details = {{
            "max_active_runs": weekly.max_active_runs,
            "schedule": f"{{weekly.timetable.expression}} {{weekly.timetable.timezone}}",
            "full_refresh_default": weekly.params["full_refresh"],
            "history_full_refresh": history.full_refresh,
            "history_flags": history.dbt_cmd_flags,
        }}
        errors = {{str(path): error for path, error in bag.import_errors.items()}}
        print("BAG " + json.dumps({{"errors": errors, "seconds": seconds, "dags": dags, "weekly": weekly_details}}))
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("dagbag")
    result = describe_dagbag_in_a_clean_process(tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    [line] = [line for line in result.stdout.splitlines() if line.startswith("BAG ")]
    return {**json.loads(line.removeprefix("BAG ")), "database_created": (tmp_path / "never-created.db").exists()}


def test_parsing_the_dags_needs_no_database(dagbag):
    assert not dagbag["database_created"]
    assert dagbag["errors"] == {}


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_each_dag_file_imports_without_errors_as_the_dag_it_is_named_after(dagbag, dag_id):
    assert not [error for path, error in dagbag["errors"].items() if Path(path).stem == dag_id]
    assert dag_id in dagbag["dags"]
    assert Path(dagbag["dags"][dag_id]["file"]).name == f"{dag_id}.py"


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_each_dag_has_tags_an_owner_and_retries(dagbag, dag_id):
    dag = dagbag["dags"][dag_id]
    assert "csc" in dag["tags"]
    assert dag["owner"] == "performance-team"
    assert dag["retries"] >= 1


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_each_dag_alerts_when_a_task_fails(dagbag, dag_id):
    dag = dagbag["dags"][dag_id]
    assert dag["alerts_on_failure"]
    assert set(dag["tasks_without_alert"]) <= TASKS_WITHOUT_FAILURE_ALERT


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_each_dag_has_no_cycle(dagbag, dag_id):
    assert dagbag["dags"][dag_id]["cycle"] is None


def test_the_weekly_dag_has_its_tasks_schedule_and_history_settings(dagbag):
    tasks = dagbag["dags"]["cp_lac_weekly"]["tasks"]
    for task_id in (
        "plan",
        "find_deliveries",
        "ingest",
        "publish",
        "summarise",
        "send_summary",
        "finish",
        "build_marts.lac_weekly_model_build",
        "check_deliveries",
        "check_marts",
        "draft_reports",
    ):
        assert task_id in tasks
    weekly = dagbag["weekly"]
    assert weekly["max_active_runs"] == 1
    assert "0 6 * * MON" in weekly["schedule"] and "Europe/London" in weekly["schedule"]
    # History is added to unless a run asks for a full refresh; builds leave dbt's unit tests out.
    assert "build_marts.lac_figures_model_build" in tasks
    assert "build_marts.cp_figures_model_build" in tasks
    assert weekly["full_refresh_default"] is False
    assert weekly["history_full_refresh"] == "{{ params.full_refresh }}"
    assert weekly["history_flags"] == ["--exclude-resource-type", "unit_test"]


def test_the_deadline_dag_plans_then_checks_arrivals(dagbag):
    assert dagbag["dags"]["delivery_deadline"]["tasks"] == ["check_arrivals", "plan"]
