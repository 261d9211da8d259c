"""Running the DAGs now, from `csc`: one week, the audit returns, every missed week, the demo.

Each run goes through Airflow's `dag.test()`, in this process, against the metadata database
beside the warehouse: the same DAG code the scheduler runs, without a scheduler.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

from csc_warehouse import settings

log = logging.getLogger(__name__)

# The weekly DAG's tasks, by the part of the week they belong to (a prefix ending in "." takes a group).
WEEK_PARTS = (
    ("ingest", ("plan", "find_deliveries", "ingest")),
    ("gate", ("check_deliveries", "check_marts")),
    ("build", ("build_marts", "build_return_readiness")),
    ("publish", ("publish", "draft_reports", "publish_return_readiness")),
    ("return checks", ("return_versions", "check_return_rules", "judge_return_rules")),
)


class RunNotPossible(ValueError):
    """A run Airflow would start and finish without running any task: refused, saying why."""


# A task's state when its mapped instances disagree: the one that tells of trouble wins.
STATE_WEIGHT = {"failed": 3, "upstream_failed": 2}


class PartState(StrEnum):
    OK = "ok"
    FAILED = "failed"
    NOT_RUN = "not run"


def prepare_airflow() -> None:
    """Environment for Airflow, and its metadata database migrated once per database URL and Airflow version."""
    settings.apply_environment(settings.airflow_environment())
    home = settings.airflow_home()
    home.mkdir(parents=True, exist_ok=True)
    # Once per database and Airflow version: an upgraded Airflow migrates its metadata again.
    migrated = f"{settings.airflow_metadata_url()} {importlib.metadata.version('apache-airflow-core')}"
    marker = home / f".migrated-{hashlib.sha256(migrated.encode()).hexdigest()[:12]}"
    if not marker.exists():
        log.info("migrating the Airflow metadata database")
        subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), "db", "migrate"], check=True, stdout=subprocess.DEVNULL
        )
        marker.touch()


def load_dag(dag_id: str = settings.WEEKLY_DAG_ID):
    path = settings.dags_dir() / f"{dag_id}.py"
    spec = importlib.util.spec_from_file_location(f"csc_dags_{dag_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from airflow.sdk import DAG

    for value in vars(module).values():
        if isinstance(value, DAG) and value.dag_id == dag_id:
            return value
    raise RuntimeError(f"no DAG {dag_id} in {module.__file__}")


@dataclass(frozen=True)
class DagRunResult:
    """How one run through dag.test() ended, task by task."""

    dag_id: str
    run_id: str
    state: str
    task_states: dict[str, str]

    @property
    def succeeded(self) -> bool:
        return self.state.endswith("success")

    def part_state(self, prefixes: tuple[str, ...]) -> PartState:
        states = [
            state
            for task_id, state in self.task_states.items()
            if any(task_id == p or (p.endswith(".") and task_id.startswith(p)) for p in prefixes)
        ]
        if any(state in ("failed", "upstream_failed") for state in states):
            return PartState.FAILED if "failed" in states else PartState.NOT_RUN
        if states and all(state in ("success", "skipped") for state in states):
            return PartState.OK
        return PartState.NOT_RUN


def _run_dag(dag_id: str, **test_arguments) -> DagRunResult:
    """Migrate, parse dbt, prepare Airflow, then one run of the DAG in this process."""
    from csc_warehouse import transforming, warehouse

    warehouse.migrate()
    transforming.ensure_manifest()
    prepare_airflow()
    dag = load_dag(dag_id)
    logical_date = test_arguments.get("logical_date")
    if logical_date is not None and dag.start_date is not None and logical_date < dag.start_date:
        raise RunNotPossible(
            f"{dag_id} starts on {dag.start_date.date()} (CSC_WEEKLY_START_DATE), and Airflow runs no task of"
            f" a run dated {logical_date.date()} before it: give a later date, or an earlier CSC_WEEKLY_START_DATE"
        )
    dag_run = dag.test(**test_arguments)
    try:
        task_instances = list(dag_run.get_task_instances())
    except Exception:  # the states only dress the progress line; the run's own state decides
        log.exception("could not read the task states of %s", dag_id)
        task_instances = None
    state = str(getattr(dag_run, "state", "failed"))
    if task_instances == []:
        log.error("the run of %s ran no task: it is reported as failed", dag_id)
        state = "failed"
    return DagRunResult(dag.dag_id, str(getattr(dag_run, "run_id", "")), state, task_states_of(task_instances or []))


def task_states_of(task_instances) -> dict[str, str]:
    """Each task's state; a mapped task (ingest, one per batch) is failed when any of its instances is."""
    states: dict[str, str] = {}
    for ti in task_instances:
        state = str(ti.state)
        if STATE_WEIGHT.get(state, 0) >= STATE_WEIGHT.get(states.get(ti.task_id, ""), 0):
            states[ti.task_id] = state
    return states


def run_week(as_at: date, landing: Path | None = None, *, full_refresh: bool = False) -> DagRunResult:
    """Run the weekly DAG for as_at through Airflow (dag.test()).
    full_refresh rebuilds dbt's history from raw instead of adding to it (after a definition changed)."""
    from csc_warehouse.runs import LONDON

    conf = {"as_at": as_at.isoformat(), "landing": str(landing) if landing else None, "full_refresh": full_refresh}
    return _run_dag(
        settings.WEEKLY_DAG_ID, logical_date=datetime.combine(as_at, time(6, 0), tzinfo=LONDON), run_conf=conf
    )


def run_audits(landing: Path | None = None) -> tuple[datetime, DagRunResult]:
    """Run the audit_returns DAG now through Airflow (dag.test()) for the audit returns that have arrived."""
    from csc_warehouse import audit_returns
    from csc_warehouse.runs import LONDON

    now = datetime.now(LONDON)
    conf = {"landing": str(landing) if landing else None}
    return now, _run_dag(audit_returns.DAG_ID, run_after=now, logical_date=now, run_conf=conf)


def weeks_to_catch_up(since: date | None, until: date | None) -> list[date]:
    """The Mondays whose weekly run is due and has not succeeded: from `since`, else the week after
    the last successful run, else CSC_WEEKLY_START_DATE; up to `until`, else the last Monday whose
    06:00 London has passed."""
    from csc_warehouse import queries
    from csc_warehouse.runs import LONDON

    if since is None:
        last = queries.last_successful_as_at()
        since = last + timedelta(days=1) if last else settings.weekly_start_date()
        if since is None:
            raise settings.SettingMissing("no weekly run has succeeded yet: give --since, or set CSC_WEEKLY_START_DATE")
    if until is None:
        now = datetime.now(LONDON)
        until = now.date() - timedelta(days=now.weekday())
        if until == now.date() and now.time() < time(6, 0):
            until -= timedelta(days=7)
    first = since + timedelta(days=(7 - since.weekday()) % 7)
    return [first + timedelta(weeks=week) for week in range(max(0, (until - first).days // 7 + 1))]


def week_progress(as_at: date, result: DagRunResult) -> str:
    """One line for a week: `week 2014-01-06: ingest ok, gate ok (2 warnings), build ok, publish ok, return checks ok,
    email sent`."""
    from csc_warehouse import queries

    parts = []
    for name, prefixes in WEEK_PARTS:
        state = result.part_state(prefixes)
        text = f"{name} {state}"
        if name == "gate" and state is PartState.OK:
            warnings = queries.failed_check_count(result.run_id)
            text += f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
        parts.append(text)
    parts.append("email sent" if result.task_states.get("send_summary") == "success" else "email not sent")
    line = f"week {as_at}: {', '.join(parts)}"
    if not result.succeeded:
        errors = queries.run_errors(result.run_id) if result.run_id else []
        line += f"; FAILED: {'; '.join(errors) if errors else 'see the log'}"
    return line
