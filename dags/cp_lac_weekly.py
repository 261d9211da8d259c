"""Weekly CP and LAC load: find the week's deliveries, ingest, check, build, check, publish, alert.

Every Monday at 06:00 London time, one run at a time. The logic lives in csc_warehouse; this
file only wires tasks (shared parts in csc_warehouse.dag_parts). The week's deliveries are
ingested in batches of authorities, one mapped `ingest` task each (CSC_INGEST_BATCH_SIZE), and
the dbt project is built by one task, `build_marts` (one `dbt build`; each model's and test's
result in dq.dbt_results and the task log), but for reporting.return_readiness, which counts the DfE
return checks' findings and is built and published after them (`build_return_readiness`).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, dag, task

from csc_warehouse import dag_parts, return_gate, runs, settings

WEEKLY_START = settings.weekly_start_date()
# Publication waits for the DfE return checks only when a rule may hold a version back: otherwise they
# run beside the build and publication, and take no time from it.
BLOCKING_RETURN_RULES = settings.blocking_return_rules()


@dag(
    dag_id=settings.WEEKLY_DAG_ID,
    schedule="0 6 * * MON",
    # From CSC_WEEKLY_START_DATE, a scheduler that was down runs every missed Monday, in order, each
    # for its own week (as_at is the logical date). Unset: no catch-up, and a start date before any
    # week a user may run by hand (Airflow creates no task for a logical date before it).
    start_date=dag_parts.london_midnight(WEEKLY_START or dag_parts.EARLIEST_WEEK),
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
    batches = task(runs.find_week_deliveries, task_id="find_deliveries")(run_plan=run_plan)
    outcomes = dag_parts.ingest_task().expand(batch=batches)

    delivery_verdict = task(runs.check_deliveries, task_id="check_deliveries")()
    build_marts = dag_parts.dbt_build_task("build_marts")(
        dag_id=settings.WEEKLY_DAG_ID, exclude=return_gate.READINESS_SELECTION
    )
    outcomes >> delivery_verdict >> build_marts
    mart_verdict = task(runs.check_marts, task_id="check_marts")(run_plan=run_plan)
    build_marts >> mart_verdict

    # The DfE return rules on each version the gate checked, beside the dbt build; their verdict holds a
    # version back only for a rule of CSC_BLOCKING_RETURN_RULES.
    return_versions = task(return_gate.versions_to_check, task_id="return_versions")(delivery_verdict=delivery_verdict)
    return_checks = dag_parts.return_rules_task().expand(delivery_version_id=return_versions)
    return_verdict = dag_parts.after_all(return_gate.judge, "judge_return_rules")(
        versions=return_versions, checks=return_checks
    )
    published = task(runs.publish, task_id="publish")(
        delivery_verdict=delivery_verdict,
        mart_verdict=mart_verdict,
        return_verdict=return_verdict if BLOCKING_RETURN_RULES else None,
    )
    # Return readiness counts the checks' findings: built once they and the dbt build are done, and
    # published after the other marts, so that neither waits for the checks.
    build_readiness = dag_parts.dbt_build_task("build_return_readiness")(
        dag_id=settings.WEEKLY_DAG_ID, select=return_gate.READINESS_SELECTION
    )
    [build_marts, return_verdict] >> build_readiness
    readiness_published = task(runs.publish_return_readiness, task_id="publish_return_readiness")(
        delivery_verdict=delivery_verdict, mart_verdict=mart_verdict, return_verdict=return_verdict
    )
    [build_readiness, published] >> readiness_published
    # An audit return loaded this week updates the asset that schedules the audit_returns DAG, once this
    # run's publication is over, whatever became of it: the two runs gate, build and publish in the same
    # schemas, and announced after the ingest, the scheduler ran both dbt builds at once (they collided).
    announced = dag_parts.after_all(
        dag_parts.announce_audit_returns, "announce_audit_returns", outlets=[dag_parts.AUDIT_RETURNS]
    )(batch_outcomes=outcomes)
    published >> announced
    reports = task(runs.draft_reports, task_id="draft_reports")(run_plan=run_plan, published=published)
    summary = dag_parts.after_all(runs.summarise, "summarise")(
        run_plan=run_plan,
        batches=batches,
        batch_outcomes=outcomes,
        delivery_verdict=delivery_verdict,
        mart_verdict=mart_verdict,
        published=published,
        reports=reports,
        return_verdict=return_verdict,
        readiness_published=readiness_published,
    )
    sent = dag_parts.after_all(runs.send_summary, "send_summary", retries=3, retry_delay=timedelta(seconds=20))(
        summary=summary
    )
    dag_parts.finish_task(runs.finish)(summary=summary, alert_id=sent)


weekly_dag = cp_lac_weekly()
