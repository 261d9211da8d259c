"""The weekly run, step by step: each function is one task of the DAG and takes plain values.

Tasks hand each other ids, dates and small summaries (XCom), never files on a worker's disk, so
the same DAG runs on a Celery or Kubernetes executor. Every function here can be called from a
test or from `csc` without Airflow.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from csc_warehouse import alerts, landing, loading, publishing, quality, settings, warehouse

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")


class RunFailed(RuntimeError):
    """Raised by the last task so that the run's state tells the truth."""


def as_at_for(requested: str | None, logical_date: datetime | None) -> date:
    """The run's as_at: the one asked for, else the logical date's day in London."""
    if requested:
        return date.fromisoformat(str(requested))
    if logical_date is None:
        raise ValueError("a run needs an as_at or a logical date")
    return logical_date.astimezone(LONDON).date()


def plan(requested_as_at: str | None, logical_date: datetime | None, landing_dir: str | None) -> dict:
    as_at = as_at_for(requested_as_at, logical_date)
    folder = str(Path(landing_dir) if landing_dir else settings.landing_dir())
    log.info("weekly run for as_at %s, week %s to %s, landing area %s", as_at, *landing.week_of(as_at), folder)
    return {"as_at": as_at.isoformat(), "landing": folder}


def find_week_deliveries(run_plan: dict) -> list[str]:
    as_at = date.fromisoformat(run_plan["as_at"])
    deliveries = landing.find_deliveries(Path(run_plan["landing"]), as_at=as_at)
    for delivery in deliveries:
        log.info("found delivery %s with %d file(s)", delivery.label, len(delivery.files))
    if not deliveries:
        log.warning("no delivery arrived in the week of %s", as_at)
    return [str(delivery.folder) for delivery in deliveries]


def ingest(folders: list[str]) -> list[dict]:
    warehouse.migrate()
    deliveries = [landing.delivery_at(Path(folder)) for folder in folders]
    return [outcome.as_dict() for outcome in loading.ingest_deliveries(deliveries)]


def run_gate(run_id: str) -> dict:
    results = quality.run_suites(run_id)
    return quality.verdict(results)


def publish(run_id: str, verdict: dict) -> list[str]:
    if verdict["blocked"]:
        log.error("the quality gate blocked publication: %d blocking failure(s); reporting left as it was",
                  len(verdict["failed_blocking"]))
        return []
    return publishing.publish(run_id)


def headline_figures(as_at: str) -> list[dict]:
    with warehouse.connect() as conn:
        exists = conn.execute("select to_regclass('reporting.lac_weekly') is not null").fetchone()[0]
        if not exists:
            return []
        cursor = conn.execute(
            "select la_code, as_at::text, children_looked_after, lac_starts, lac_ceased, change_vs_previous"
            " from reporting.lac_weekly where as_at between %s::date - 6 and %s::date order by la_code, as_at",
            [as_at, as_at])
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor]


def summarise(run_id: str, run_plan: dict | None, outcomes: list[dict] | None, verdict: dict | None,
              published: list[str] | None) -> dict:
    """What happened in the run, recorded in dq.runs; `failed` decides the run's final state."""
    errors = []
    if run_plan is None:
        errors.append("the run could not be planned (see the plan task's log)")
    if outcomes is None:
        errors.append("ingestion did not finish (see the ingest task's log)")
    if verdict is None:
        errors.append("the dbt build or the quality gate did not finish (see their task logs)")
    elif verdict["blocked"]:
        errors.append("the quality gate blocked publication")
    if published is None:
        errors.append("publication did not run")
    deliveries = [
        {key: outcome.get(key) for key in ("la_code", "extract_date", "delivery_version_id", "status", "reason",
                                           "already_loaded")}
        for outcome in outcomes or []
    ]
    bad = [d for d in deliveries if d["status"] in ("quarantined", "rejected")]
    if bad:
        errors.append(f"{len(bad)} delivery version(s) quarantined or rejected")
    as_at = (run_plan or {}).get("as_at")
    summary = {
        "run_id": run_id,
        "as_at": as_at,
        "failed": bool(errors),
        "errors": errors,
        "deliveries": deliveries,
        "checks": (verdict or {}).get("checks", 0),
        "failed_checks": (verdict or {}).get("failed_blocking", []) + (verdict or {}).get("failed_warnings", []),
        "published": published or [],
        "figures": headline_figures(as_at) if as_at and published else [],
    }
    with warehouse.connect() as conn:
        conn.execute(
            "insert into dq.runs (run_id, dag_id, as_at, finished_at, state, summary)"
            " values (%s, %s, %s, now(), %s, %s) on conflict (run_id) do update set finished_at = now(),"
            " state = excluded.state, summary = excluded.summary",
            [run_id, settings.WEEKLY_DAG_ID, as_at or date.today().isoformat(),
             "failed" if summary["failed"] else "success", json.dumps(summary, default=str)])
    log.info("run summary: %s", json.dumps(summary, default=str, indent=2))
    return summary


def send_summary(summary: dict) -> None:
    alerts.send(alerts.summary_message(summary))


def finish(summary: dict | None) -> None:
    if summary is None:
        raise RunFailed("the run summary was not written; see the summarise task's log")
    if summary["failed"]:
        raise RunFailed("; ".join(summary["errors"]))
    log.info("weekly run for %s succeeded; published %s", summary["as_at"], ", ".join(summary["published"]))
