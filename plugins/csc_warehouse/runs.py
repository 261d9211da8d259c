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
from csc_warehouse.statuses import VersionStatus

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


def check_deliveries(run_id: str) -> dict:
    """The gate on each newly loaded delivery version: accepted, or rejected by a `block` check."""
    return quality.check_deliveries(run_id)


def check_marts(run_id: str, run_plan: dict) -> dict:
    """The gate on the marts dbt built, before any of them is published."""
    return quality.check_marts(run_id, run_plan["as_at"])


def authorities_to_keep(delivery_verdict: dict | None, mart_verdict: dict | None) -> list[str]:
    """Authorities whose published rows stay as they were: a version or a mart check refused them."""
    rejected = {
        v["la_code"] for v in (delivery_verdict or {}).get("versions", []) if v["status"] == VersionStatus.REJECTED
    }
    return sorted(rejected | set((mart_verdict or {}).get("kept_la_codes", [])))


def publish(run_id: str, delivery_verdict: dict, mart_verdict: dict) -> list[str]:
    if mart_verdict["blocked_everywhere"]:
        log.error("a blocking mart check failed for every authority or errored: reporting left as it was")
        return []
    return publishing.publish(run_id, kept_la_codes=authorities_to_keep(delivery_verdict, mart_verdict))


def expected_authorities(as_at: date) -> list[str]:
    """CSC_EXPECTED_LA_CODES, else every authority with an accepted delivery in the five weeks before."""
    configured = settings.expected_la_codes()
    if configured:
        return configured
    with warehouse.connect() as conn:
        return [
            row[0]
            for row in conn.execute(
                "select distinct la_code from ledger.delivery_versions where status = %s"
                " and extract_date between %s::date - 35 and %s::date - 7 order by 1",
                [VersionStatus.ACCEPTED, as_at, as_at],
            )
        ]


def check_arrivals(run_plan: dict, deadline_at: datetime | None = None) -> list[str]:
    """Authorities expected this week with no delivery in the landing area by the deadline; emails them."""
    as_at = date.fromisoformat(run_plan["as_at"])
    deadline = (
        deadline_at.astimezone(LONDON).strftime("%H:%M on %A %d %B %Y")
        if deadline_at
        else f"the deadline on {as_at:%A %d %B %Y}"
    )
    arrived = {d.la_code for d in landing.find_deliveries(Path(run_plan["landing"]), as_at=as_at)}
    missing = [code for code in expected_authorities(as_at) if code not in arrived]
    if missing:
        log.warning("no delivery by %s for the week of %s from %s", deadline, as_at, ", ".join(missing))
        alerts.queue_and_deliver(alerts.missing_delivery_message(as_at, missing, deadline), "missing_delivery", None)
    else:
        log.info("every expected authority has delivered for the week of %s", as_at)
    return missing


def draft_reports(run_plan: dict, published: list[str]) -> list[str]:
    """The committee report's data section for each authority published this week (paths)."""
    from csc_warehouse.report import write_report

    if not published:
        return []
    as_at = date.fromisoformat(run_plan["as_at"])
    with warehouse.connect() as conn:
        authorities = [
            row[0]
            for row in conn.execute(
                "select distinct la_code from reporting.lac_weekly where as_at between %s::date - 6 and %s::date"
                " order by 1",
                [as_at, as_at],
            )
        ]
    return [str(write_report(la_code, as_at).markdown) for la_code in authorities]


def headline_figures(as_at: str) -> list[dict]:
    with warehouse.connect() as conn:
        exists = conn.execute("select to_regclass('reporting.lac_weekly') is not null").fetchone()[0]
        if not exists:
            return []
        cursor = conn.execute(
            "select la_code, as_at::text, children_looked_after, lac_starts, lac_ceased, change_vs_previous"
            " from reporting.lac_weekly where as_at between %s::date - 6 and %s::date order by la_code, as_at",
            [as_at, as_at],
        )
        columns = [c.name for c in cursor.description]
        figures = [dict(zip(columns, row, strict=True)) for row in cursor]
        # Children on a child protection plan, beside the looked-after figures of the same as_at.
        if conn.execute("select to_regclass('reporting.cp_weekly') is not null").fetchone()[0]:
            by_week = {(figure["la_code"], figure["as_at"]): figure for figure in figures}
            for la_code, day, on_plan, change in conn.execute(
                "select la_code, as_at::text, children_on_plan, change_vs_previous from reporting.cp_weekly"
                " where as_at between %s::date - 6 and %s::date order by la_code, as_at",
                [as_at, as_at],
            ):
                figure = by_week.get((la_code, day)) or {"la_code": la_code, "as_at": day}
                if (la_code, day) not in by_week:
                    figures.append(figure)
                figure.update(children_on_plan=on_plan, cp_change_vs_previous=change)
        return figures


def summarise(
    run_id: str,
    run_plan: dict | None,
    outcomes: list[dict] | None,
    delivery_verdict: dict | None,
    mart_verdict: dict | None,
    published: list[str] | None,
    reports: list[str] | None = None,
) -> dict:
    """What happened in the run, recorded in dq.runs; `failed` decides the run's final state."""
    errors = []
    if run_plan is None:
        errors.append("the run could not be planned (see the plan task's log)")
    if outcomes is None:
        errors.append("ingestion did not finish (see the ingest task's log)")
    if delivery_verdict is None:
        errors.append("the delivery checks did not finish (see the check_deliveries task's log)")
    if mart_verdict is None:
        errors.append("the dbt build or the mart checks did not finish (see their task logs)")
    elif mart_verdict["blocked_everywhere"]:
        errors.append("a blocking mart check failed or errored: nothing was published")
    elif mart_verdict["kept_la_codes"]:
        errors.append("blocking mart checks kept the published rows of " + ", ".join(mart_verdict["kept_la_codes"]))
    if published is None:
        errors.append("publication did not run")
    checked = {v["delivery_version_id"]: v for v in (delivery_verdict or {}).get("versions", [])}
    deliveries = []
    for outcome in outcomes or []:
        delivery = {
            key: outcome.get(key)
            for key in ("la_code", "extract_date", "delivery_version_id", "status", "reason", "already_loaded")
        }
        if delivery["delivery_version_id"] in checked:
            delivery["status"] = checked[delivery["delivery_version_id"]]["status"]
            delivery["reason"] = checked[delivery["delivery_version_id"]]["reason"] or delivery["reason"]
        deliveries.append(delivery)
    quarantined = [d for d in deliveries if d["status"] == VersionStatus.QUARANTINED]
    rejected = [v for v in checked.values() if v["status"] == VersionStatus.REJECTED]
    if quarantined:
        errors.append(f"{len(quarantined)} delivery version(s) quarantined at the door")
    if rejected:
        errors.append(f"{len(rejected)} delivery version(s) rejected by the quality gate")
    results = (delivery_verdict or {}).get("results", []) + (mart_verdict or {}).get("results", [])
    as_at = (run_plan or {}).get("as_at")
    summary = {
        "run_id": run_id,
        "as_at": as_at,
        "failed": bool(errors),
        "errors": errors,
        "deliveries": deliveries,
        "checks": len(results),
        "failed_checks": [r for r in results if not r["success"]],
        "kept_la_codes": authorities_to_keep(delivery_verdict, mart_verdict),
        "published": published or [],
        "figures": headline_figures(as_at) if as_at and published else [],
        "data_docs": (mart_verdict or delivery_verdict or {}).get("data_docs"),
        "reports": reports or [],
    }
    with warehouse.connect() as conn:
        conn.execute(
            "insert into dq.runs (run_id, dag_id, as_at, finished_at, state, summary)"
            " values (%s, %s, %s, now(), %s, %s) on conflict (run_id) do update set finished_at = now(),"
            " state = excluded.state, summary = excluded.summary",
            [
                run_id,
                settings.WEEKLY_DAG_ID,
                as_at or date.today().isoformat(),
                "failed" if summary["failed"] else "success",
                json.dumps(summary, default=str),
            ],
        )
    log.info(
        "run summary: %s", json.dumps({k: v for k, v in summary.items() if k != "failed_checks"}, default=str, indent=2)
    )
    return summary


def send_summary(summary: dict) -> int:
    """Keep the run's email in the outbox (once, however often the task is retried) and send it,
    with anything earlier runs could not deliver."""
    with warehouse.connect() as conn:
        queued = conn.execute(
            "select alert_id from dq.alerts where run_id = %s and kind = 'run_summary'", [summary["run_id"]]
        ).fetchone()
    if queued is None:
        return alerts.queue_and_deliver(alerts.summary_message(summary), "run_summary", summary["run_id"])
    outcome = alerts.deliver_pending()
    if outcome.get(queued[0]):
        raise alerts.AlertNotDelivered(f"alert {queued[0]} is kept in dq.alerts: {outcome[queued[0]]}")
    return queued[0]


def finish(summary: dict | None, alert_id: int | None = None) -> None:
    if summary is None:
        raise RunFailed("the run summary was not written; see the summarise task's log")
    problems = list(summary["errors"])
    if alert_id is None:
        problems.append("the summary email was not delivered; it is kept in dq.alerts and goes with the next run")
    if problems:
        raise RunFailed("; ".join(problems))
    log.info("weekly run for %s succeeded; published %s", summary["as_at"], ", ".join(summary["published"]))
