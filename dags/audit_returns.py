"""Audit returns: when a case-audit return, an audit programme or an action plan arrives, ingest it,
check it, build the audit marts (audit_results, by agency, the programme's and the actions' status),
publish.

Scheduled on the asset csc://landing/audit_returns, which the weekly DAG updates when its ingest
loaded one of those files; `csc run-audits` runs it by hand for whatever has arrived. The logic lives
in csc_warehouse.audit_returns; this file only wires tasks (shared parts in csc_warehouse.dag_parts).
dbt builds the audit marts and the models they read in one task (one `dbt build`, still named
build_audit_results).
"""

from __future__ import annotations

from airflow.sdk import dag, task

from csc_warehouse import audit_returns, dag_parts, runs


@dag(
    dag_id=audit_returns.DAG_ID,
    schedule=[dag_parts.AUDIT_RETURNS],
    start_date=dag_parts.london_midnight(dag_parts.EARLIEST_WEEK),
    catchup=False,
    max_active_runs=1,
    default_args=dag_parts.DEFAULT_ARGS,
    params={"landing": dag_parts.landing_param()},
    tags=["csc", "audits"],
    doc_md=__doc__,
)
def audit_returns_dag():
    run_plan = task(dag_parts.plan, task_id="plan")()
    folders = task(audit_returns.find_arrived, task_id="find_audit_returns")(run_plan=run_plan)
    outcomes = task(runs.ingest, task_id="ingest")(folders=folders)

    delivery_verdict = task(runs.check_deliveries, task_id="check_deliveries")()
    build_audit_results = dag_parts.dbt_build_task("build_audit_results")(
        dag_id=audit_returns.DAG_ID, select=audit_returns.DBT_SELECT
    )
    outcomes >> delivery_verdict >> build_audit_results
    mart_verdict = task(audit_returns.check_marts, task_id="check_marts")(run_plan=run_plan)
    build_audit_results >> mart_verdict

    published = task(audit_returns.publish, task_id="publish")(
        delivery_verdict=delivery_verdict, mart_verdict=mart_verdict
    )
    summary = dag_parts.after_all(audit_returns.summarise, "summarise")(
        run_plan=run_plan,
        outcomes=outcomes,
        delivery_verdict=delivery_verdict,
        mart_verdict=mart_verdict,
        published=published,
    )
    dag_parts.finish_task(audit_returns.finish)(summary=summary)


audit_dag = audit_returns_dag()
