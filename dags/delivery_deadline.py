"""Missing deliveries: at the deadline on the scheduled day, email the authorities that have not
delivered for the week. The deadline is CSC_DELIVERY_DEADLINE_CRON (default Monday 10:00 London);
the authorities expected are CSC_EXPECTED_LA_CODES, else those that delivered in recent weeks."""

from __future__ import annotations

from airflow.sdk import dag, task

from csc_warehouse import dag_parts, runs, settings


@dag(
    dag_id="delivery_deadline",
    schedule=settings.delivery_deadline_cron(),
    start_date=dag_parts.london_midnight(dag_parts.EARLIEST_WEEK),
    catchup=False,
    max_active_runs=1,
    default_args=dag_parts.DEFAULT_ARGS,
    params={"as_at": dag_parts.as_at_param(), "landing": dag_parts.landing_param()},
    tags=["csc", "weekly", "alerts"],
    doc_md=__doc__,
)
def delivery_deadline():
    run_plan = task(dag_parts.plan, task_id="plan")()
    task(runs.check_arrivals, task_id="check_arrivals")(run_plan=run_plan)


deadline_dag = delivery_deadline()
