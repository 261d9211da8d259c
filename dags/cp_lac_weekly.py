"""Weekly CP and LAC load: find the week's deliveries, ingest, check, build, check, publish, alert.

Every Monday at 06:00 London time, one run at a time. The logic lives in csc_warehouse; this
file only wires tasks (shared parts in csc_warehouse.dag_parts). The dbt project is rendered by
Cosmos from the manifest that `dbt parse` writes (`csc dbt-parse`), one task per model with its
tests (TestBehavior.BUILD).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, dag, task

from csc_warehouse import dag_parts, runs, settings

WEEKLY_START = settings.weekly_start_date()


@dag(
    dag_id=settings.WEEKLY_DAG_ID,
    schedule="0 6 * * MON",
    # From CSC_WEEKLY_START_DATE, a scheduler that was down runs every missed Monday, in order, each
    # for its own week (as_at is the logical date). Unset: no catch-up, and no backfill to 2014.
    start_date=dag_parts.london_midnight(WEEKLY_START or dag_parts.FIRST_MONDAY),
    catchup=WEEKLY_START is not None,
    max_active_runs=1,
    default_args=dag_parts.DEFAULT_ARGS,
    params={
        "as_at": dag_parts.as_at_param(),
        "landing": dag_parts.landing_param(),
        "full_refresh": Param(
            False, type="boolean", description="rebuild dbt's history from raw (after a definition changed)"
        ),
    },
    tags=["csc", "weekly"],
    doc_md=__doc__,
)
def cp_lac_weekly():
    run_plan = task(dag_parts.plan, task_id="plan")()
    folders = task(runs.find_week_deliveries, task_id="find_deliveries")(run_plan=run_plan)
    outcomes = task(runs.ingest, task_id="ingest")(folders=folders)
    # An audit return loaded this week updates the asset that schedules the audit_returns DAG.
    task(dag_parts.announce_audit_returns, task_id="announce_audit_returns", outlets=[dag_parts.AUDIT_RETURNS])(
        outcomes=outcomes
    )

    delivery_verdict = task(runs.check_deliveries, task_id="check_deliveries")()
    build_marts = dag_parts.dbt_task_group("build_marts", full_refresh_param=True)
    outcomes >> delivery_verdict >> build_marts
    mart_verdict = task(runs.check_marts, task_id="check_marts")(run_plan=run_plan)
    build_marts >> mart_verdict

    published = task(runs.publish, task_id="publish")(delivery_verdict=delivery_verdict, mart_verdict=mart_verdict)
    reports = task(runs.draft_reports, task_id="draft_reports")(run_plan=run_plan, published=published)
    summary = dag_parts.after_all(runs.summarise, "summarise")(
        run_plan=run_plan,
        outcomes=outcomes,
        delivery_verdict=delivery_verdict,
        mart_verdict=mart_verdict,
        published=published,
        reports=reports,
    )
    sent = dag_parts.after_all(runs.send_summary, "send_summary", retries=3, retry_delay=timedelta(seconds=20))(
        summary=summary
    )
    dag_parts.finish_task(runs.finish)(summary=summary, alert_id=sent)


weekly_dag = cp_lac_weekly()
