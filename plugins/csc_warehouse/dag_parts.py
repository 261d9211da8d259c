"""What the three DAG files share: default arguments, parameters, the plan task, the dbt task,
the asset of audit returns, and the last task that makes a run's state tell the truth.

Every task of the DAGs is a plain function of the package wired as `task(fn, task_id=...)(name=value)`.
Arguments go by name: a function that needs the run's context names it (`run_id`, `params`,
`logical_date`) and Airflow passes it, so no task needs a wrapper. Nothing heavy is imported at
parse time: dbt and Great Expectations are imported inside the tasks that use them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, Param, TriggerRule, task
from airflow.sdk.exceptions import AirflowSkipException

from csc_warehouse import airflow_settings, alerts, audit_returns, return_gate, runs, settings, transforming
from csc_warehouse.handoffs import concatenated

# The start date of the DAGs that do not catch up: a Monday before any week a user may run by hand.
# Airflow creates no task instance for a logical date before a DAG's start date, so a later one
# (it was the sample data's first week, 2014-01-06) made `csc run-week` for an earlier week run
# nothing and report success. Without catch-up the scheduler runs only the latest week anyway.
EARLIEST_WEEK = date(1990, 1, 1)
DEFAULT_ARGS = {
    "owner": "performance-team",
    "retries": 1,
    "retry_delay": timedelta(seconds=airflow_settings.task_retry_delay_seconds()),
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


def plan(params: Mapping[str, Any], logical_date: datetime | None = None) -> dict:
    """The plan task of every DAG: as_at from the `as_at` param, else the run's logical date. A run
    the scheduler starts from an asset event (audit_returns) has no logical date, and Airflow then
    passes none: the default stands in, and as_at is today."""
    return runs.plan(params.get("as_at"), logical_date, params.get("landing"))


def announce_audit_returns(batch_outcomes: Iterable[list[dict]] | None) -> None:
    """Updates AUDIT_RETURNS (the task's outlet) when an ingest batch loaded an audit return, programme or
    action plan; else skipped."""
    if not audit_returns.loaded_audit_returns(concatenated(batch_outcomes)):
        raise AirflowSkipException("no audit return was loaded")


def ingest_task():
    """The weekly ingest, one mapped task per batch of authorities (expand it over `batch`), each
    map index named by its authorities in the UI."""
    return task(runs.ingest_batch, task_id="ingest", map_index_template="{{ task.op_kwargs['batch']['label'] }}")


def return_rules_task():
    """The DfE return rules on one delivery version (expand it over `delivery_version_id`), run by the
    validators' own interpreter (CSC_VALIDATORS_PYTHON), which has no Airflow. Not retried: the rules
    would find the same again, and the run does not wait on them to publish.

    They cost about 1 CPU-ms per episode plus 2 s to import: at 150 authorities they would fill the
    executor and starve the build and publication. So they run in a pool of their own
    (CSC_RETURN_CHECK_SLOTS at once) and, by an absolute priority weight of 1, after any other task
    waiting for a slot (every other task's weight counts its downstream tasks)."""
    return task.external_python(
        python_callable=return_gate.check_return_rules,
        python=str(settings.validators_python()),
        expect_airflow=False,
        task_id="check_return_rules",
        retries=0,
        pool=settings.RETURN_CHECK_POOL,
        priority_weight=1,
        weight_rule="absolute",
        map_index_template="version {{ task.op_kwargs['delivery_version_id'] }}",
    )


def after_all(fn: Callable, task_id: str, **task_args):
    """A task that runs when its upstream tasks are done, failed or not: it reports on them."""
    return task(fn, task_id=task_id, trigger_rule=TriggerRule.ALL_DONE, **task_args)


def finish_task(fn: Callable):
    """The run's last task, failing when anything failed: a task on ALL_DONE must not make a bad
    run green. Its failure is reported by the run summary already, so it sends no failure alert."""
    return after_all(fn, "finish", retries=0, on_failure_callback=None)


def build_with_dbt(
    run_id: str,
    dag_id: str,
    params: Mapping[str, Any],
    select: list[str] | None = None,
    exclude: list[str] | None = None,
) -> dict:
    """The dbt task of a DAG: one `dbt build` of its selection (csc_warehouse.transforming). History
    models add only this week's evaluations unless the run's `full_refresh` param asks to rebuild them."""
    full_refresh = bool(params.get("full_refresh"))
    return transforming.build_for_run(run_id, dag_id, select, exclude=exclude, full_refresh=full_refresh)


def dbt_build_task(task_id: str):
    """A DAG's dbt task. Not retried: a model or test that failed fails the same way again, and the
    failure email names the nodes."""
    return task(build_with_dbt, task_id=task_id, retries=0)
