"""What the three DAG files share: default arguments, parameters, the plan task, the dbt task
group, the asset of audit returns, and the last task that makes a run's state tell the truth.

Every task of the DAGs is a plain function of the package wired as `task(fn, task_id=...)(name=value)`.
Arguments go by name: a function that needs the run's context names it (`run_id`, `params`,
`logical_date`) and Airflow passes it, so no task needs a wrapper. Cosmos is imported only where
the dbt task group is built, so a DAG without dbt parses without it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, Param, TriggerRule, task
from airflow.sdk.exceptions import AirflowSkipException

from csc_warehouse import alerts, audit_returns, runs, settings, transforming

# The first week of the sample data: the start date of the DAGs that do not catch up.
FIRST_MONDAY = date(2014, 1, 6)
DEFAULT_ARGS = {
    "owner": "performance-team",
    "retries": 1,
    "retry_delay": timedelta(minutes=2),
    "on_failure_callback": alerts.on_task_failure,
}
# The weekly DAG updates it when its ingest loaded an audit return; it schedules the audit_returns DAG.
AUDIT_RETURNS = Asset(name=audit_returns.ASSET_NAME, uri=audit_returns.ASSET_URI)


def london_midnight(day: date) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, tz="Europe/London")


def as_at_param() -> Param:
    return Param(None, type=["null", "string"], description="YYYY-MM-DD; default: the run's date")


def landing_param() -> Param:
    return Param(None, type=["null", "string"], description="landing root; default: CSC_LANDING_DIR")


def plan(params: Mapping[str, Any], logical_date: datetime | None) -> dict:
    """The plan task of every DAG: as_at from the `as_at` param, else the run's logical date."""
    return runs.plan(params.get("as_at"), logical_date, params.get("landing"))


def announce_audit_returns(outcomes: list[dict] | None) -> None:
    """Updates AUDIT_RETURNS (the task's outlet) when the ingest loaded an audit return; else skipped."""
    if not audit_returns.loaded_audit_returns(outcomes):
        raise AirflowSkipException("no audit return was loaded")


def after_all(fn: Callable, task_id: str, **task_args):
    """A task that runs when its upstream tasks are done, failed or not: it reports on them."""
    return task(fn, task_id=task_id, trigger_rule=TriggerRule.ALL_DONE, **task_args)


def finish_task(fn: Callable):
    """The run's last task, failing when anything failed: a task on ALL_DONE must not make a bad
    run green. Its failure is reported by the run summary already, so it sends no failure alert."""
    return after_all(fn, "finish", retries=0, on_failure_callback=None)


def dbt_task_group(group_id: str, *, select: list[str] | None = None, full_refresh_param: bool = False):
    """The dbt project as Cosmos tasks, one per model with its tests (TestBehavior.BUILD), rendered
    from the manifest `csc dbt-parse` writes; `select` narrows it to some models. With
    full_refresh_param, history models are rebuilt from raw when the run's `full_refresh` param asks."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    render = {"select": select} if select else {}
    operator_args: dict[str, Any] = {"install_deps": False, "dbt_cmd_flags": transforming.WITHOUT_UNIT_TESTS}
    if full_refresh_param:
        # History models add only this week's evaluations unless the run asks to rebuild them all.
        operator_args["full_refresh"] = "{{ params.full_refresh }}"
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=settings.dbt_project_dir(),
            manifest_path=transforming.manifest_path(),
            project_name="csc_warehouse",
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name="csc_warehouse",
            target_name="warehouse",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=settings.WAREHOUSE_CONN_ID, profile_args={"schema": settings.build_schema()}
            ),
        ),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD, **render),
        operator_args=operator_args,
        default_args={"retries": 0},
    )
