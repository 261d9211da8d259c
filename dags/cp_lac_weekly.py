"""Weekly CP and LAC load: find the week's deliveries, ingest, check, build, check, publish, alert.

Every Monday at 06:00 London time, one run at a time. The logic lives in csc_warehouse; this
file only wires tasks. The dbt project is rendered by Cosmos from the manifest that `dbt parse`
writes (`csc dbt-parse`), one task per model with its tests (TestBehavior.BUILD).
"""

from __future__ import annotations

from datetime import date, timedelta

import pendulum
from airflow.sdk import Asset, Param, TriggerRule, dag, task
from airflow.sdk.exceptions import AirflowSkipException
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
from cosmos.profiles import PostgresUserPasswordProfileMapping

from csc_warehouse import alerts, audit_returns, runs, settings, transforming

WEEKLY_START = settings.weekly_start_date()
FIRST_WEEK = WEEKLY_START or date(2014, 1, 6)
DEFAULT_ARGS = {
    "owner": "performance-team",
    "retries": 1,
    "retry_delay": timedelta(minutes=2),
    "on_failure_callback": alerts.on_task_failure,
}

DBT_PROJECT = ProjectConfig(
    dbt_project_path=settings.dbt_project_dir(),
    manifest_path=transforming.manifest_path(),
    project_name="csc_warehouse",
    install_dbt_deps=False,
)
DBT_PROFILE = ProfileConfig(
    profile_name="csc_warehouse",
    target_name="warehouse",
    profile_mapping=PostgresUserPasswordProfileMapping(
        conn_id=settings.WAREHOUSE_CONN_ID, profile_args={"schema": settings.build_schema()}
    ),
)


@dag(
    dag_id=settings.WEEKLY_DAG_ID,
    schedule="0 6 * * MON",
    # From CSC_WEEKLY_START_DATE, a scheduler that was down runs every missed Monday, in order, each
    # for its own week (as_at is the logical date). Unset: no catch-up, and no backfill to 2014.
    start_date=pendulum.datetime(FIRST_WEEK.year, FIRST_WEEK.month, FIRST_WEEK.day, tz="Europe/London"),
    catchup=WEEKLY_START is not None,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "as_at": Param(None, type=["null", "string"], description="YYYY-MM-DD; default: the run's date"),
        "landing": Param(None, type=["null", "string"], description="landing root; default: CSC_LANDING_DIR"),
        "full_refresh": Param(
            False, type="boolean", description="rebuild dbt's history from raw (after a definition changed)"
        ),
    },
    tags=["csc", "weekly"],
    doc_md=__doc__,
)
def cp_lac_weekly():
    @task
    def plan(params=None, logical_date=None):
        return runs.plan(params.get("as_at"), logical_date, params.get("landing"))

    run_plan = plan()
    folders = task(runs.find_week_deliveries, task_id="find_deliveries")(run_plan)
    outcomes = task(runs.ingest, task_id="ingest")(folders)

    # An audit return loaded this week updates the asset that schedules the audit_returns DAG.
    @task(outlets=[Asset(name=audit_returns.ASSET_NAME, uri=audit_returns.ASSET_URI)])
    def announce_audit_returns(outcomes):
        if not audit_returns.loaded_audit_returns(outcomes):
            raise AirflowSkipException("no audit return was loaded")

    announce_audit_returns(outcomes)

    build_marts = DbtTaskGroup(
        group_id="build_marts",
        project_config=DBT_PROJECT,
        profile_config=DBT_PROFILE,
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD),
        # History models add only this week's evaluations unless the run asks to rebuild them all.
        operator_args={
            "install_deps": False,
            "full_refresh": "{{ params.full_refresh }}",
            "dbt_cmd_flags": transforming.WITHOUT_UNIT_TESTS,
        },
        default_args={"retries": 0},
    )

    @task
    def check_deliveries(run_id=None):
        return runs.check_deliveries(run_id)

    @task
    def check_marts(run_plan, run_id=None):
        return runs.check_marts(run_id, run_plan)

    @task
    def publish(delivery_verdict, mart_verdict, run_id=None):
        return runs.publish(run_id, delivery_verdict, mart_verdict)

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def summarise(run_plan, outcomes, delivery_verdict, mart_verdict, published, reports, run_id=None):
        return runs.summarise(run_id, run_plan, outcomes, delivery_verdict, mart_verdict, published, reports)

    delivery_verdict = check_deliveries()
    outcomes >> delivery_verdict >> build_marts
    mart_verdict = check_marts(run_plan)
    build_marts >> mart_verdict
    published = publish(delivery_verdict, mart_verdict)
    reports = task(runs.draft_reports, task_id="draft_reports")(run_plan, published)
    summary = summarise(run_plan, outcomes, delivery_verdict, mart_verdict, published, reports)
    sent = task(
        runs.send_summary,
        task_id="send_summary",
        trigger_rule=TriggerRule.ALL_DONE,
        retries=3,
        retry_delay=timedelta(seconds=20),
    )(summary)
    # Last, and failing when anything failed: an alert task on ALL_DONE must not make a bad run green.
    # Its own failure is the summary email already, so it sends no task-failure alert.
    task(runs.finish, task_id="finish", trigger_rule=TriggerRule.ALL_DONE, retries=0, on_failure_callback=None)(
        summary, sent
    )


weekly_dag = cp_lac_weekly()
