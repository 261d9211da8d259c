"""The weekly run, step by step: each function is one task of the DAG and takes plain values.

Tasks hand each other ids, dates and small summaries (XCom), never files on a worker's disk, so
the same DAG runs on a Celery or Kubernetes executor. A task receives the JSON that XCom keeps,
turns it into the typed hand-offs of csc_warehouse.handoffs at its first line, and returns JSON
again. Every function here can be called from a test or from `csc` without Airflow; the DAG
passes its arguments by name, and Airflow adds `run_id` from the run's context.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from csc_warehouse import (
    alerts,
    landing,
    loading,
    publishing,
    quality,
    return_gate,
    return_readiness,
    run_email,
    run_summary,
    settings,
    warehouse,
)
from csc_warehouse.handoffs import (
    DeliveryBatch,
    DeliveryVerdict,
    HeadlineFigure,
    IngestedDelivery,
    MartOutcome,
    MartVerdict,
    RunPlan,
    RunSummary,
    ingested_in_batches,
)
from csc_warehouse.handoffs.returns import ReturnVerdict
from csc_warehouse.run_summary import RunSteps, RunWords
from csc_warehouse.statuses import VersionStatus

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")

# What the last task of a run raises when anything failed (defined with the summary it reads).
RunFailed = run_summary.RunFailed

WEEKLY_WORDS = RunWords(
    step_did_not_finish={
        "plan": "the run could not be planned (see the plan task's log)",
        "outcomes": "ingestion did not finish (see the ingest task's log)",
        "delivery_verdict": "the delivery checks did not finish (see the check_deliveries task's log)",
        "mart_verdict": "the dbt build or the mart checks did not finish (see their task logs)",
        "published": "publication did not run",
        "reports": "the committee reports were not drafted (see the draft_reports task's log)",
        "return_verdict": "the DfE return checks were not judged (see the judge_return_rules task's log)",
        "readiness_published": "return readiness was not built or published (see the build_return_readiness"
        " and publish_return_readiness task logs)",
    },
    checks="mart",
    rows_kept="published rows",
)


# summarise's return_verdict for a caller whose run has no DfE return checks (None: they did not finish).
NO_RETURN_CHECKS: Mapping[str, Any] = MappingProxyType({})

UNDELIVERED_SUMMARY = "the summary email was not delivered; it is kept in dq.alerts and goes with the next run"


def as_at_for(requested: str | None, logical_date: datetime | None) -> date:
    """The run's as_at: the one asked for, else the logical date's day in London, else (a run
    triggered without a logical date) today in London."""
    if requested:
        return date.fromisoformat(str(requested))
    return (logical_date or datetime.now(LONDON)).astimezone(LONDON).date()


def plan(requested_as_at: str | None, logical_date: datetime | None, landing_dir: str | None) -> dict:
    """The plan task of every DAG: the run's as_at and landing area (RunPlan as XCom)."""
    as_at = as_at_for(requested_as_at, logical_date)
    run_plan = RunPlan(as_at=as_at, landing=Path(landing_dir) if landing_dir else settings.landing_dir())
    log.info("run for as_at %s, week %s to %s, landing area %s", as_at, *landing.week_of(as_at), run_plan.landing)
    return run_plan.to_xcom()


def find_week_deliveries(run_plan: dict) -> list[dict]:
    """The week's delivery folders in batches of authorities (DeliveryBatch as XCom), one mapped
    ingest task each. A week with nothing delivered is one empty batch, so the run goes on as before
    (an empty mapping would skip every task after it)."""
    the_plan = RunPlan.from_xcom(run_plan)
    deliveries = landing.find_deliveries(the_plan.landing, as_at=the_plan.as_at)
    for delivery in deliveries:
        log.info("found delivery %s with %d file(s)", delivery.label, len(delivery.files))
    if not deliveries:
        log.warning("no delivery arrived in the week of %s", the_plan.as_at)
    batches = [
        DeliveryBatch(folders=tuple(str(delivery.folder) for delivery in batch))
        for batch in landing.in_batches(deliveries, settings.ingest_batch_size())
    ] or [DeliveryBatch()]
    log.info("%d ingest batch(es): %s", len(batches), "; ".join(batch.label for batch in batches))
    return [batch.to_xcom() for batch in batches]


def ingest(folders: list[str]) -> list[dict]:
    """Each delivery through the door; loading's DeliveryOutcome as XCom (read as IngestedDelivery)."""
    warehouse.migrate()
    deliveries = [landing.delivery_at(Path(folder)) for folder in folders]
    return [outcome.as_dict() for outcome in loading.ingest_deliveries(deliveries)]


def ingest_batch(batch: dict) -> list[dict]:
    """One batch of authorities' deliveries through the door (the weekly DAG's mapped ingest)."""
    return ingest(list(DeliveryBatch.from_xcom(batch).folders))


def check_deliveries(run_id: str) -> dict:
    """The gate on each newly loaded delivery version: accepted, or rejected by a `block` check."""
    return quality.check_deliveries(run_id).to_xcom()


def check_marts(run_id: str, run_plan: dict) -> dict:
    """The gate on the marts dbt built, before any of them is published."""
    return quality.check_marts(run_id, RunPlan.from_xcom(run_plan).as_at.isoformat()).to_xcom()


def publish(
    run_id: str,
    delivery_verdict: dict,
    mart_verdict: dict,
    marts: list[str] | None = None,
    return_verdict: dict | None = None,
) -> list[str]:
    """Publish the built marts (all, or `marts`), keeping the rows of the authorities the gates refused,
    and of those a blocking DfE return rule (CSC_BLOCKING_RETURN_RULES) held back."""
    deliveries, built = DeliveryVerdict.from_xcom(delivery_verdict), MartVerdict.from_xcom(mart_verdict)
    if built.outcome is MartOutcome.BLOCKED_EVERYWHERE:
        log.error("a blocking mart check failed for every authority or errored: reporting left as it was")
        return []
    kept = set(run_summary.authorities_to_keep(deliveries, built))
    kept |= ReturnVerdict.from_xcom(return_verdict).held_back_la_codes
    if marts is None:  # return readiness is published after the return checks (publish_return_readiness)
        marts = [mart for mart in publishing.published_tables() if mart not in return_gate.READINESS_MARTS]
    return publishing.publish(run_id, marts, kept_la_codes=sorted(kept))


def publish_return_readiness(
    run_id: str, delivery_verdict: dict, mart_verdict: dict, return_verdict: dict | None = None
) -> list[str]:
    """Publish reporting.return_readiness once the week's return checks are counted, keeping the rows of
    the authorities the gates refused, as the other marts' publication does."""
    return publish(run_id, delivery_verdict, mart_verdict, return_gate.READINESS_MARTS, return_verdict)


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


def check_arrivals(run_plan: dict, logical_date: datetime | None = None) -> list[str]:
    """Authorities expected this week with no delivery in the landing area by the deadline; emails them.

    The deadline is the delivery_deadline DAG's logical date (Airflow passes it by this name)."""
    the_plan = RunPlan.from_xcom(run_plan)
    as_at = the_plan.as_at
    deadline = (
        logical_date.astimezone(LONDON).strftime("%H:%M on %A %d %B %Y")
        if logical_date
        else f"the deadline on {as_at:%A %d %B %Y}"
    )
    arrived = {d.la_code for d in landing.find_deliveries(the_plan.landing, as_at=as_at)}
    missing = [code for code in expected_authorities(as_at) if code not in arrived]
    if missing:
        log.warning("no delivery by %s for the week of %s from %s", deadline, as_at, ", ".join(missing))
        alerts.queue_and_deliver(alerts.missing_delivery_message(as_at, missing, deadline), "missing_delivery", None)
    else:
        log.info("every expected authority has delivered for the week of %s", as_at)
    return missing


def draft_reports(run_plan: dict, published: list[str]) -> list[str]:
    """The committee report's data section for each authority published this week (paths); the
    figures of all of them read at once, the charts written as SVG (milliseconds a report)."""
    from csc_warehouse.report import write_reports

    if not published:
        return []
    as_at = RunPlan.from_xcom(run_plan).as_at
    with warehouse.connect() as conn:
        authorities = [
            row[0]
            for row in conn.execute(
                "select distinct la_code from reporting.lac_weekly where as_at between %s::date - 6 and %s::date"
                " order by 1",
                [as_at, as_at],
            )
        ]
    return [str(path) for path in write_reports(authorities, as_at)]


# reporting.cin_weekly's columns the email states, each a field of HeadlineFigure
FRONT_DOOR_FIGURES = (
    "referrals",
    "re_referrals_12m",
    "assessments_completed",
    "assessments_within_45wd",
    "icpcs",
    "icpcs_within_15wd",
    "children_on_cin_plan",
    "cin_plan_step_downs",
)


def headline_figures(as_at: str) -> list[HeadlineFigure]:
    """Each authority's looked-after, child protection and front door figures of the week ending on as_at."""
    figures: dict[tuple[str, str], HeadlineFigure] = {}
    with warehouse.connect() as conn:
        published = warehouse.published_tables(conn, ["lac_weekly", "cp_weekly", "cin_weekly"])
        if "lac_weekly" in published:
            for la_code, day, looked_after, starts, ceased, change in conn.execute(
                "select la_code, as_at::text, children_looked_after, lac_starts, lac_ceased, change_vs_previous"
                " from reporting.lac_weekly where as_at between %s::date - 6 and %s::date",
                [as_at, as_at],
            ):
                figures[la_code, day] = HeadlineFigure(la_code, day, looked_after, starts, ceased, change)
        if "cp_weekly" in published:
            for la_code, day, on_plan, change in conn.execute(
                "select la_code, as_at::text, children_on_plan, change_vs_previous from reporting.cp_weekly"
                " where as_at between %s::date - 6 and %s::date",
                [as_at, as_at],
            ):
                looked_after = figures.get((la_code, day), HeadlineFigure(la_code, day))
                figures[la_code, day] = replace(looked_after, children_on_plan=on_plan, cp_change_vs_previous=change)
        if "cin_weekly" in published:
            for la_code, day, *front_door in conn.execute(
                f"select la_code, as_at::text, {', '.join(FRONT_DOOR_FIGURES)} from reporting.cin_weekly"
                " where as_at between %s::date - 6 and %s::date",
                [as_at, as_at],
            ):
                known = figures.get((la_code, day), HeadlineFigure(la_code, day))
                figures[la_code, day] = replace(known, **dict(zip(FRONT_DOOR_FIGURES, front_door, strict=True)))
    return [figures[key] for key in sorted(figures)]


def summarise(
    run_id: str,
    run_plan: dict | None,
    outcomes: list[dict] | None = None,
    delivery_verdict: dict | None = None,
    mart_verdict: dict | None = None,
    published: list[str] | None = None,
    reports: Sequence[str] | None = (),  # None: draft_reports failed (a caller with no such step passes nothing)
    *,
    batches: list[dict] | None = None,
    batch_outcomes: Iterable[list[dict]] | None = None,
    return_verdict: Mapping[str, Any] | None = NO_RETURN_CHECKS,
    readiness_published: Sequence[str] | None = (),
) -> dict:
    """What happened in the run, recorded in dq.runs; `failed` decides the run's final state.

    The weekly DAG passes its ingest batches and each batch's outcomes (the mapped ingest) instead of
    `outcomes`; a batch that did not report means ingestion did not finish. It passes the verdict of its
    DfE return checks and what publish_return_readiness published, None where they did not finish (a
    caller without them passes nothing)."""
    if batches is not None or batch_outcomes is not None:
        ingested = ingested_in_batches(batch_outcomes, batches)
    else:
        ingested = tuple(IngestedDelivery.from_xcom(o) for o in outcomes) if outcomes is not None else None
    steps = RunSteps(
        plan=RunPlan.from_xcom(run_plan) if run_plan is not None else None,
        outcomes=ingested,
        delivery_verdict=DeliveryVerdict.from_xcom(delivery_verdict) if delivery_verdict is not None else None,
        mart_verdict=MartVerdict.from_xcom(mart_verdict) if mart_verdict is not None else None,
        published=tuple(published) if published is not None else None,
        reports=tuple(reports) if reports is not None else None,
        return_verdict=ReturnVerdict.from_xcom(return_verdict) if return_verdict is not None else None,
        readiness_published=tuple(readiness_published) if readiness_published is not None else None,
    )
    as_at = steps.plan.as_at.isoformat() if steps.plan else None
    figures = headline_figures(as_at) if as_at and published else []
    summary = run_summary.summarise(run_id, steps, WEEKLY_WORDS, as_at=as_at, figures=figures)
    if steps.readiness_published:
        readiness = return_readiness.for_run(summary.deliveries, summary.kept_la_codes)
        summary = replace(summary, return_readiness=tuple(readiness))
    run_summary.record(summary, settings.WEEKLY_DAG_ID, as_at or date.today().isoformat())
    return summary.to_xcom()


def send_summary(summary: dict) -> int:
    """Keep the run's email in the outbox (once, however often the task is retried) and send it,
    with anything earlier runs could not deliver."""
    run = RunSummary.from_xcom(summary)
    with warehouse.connect() as conn:
        queued = conn.execute(
            "select alert_id from dq.alerts where run_id = %s and kind = 'run_summary'", [run.run_id]
        ).fetchone()
    if queued is None:
        return alerts.queue_and_deliver(run_email.summary_message(run), "run_summary", run.run_id)
    outcome = alerts.deliver_pending()
    if outcome.get(queued[0]):
        raise alerts.AlertNotDelivered(f"alert {queued[0]} is kept in dq.alerts: {outcome[queued[0]]}")
    return queued[0]


def finish(summary: dict | None, alert_id: int | None = None) -> None:
    """The weekly run's last task: fails when anything failed, the summary email included."""
    undelivered = [] if alert_id is not None else [UNDELIVERED_SUMMARY]
    run = run_summary.finish(RunSummary.from_xcom(summary) if summary is not None else None, more_problems=undelivered)
    log.info("weekly run for %s succeeded; published %s", run.as_at, ", ".join(run.published))
