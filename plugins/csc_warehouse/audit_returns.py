"""The audit-returns run, step by step: each function is one task of the `audit_returns` DAG.

A case-audit return (contract 1.3), an audit programme or an action plan (contract 1.5) arrives in
an authority's delivery folder like the weekly extracts. The run ingests every delivery under the
landing area that holds one of them and has not been loaded, puts newly loaded versions through the
quality gate, builds the audit marts with dbt (the DAG's one dbt task selects them and what they
read), checks them and publishes them through the same write-audit-publish path as the weekly run,
recording the run in dq.runs.

The DAG is scheduled on the asset `csc://landing/audit_returns`, which the weekly DAG updates when
its ingest loaded one of those files; `csc run-audits` runs it by hand. After a weekly run that
published audit_results already, the triggered run publishes the same figures again, unless the
weekly run kept an authority's published rows back for a problem elsewhere: the audit results,
checked on their own, then publish. Every function takes plain values and works without Airflow.
"""

from __future__ import annotations

import logging
from datetime import date

from csc_warehouse import landing, quality, run_summary, runs, tables, warehouse
from csc_warehouse.handoffs import DeliveryVerdict, IngestedDelivery, MartVerdict, RunPlan, RunSummary, Scope
from csc_warehouse.readers import ReaderError, read_file
from csc_warehouse.run_summary import RunSteps, RunWords
from csc_warehouse.statuses import FileStatus, VersionStatus

log = logging.getLogger(__name__)

DAG_ID = "audit_returns"
ASSET_NAME = "audit_returns"
ASSET_URI = "csc://landing/audit_returns"
MARTS = ["audit_results", "audit_results_by_agency", "audit_programme_status", "audit_actions_status"]
DBT_SELECT = [f"+{mart}" for mart in MARTS]  # the marts and every model they read
# Audit returns are CSV or workbooks; an XML file is never one (and reading a big one to find out is slow).
AUDIT_FORMATS = (".csv", ".txt", ".xlsx", ".xlsm")
AUDIT_TABLE_NAMES = {table.name for table in tables.AUDIT_TABLES}
AUDIT_WORDS = RunWords(
    step_did_not_finish={
        "plan": "planning did not finish (see its task log)",
        "outcomes": "ingestion did not finish (see its task log)",
        "delivery_verdict": "the delivery checks did not finish (see its task log)",
        "mart_verdict": "the dbt build or the audit marts' checks did not finish (see its task log)",
        "published": "publication did not finish (see its task log)",
    },
    checks="audit mart",
    rows_kept="published audit results, programme and actions",
)


def holds_an_audit_return(delivery: landing.Delivery) -> bool:
    for path in delivery.files:
        if path.suffix.lower() not in AUDIT_FORMATS:
            continue
        try:
            sources = read_file(path)
        except ReaderError:
            continue  # unreadable: the ingest that loads the folder says so
        if any(source.table in tables.AUDIT_TABLES for source in sources):
            return True
    return False


def find_arrived(run_plan: dict) -> list[str]:
    """Delivery folders holding an audit return, programme or action plan whose bytes the ledger has not
    seen, oldest first."""
    found = []
    the_plan = RunPlan.from_xcom(run_plan)
    deliveries = [d for d in landing.find_deliveries(the_plan.landing) if holds_an_audit_return(d)]
    with warehouse.connect() as conn:
        for delivery in deliveries:
            seen = conn.execute(
                "select 1 from ledger.delivery_versions where la_code = %s and extract_date = %s and sha256 = %s",
                [delivery.la_code, delivery.extract_date, delivery.version_sha256()],
            ).fetchone()
            if seen:
                continue
            log.info("audit return arrived: %s with %d file(s)", delivery.label, len(delivery.files))
            found.append(str(delivery.folder))
    if not found:
        log.info("no audit return has arrived that is not loaded already")
    return found


def loaded_audit_returns(outcomes: list[dict] | None) -> int:
    """How many audit files (or sheets: returns, programmes, action plans) an ingest loaded just now: the
    weekly DAG's trigger."""
    ingested = [IngestedDelivery.from_xcom(outcome) for outcome in outcomes or []]
    newly_loaded = [
        delivery for delivery in ingested if delivery.status == VersionStatus.LOADED and not delivery.already_loaded
    ]
    return sum(
        1
        for delivery in newly_loaded
        for file in delivery.files
        if file.table_name in AUDIT_TABLE_NAMES and file.status == FileStatus.ACCEPTED
    )


def check_marts(run_id: str, run_plan: dict) -> dict:
    """The gate on the audit marts only: the marts this run builds and publishes."""
    suites = [suite for suite in quality.load_suites(scope=Scope.MART) if suite.schema_and_table[1] in MARTS]
    as_at = RunPlan.from_xcom(run_plan).as_at.isoformat()
    return quality.check_marts(run_id, as_at, suites=suites).to_xcom()


def publish(run_id: str, delivery_verdict: dict, mart_verdict: dict) -> list[str]:
    """Publish the audit marts, keeping the rows of the authorities the gates refused."""
    return runs.publish(run_id, delivery_verdict, mart_verdict, marts=MARTS)


def summarise(
    run_id: str,
    run_plan: dict | None,
    outcomes: list[dict] | None,
    delivery_verdict: dict | None,
    mart_verdict: dict | None,
    published: list[str] | None,
) -> dict:
    """What the run did, recorded in dq.runs under this DAG's id; `failed` decides its final state."""
    steps = RunSteps(
        plan=RunPlan.from_xcom(run_plan) if run_plan is not None else None,
        outcomes=tuple(IngestedDelivery.from_xcom(o) for o in outcomes) if outcomes is not None else None,
        delivery_verdict=DeliveryVerdict.from_xcom(delivery_verdict) if delivery_verdict is not None else None,
        mart_verdict=MartVerdict.from_xcom(mart_verdict) if mart_verdict is not None else None,
        published=tuple(published) if published is not None else None,
    )
    as_at = (steps.plan.as_at if steps.plan else date.today()).isoformat()
    summary = run_summary.summarise(run_id, steps, AUDIT_WORDS, as_at=as_at)
    run_summary.record(summary, DAG_ID, as_at)
    return summary.to_xcom()


def finish(summary: dict | None) -> None:
    """The audit run's last task: fails when anything failed."""
    run = run_summary.finish(RunSummary.from_xcom(summary) if summary is not None else None)
    log.info("audit returns run succeeded; published %s", ", ".join(run.published) or "nothing")
