"""The settings of Airflow's own components as `csc airflow start` runs them (and docker-compose.yml
mirrors them): the executor, its workers, the UI's login and port, task retries, and the environment of a
separate set of components (a test's or a benchmark's).

Like csc_warehouse.settings, which holds what the DAGs' tasks read: a value already set in the
environment always wins, and nothing here opens a connection.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

# Shared by `csc airflow start` and docker-compose.yml (tests/test_docker_compose.py holds them equal).
AIRFLOW_ADMIN_USER = "admin"
SCHEDULER_SETTINGS = {
    # The UI's one login, an admin, through the SimpleAuthManager (FAB is not installed).
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{AIRFLOW_ADMIN_USER}:admin",
    # A DAG file is parsed again every 5 minutes, not every 30 s: each parse costs CPU the tasks need,
    # and our DAG files change only with a release. A new file is still found by refresh_interval.
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "300",
    # The scheduler starts its LocalExecutor workers and its log server from a fork server, not by
    # forking itself: a forked worker holds a copy of the scheduler's socket to the metadata database,
    # so a scheduler killed (out of memory, SIGKILL) inside a transaction leaves that transaction open,
    # with its row locks on dag_run, for as long as the orphaned workers live. The restarted scheduler
    # skips the locked run, which never ends. The fork server imports once what each worker and task
    # would otherwise import again (the executor, the task supervisor, the DAG bag, the providers our
    # tasks use): measured, a one-task step took 1.8-2.2 s without it, 0.9-1.3 s with it, 0.5-0.7 s
    # forked from the scheduler. Our own package is not preloaded: each task imports it fresh.
    "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
    "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": ",".join(
        [
            "airflow.executors.local_executor",
            "airflow.sdk.execution_time.supervisor",
            "airflow.dag_processing.dagbag",
            "airflow.providers.standard.decorators.python",
            "airflow.providers.common.sql.hooks.sql",
            "airflow.providers.postgres.hooks.postgres",
        ]
    ),
}


def airflow_port() -> int | None:
    """CSC_AIRFLOW_PORT: where `csc airflow start` runs the api-server (UI and REST API); unset, a
    free port, kept for the next start while it stays free."""
    configured = os.environ.get("CSC_AIRFLOW_PORT", "").strip()
    return int(configured) if configured else None


def airflow_parallelism() -> int:
    """How many tasks the local LocalExecutor runs at once: two per core (dbt and the gate wait on
    PostgreSQL about half the time)."""
    return max(2, 2 * (os.cpu_count() or 1))


class Executor(StrEnum):
    """CSC_AIRFLOW_EXECUTOR: how `csc airflow start` runs tasks. `local`: the scheduler's own worker
    processes; `celery`: Airflow's CeleryExecutor, with a Redis broker and Celery workers (which may
    run on other machines in a deployment)."""

    LOCAL = "local"
    CELERY = "celery"

    @property
    def airflow_name(self) -> str:
        return {"local": "LocalExecutor", "celery": "CeleryExecutor"}[self.value]


def airflow_executor() -> Executor:
    configured = os.environ.get("CSC_AIRFLOW_EXECUTOR", "").strip().lower() or Executor.LOCAL
    try:
        return Executor(configured)
    except ValueError:
        raise ValueError(f"CSC_AIRFLOW_EXECUTOR must be local or celery, not {configured!r}") from None


def celery_workers() -> int:
    """CSC_CELERY_WORKERS: how many Celery workers `csc airflow start` runs with the celery executor
    (default 2: on one machine they prove the tasks share nothing; more machines is a deployment's job)."""
    workers = int(os.environ.get("CSC_CELERY_WORKERS") or 2)
    if workers < 1:
        raise ValueError(f"CSC_CELERY_WORKERS must be 1 or more, not {workers}")
    return workers


def celery_worker_concurrency() -> int:
    """How many tasks one local Celery worker runs at once: the machine's parallelism shared out."""
    return max(1, airflow_parallelism() // celery_workers())


def task_retry_delay_seconds() -> int:
    """CSC_TASK_RETRY_DELAY_SECONDS: how long a failed task waits before its retry (default 120: a
    warehouse restart or a lost worker has passed by then)."""
    return int(os.environ.get("CSC_TASK_RETRY_DELAY_SECONDS") or 120)


def separate_airflow_environment(
    state: Path, warehouse_url: str, metadata_url: str, smtp_connection: str, *, keep: tuple[str, ...] = ()
) -> dict[str, str]:
    """The environment of a set of Airflow components apart from this process's (a test's, a
    benchmark's): its own state folder, warehouse, Airflow metadata database and mail server. No
    AIRFLOW*, CSC_* or DBT_* setting of this process reaches them but those named in `keep`."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "CSC_", "DBT_"))}
    kept = {key: os.environ[key] for key in keep if key in os.environ}
    return {
        **inherited,
        **kept,
        "CSC_STATE_DIR": str(state),
        "AIRFLOW_HOME": str(state / "airflow"),
        "CSC_LANDING_DIR": str(state / "landing"),
        "CSC_WAREHOUSE_URL": warehouse_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW_CONN_SMTP_DEFAULT": smtp_connection,
    }
