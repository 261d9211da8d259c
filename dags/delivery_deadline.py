"""Missing deliveries: at the deadline on the scheduled day, email the authorities that have not
delivered for the week. The deadline is CSC_DELIVERY_DEADLINE_CRON (default Monday 10:00 London);
the authorities expected are CSC_EXPECTED_LA_CODES, else those that delivered in recent weeks."""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from csc_warehouse import alerts, runs, settings


@dag(
    dag_id="delivery_deadline",
    schedule=settings.delivery_deadline_cron(),
    start_date=pendulum.datetime(2014, 1, 6, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "performance-team", "retries": 1, "on_failure_callback": alerts.on_task_failure},
    params={
        "as_at": Param(None, type=["null", "string"], description="YYYY-MM-DD; default: the run's date"),
        "landing": Param(None, type=["null", "string"], description="landing root; default: CSC_LANDING_DIR"),
    },
    tags=["csc", "weekly", "alerts"],
    doc_md=__doc__,
)
def delivery_deadline():
    @task
    def plan(params=None, logical_date=None):
        return runs.plan(params.get("as_at"), logical_date, params.get("landing"))

    @task
    def check_arrivals(run_plan, logical_date=None):
        return runs.check_arrivals(run_plan, logical_date)

    check_arrivals(plan())


deadline_dag = delivery_deadline()
