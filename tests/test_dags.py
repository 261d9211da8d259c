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


def describe_dagbag_in_a_clean_process(tmp_path, **settings: str) -> subprocess.CompletedProcess:
    # Port 9 on loopback has no PostgreSQL: any connection attempt at parse time would fail.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CSC_", "AIRFLOW"))}
    env.update(
        {
            "CSC_WAREHOUSE_URL": "postgresql://nobody:nothing@127.0.0.1:9/none",
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'never-created.db'}",
            **settings,
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
        build = weekly.get_task("build_marts")
        ingest = weekly.get_task("ingest")
        returns = weekly.get_task("check_return_rules")
        import sys
        weekly_details = {{
            "max_active_runs": weekly.max_active_runs,
            "schedule": f"{{weekly.timetable.expression}} {{weekly.timetable.timezone}}",
            "full_refresh_default": weekly.params["full_refresh"],
            "build_callable": build.python_callable.__name__,
            "build_kwargs": build.op_kwargs,
            "build_retries": build.retries,
            "ingest_mapped_over": sorted(ingest.op_kwargs_expand_input.value),
            "ingest_map_index_template": ingest.map_index_template,
            "start_dates": sorted({{str(task.start_date.date()) for task in weekly.tasks}}),
            "heavy_imports": sorted(m for m in ("dbt", "great_expectations") if m in sys.modules),
            "returns": {{
                "python": returns.partial_kwargs.get("python"),
                "mapped_over": sorted(returns.op_kwargs_expand_input.value),
                "retries": returns.partial_kwargs.get("retries"),
                "pool": returns.partial_kwargs.get("pool"),
                "priority_weight": returns.partial_kwargs.get("priority_weight"),
                "weight_rule": str(returns.partial_kwargs.get("weight_rule")),
                "publish_weight": [
                    str(weekly.get_task("publish").weight_rule),
                    len(weekly.get_task("publish").get_flat_relative_ids(upstream=False)),
                ],
                "summarise_upstream": sorted(weekly.get_task("summarise").upstream_task_ids),
                "upstream": sorted(returns.upstream_task_ids),
                "judge_trigger_rule": weekly.get_task("judge_return_rules").trigger_rule.value,
                "publish_upstream": sorted(weekly.get_task("publish").upstream_task_ids),
                "readiness_build_kwargs": weekly.get_task("build_return_readiness").op_kwargs,
                "readiness_build_upstream": sorted(weekly.get_task("build_return_readiness").upstream_task_ids),
                "readiness_publish_upstream": sorted(
                    weekly.get_task("publish_return_readiness").upstream_task_ids
                ),
            }},
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
    assert tasks == sorted(
        [
            "plan",
            "find_deliveries",
            "ingest",
            "announce_audit_returns",
            "check_deliveries",
            "return_versions",
            "check_return_rules",
            "judge_return_rules",
            "build_marts",
            "check_marts",
            "publish",
            "build_return_readiness",
            "publish_return_readiness",
            "draft_reports",
            "summarise",
            "send_summary",
            "finish",
        ]
    )
    weekly = dagbag["weekly"]
    assert weekly["max_active_runs"] == 1
    assert "0 6 * * MON" in weekly["schedule"] and "Europe/London" in weekly["schedule"]
    # History is added to unless a run asks for a full refresh (the build task reads the param).
    assert weekly["full_refresh_default"] is False
    assert weekly["build_callable"] == "build_with_dbt"
    # Return readiness is built after the DfE return checks, by a task of its own.
    assert weekly["build_kwargs"] == {"dag_id": "cp_lac_weekly", "exclude": ["tag:return_readiness"]}


def test_the_weekly_dag_builds_dbt_in_one_task_that_is_not_retried(dagbag):
    # One `dbt build` for the whole project: no task per model (each cost ~5 CPU-s under a scheduler).
    assert not [task for task in dagbag["dags"]["cp_lac_weekly"]["tasks"] if "." in task]
    assert dagbag["weekly"]["build_retries"] == 0


def test_builds_leave_dbt_unit_tests_out_and_full_refresh_rebuilds_history():
    from csc_warehouse import transforming

    assert transforming.build_arguments(["+audit_results"]) == [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--select",
        "+audit_results",
    ]
    assert transforming.build_arguments(None, full_refresh=True)[-1] == "--full-refresh"


def test_the_weekly_ingest_is_mapped_over_batches_named_by_their_authorities(dagbag):
    assert dagbag["weekly"]["ingest_mapped_over"] == ["batch"]
    assert dagbag["weekly"]["ingest_map_index_template"] == "{{ task.op_kwargs['batch']['label'] }}"


def test_the_dfe_return_rules_run_per_version_in_the_validators_environment_beside_publication(dagbag):
    returns = dagbag["weekly"]["returns"]
    assert returns["python"] == str(REPO / ".venv-validators" / "bin" / "python")
    assert returns["mapped_over"] == ["delivery_version_id"]
    assert returns["retries"] == 0
    assert returns["upstream"] == ["return_versions"]
    # No rule may hold a version back (CSC_BLOCKING_RETURN_RULES unset): publication does not wait for them.
    assert "judge_return_rules" not in returns["publish_upstream"]
    assert returns["judge_trigger_rule"] == "all_done"


def test_return_readiness_is_built_after_the_return_checks_and_published_after_the_other_marts(dagbag):
    returns = dagbag["weekly"]["returns"]
    assert returns["readiness_build_kwargs"] == {"dag_id": "cp_lac_weekly", "select": ["tag:return_readiness"]}
    assert returns["readiness_build_upstream"] == ["build_marts", "judge_return_rules"]
    assert set(returns["readiness_publish_upstream"]) >= {"build_return_readiness", "publish", "judge_return_rules"}


def test_the_return_checks_run_in_their_own_pool_after_any_other_task_waiting_for_a_slot(dagbag):
    returns = dagbag["weekly"]["returns"]
    assert returns["pool"] == "csc_return_checks"
    assert (returns["priority_weight"], returns["weight_rule"]) == (1, "absolute")
    # Every other task weighs 1 plus its downstream tasks: publish, for one, more than 1.
    publish_rule, publish_downstream = returns["publish_weight"]
    assert publish_rule == "WeightRule.DOWNSTREAM" and publish_downstream > 0


def test_the_run_is_summarised_once_return_readiness_is_published(dagbag):
    assert "publish_return_readiness" in dagbag["weekly"]["returns"]["summarise_upstream"]


def test_with_blocking_return_rules_publication_waits_for_the_return_rules_verdict(tmp_path):
    result = describe_dagbag_in_a_clean_process(tmp_path, CSC_BLOCKING_RETURN_RULES="388")
    assert result.returncode == 0, result.stderr[-3000:]
    [line] = [line for line in result.stdout.splitlines() if line.startswith("BAG ")]
    returns = json.loads(line.removeprefix("BAG "))["weekly"]["returns"]
    # The verdict runs whatever became of the checks: a check that failed never stops publication.
    assert "judge_return_rules" in returns["publish_upstream"]
    assert returns["judge_trigger_rule"] == "all_done"


def test_the_weekly_dag_starts_before_any_week_a_user_may_run(dagbag):
    # Airflow creates no task for a logical date before a task's start date: `csc run-week --as-at
    # 2013-12-30` ran nothing and said success while the DAG started on 2014-01-06.
    assert dagbag["weekly"]["start_dates"] == ["1990-01-01"]


def test_parsing_the_dags_imports_neither_dbt_nor_great_expectations(dagbag):
    assert dagbag["weekly"]["heavy_imports"] == []


def test_the_deadline_dag_plans_then_checks_arrivals(dagbag):
    assert dagbag["dags"]["delivery_deadline"]["tasks"] == ["check_arrivals", "plan"]
