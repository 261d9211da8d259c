"""Audit returns: when a case-audit return arrives, ingest it, check it, build audit_results, publish.

Scheduled on the asset csc://landing/audit_returns, which the weekly DAG updates when its ingest
loaded an audit return; `csc run-audits` runs it by hand for whatever has arrived. The logic lives
in csc_warehouse.audit_returns; this file only wires tasks. dbt runs through Cosmos, from the
manifest `csc dbt-parse` writes, for audit_results and the models it reads.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, TriggerRule, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
from cosmos.profiles import PostgresUserPasswordProfileMapping

from csc_warehouse import alerts, audit_returns, runs, settings, transforming

AUDIT_RETURNS = Asset(name=audit_returns.ASSET_NAME, uri=audit_returns.ASSET_URI)
DEFAULT_ARGS = {
    "owner": "performance-team",
    "retries": 1,
    "retry_delay": timedelta(minutes=2),
    "on_failure_callback": alerts.on_task_failure,
}


@dag(
    dag_id=audit_returns.DAG_ID,
    schedule=[AUDIT_RETURNS],
    start_date=pendulum.datetime(2014, 1, 6, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={"landing": Param(None, type=["null", "string"], description="landing root; default: CSC_LANDING_DIR")},
    tags=["csc", "audits"],
    doc_md=__doc__,
)
def audit_returns_dag():
    @task
    def plan(params=None, logical_date=None):
        return runs.plan(None, logical_date, params.get("landing"))

    run_plan = plan()
    folders = task(audit_returns.find_arrived, task_id="find_audit_returns")(run_plan)
    outcomes = task(runs.ingest, task_id="ingest")(folders)

    build_audit_results = DbtTaskGroup(
        group_id="build_audit_results",
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
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD, select=audit_returns.DBT_SELECT
        ),
        operator_args={"install_deps": False, "dbt_cmd_flags": transforming.WITHOUT_UNIT_TESTS},
        default_args={"retries": 0},
    )

    @task
    def check_deliveries(run_id=None):
        return runs.check_deliveries(run_id)

    @task
    def check_marts(run_plan, run_id=None):
        return audit_returns.check_marts(run_id, run_plan)

    @task
    def publish(delivery_verdict, mart_verdict, run_id=None):
        return audit_returns.publish(run_id, delivery_verdict, mart_verdict)

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def summarise(run_plan, outcomes, delivery_verdict, mart_verdict, published, run_id=None):
        return audit_returns.summarise(run_id, run_plan, outcomes, delivery_verdict, mart_verdict, published)

    delivery_verdict = check_deliveries()
    outcomes >> delivery_verdict >> build_audit_results
    mart_verdict = check_marts(run_plan)
    build_audit_results >> mart_verdict
    published = publish(delivery_verdict, mart_verdict)
    summary = summarise(run_plan, outcomes, delivery_verdict, mart_verdict, published)
    # Last, and failing when anything failed, so the run's state tells the truth.
    task(
        audit_returns.finish, task_id="finish", trigger_rule=TriggerRule.ALL_DONE, retries=0, on_failure_callback=None
    )(summary)


audit_dag = audit_returns_dag()
