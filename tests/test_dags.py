"""The DAG files import cleanly, quickly, and without touching any database."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def import_dags_in_a_clean_process(tmp_path) -> subprocess.CompletedProcess:
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
        import time
        started = time.monotonic()
        from airflow.dag_processing.dagbag import DagBag
        bag = DagBag(dag_folder={str(REPO / "dags")!r})
        print("ERRORS", bag.import_errors)
        print("DAGS", sorted(bag.dag_ids))
        print("SECONDS", round(time.monotonic() - started, 1))
        weekly = bag.dags["cp_lac_weekly"]
        print("TASKS", sorted(weekly.task_ids))
        print("MAX_ACTIVE_RUNS", weekly.max_active_runs)
        print("SCHEDULE", weekly.timetable.expression, weekly.timetable.timezone)
        print("FULL_REFRESH_DEFAULT", weekly.params["full_refresh"])
        history = weekly.get_task("build_marts.lac_figures_model_build")
        print("HISTORY_FULL_REFRESH", history.full_refresh)
        print("HISTORY_FLAGS", history.dbt_cmd_flags)
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)


def test_dags_import_without_errors_or_database_access(tmp_path):
    result = import_dags_in_a_clean_process(tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["ERRORS"] == "{}"
    assert "cp_lac_weekly" in lines["DAGS"] and "delivery_deadline" in lines["DAGS"]
    assert not (tmp_path / "never-created.db").exists()
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
        assert f"'{task_id}'" in lines["TASKS"]
    assert lines["MAX_ACTIVE_RUNS"] == "1"
    assert "0 6 * * MON" in lines["SCHEDULE"] and "Europe/London" in lines["SCHEDULE"]
    # History is added to unless a run asks for a full refresh; builds leave dbt's unit tests out.
    assert "'build_marts.lac_figures_model_build'" in lines["TASKS"]
    assert "'build_marts.cp_figures_model_build'" in lines["TASKS"]
    assert lines["FULL_REFRESH_DEFAULT"] == "False"
    assert lines["HISTORY_FULL_REFRESH"] == "{{ params.full_refresh }}"
    assert lines["HISTORY_FLAGS"] == "['--exclude-resource-type', 'unit_test']"
