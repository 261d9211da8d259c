"""The audit-returns run, step by step: each function is one task of the `audit_returns` DAG.

A case-audit return (contract 1.3) arrives in an authority's delivery folder like the weekly
extracts. The run ingests every delivery under the landing area that holds an audit return and has
not been loaded, puts newly loaded versions through the quality gate, builds audit_results with dbt
(the DAG's Cosmos task group selects it and what it reads), checks it and publishes it through the
same write-audit-publish path as the weekly run, recording the run in dq.runs.

The DAG is scheduled on the asset `csc://landing/audit_returns`, which the weekly DAG updates when
its ingest loaded an audit return; `csc run-audits` runs it by hand. After a weekly run that
published audit_results already, the triggered run publishes the same figures again, unless the
weekly run kept an authority's published rows back for a problem elsewhere: the audit results,
checked on their own, then publish. Every function takes plain values and works without Airflow.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path

from csc_warehouse import landing, publishing, quality, runs, settings, tables, warehouse
from csc_warehouse.readers import ReaderError, read_file
from csc_warehouse.statuses import FileStatus, VersionStatus

log = logging.getLogger(__name__)

DAG_ID = "audit_returns"
ASSET_NAME = "audit_returns"
ASSET_URI = "csc://landing/audit_returns"
MARTS = ["audit_results"]
DBT_SELECT = ["+audit_results"]  # the mart and every model it reads
# Audit returns are CSV or workbooks; an XML file is never one (and reading a big one to find out is slow).
AUDIT_FORMATS = (".csv", ".txt", ".xlsx", ".xlsm")


def plan(logical_date: datetime | None, landing_dir: str | None) -> dict:
    """The run's date (the logical date's day in London, else today's) and landing area."""
    moment = logical_date or datetime.now(runs.LONDON)
    as_at = moment.astimezone(runs.LONDON).date()
    folder = str(Path(landing_dir) if landing_dir else settings.landing_dir())
    log.info("audit returns run of %s, landing area %s", as_at, folder)
    return {"as_at": as_at.isoformat(), "landing": folder}


def holds_an_audit_return(delivery: landing.Delivery) -> bool:
    for path in delivery.files:
        if path.suffix.lower() not in AUDIT_FORMATS:
            continue
        try:
            sources = read_file(path)
        except ReaderError:
            continue  # unreadable: the ingest that loads the folder says so
        if any(source.table is tables.AUDIT_ANSWERS for source in sources):
            return True
    return False


def find_arrived(run_plan: dict) -> list[str]:
    """Delivery folders holding an audit return whose bytes the ledger has not seen, oldest first."""
    found = []
    deliveries = [d for d in landing.find_deliveries(Path(run_plan["landing"])) if holds_an_audit_return(d)]
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
    """How many audit-return files (or sheets) an ingest loaded just now: the weekly DAG's trigger."""
    newly_loaded = [
        o for o in outcomes or [] if o.get("status") == VersionStatus.LOADED and not o.get("already_loaded")
    ]
    return sum(
        1
        for outcome in newly_loaded
        for file in outcome.get("files") or []
        if file.get("table_name") == tables.AUDIT_ANSWERS.name and file.get("status") == FileStatus.ACCEPTED
    )


def check_marts(run_id: str, run_plan: dict) -> dict:
    """The gate on audit_results only: the marts this run builds and publishes."""
    suites = [suite for suite in quality.load_suites(scope="mart") if suite.schema_and_table[1] in MARTS]
    return quality.check_marts(run_id, run_plan["as_at"], suites=suites)


def publish(run_id: str, delivery_verdict: dict, mart_verdict: dict) -> list[str]:
    if mart_verdict["blocked_everywhere"]:
        log.error("a blocking audit_results check failed for every authority or errored: reporting left as it was")
        return []
    return publishing.publish(run_id, MARTS, kept_la_codes=runs.authorities_to_keep(delivery_verdict, mart_verdict))


def summarise(
    run_id: str,
    run_plan: dict | None,
    outcomes: list[dict] | None,
    delivery_verdict: dict | None,
    mart_verdict: dict | None,
    published: list[str] | None,
) -> dict:
    """What the run did, recorded in dq.runs under this DAG's id; `failed` decides its final state."""
    errors = []
    for value, step in (
        (run_plan, "planning"),
        (outcomes, "ingestion"),
        (delivery_verdict, "the delivery checks"),
        (mart_verdict, "the dbt build or the audit_results checks"),
        (published, "publication"),
    ):
        if value is None:
            errors.append(f"{step} did not finish (see its task log)")
    if mart_verdict and mart_verdict["blocked_everywhere"]:
        errors.append("a blocking audit_results check failed or errored: nothing was published")
    elif mart_verdict and mart_verdict["kept_la_codes"]:
        errors.append("blocking checks kept the published audit results of " + ", ".join(mart_verdict["kept_la_codes"]))
    checked = {v["delivery_version_id"]: v for v in (delivery_verdict or {}).get("versions", [])}
    deliveries = [
        {
            key: outcome.get(key)
            for key in ("la_code", "extract_date", "delivery_version_id", "status", "reason", "already_loaded")
        }
        for outcome in outcomes or []
    ]
    for delivery in deliveries:
        if delivery["delivery_version_id"] in checked:
            delivery["status"] = checked[delivery["delivery_version_id"]]["status"]
    quarantined = [d for d in deliveries if d["status"] == VersionStatus.QUARANTINED]
    rejected = [d for d in deliveries if d["status"] == VersionStatus.REJECTED]
    if quarantined:
        errors.append(f"{len(quarantined)} delivery version(s) quarantined at the door")
    if rejected:
        errors.append(f"{len(rejected)} delivery version(s) rejected by the quality gate")
    results = (delivery_verdict or {}).get("results", []) + (mart_verdict or {}).get("results", [])
    as_at = (run_plan or {}).get("as_at") or date.today().isoformat()
    summary = {
        "run_id": run_id,
        "as_at": as_at,
        "failed": bool(errors),
        "errors": errors,
        "deliveries": deliveries,
        "checks": len(results),
        "failed_checks": [r for r in results if not r["success"]],
        "kept_la_codes": runs.authorities_to_keep(delivery_verdict, mart_verdict),
        "published": published or [],
    }
    with warehouse.connect() as conn:
        conn.execute(
            "insert into dq.runs (run_id, dag_id, as_at, finished_at, state, summary)"
            " values (%s, %s, %s, now(), %s, %s) on conflict (run_id) do update set finished_at = now(),"
            " state = excluded.state, summary = excluded.summary",
            [run_id, DAG_ID, as_at, "failed" if errors else "success", json.dumps(summary, default=str)],
        )
    log.info(
        "audit returns run summary: %s",
        json.dumps({k: v for k, v in summary.items() if k != "failed_checks"}, default=str, indent=2),
    )
    return summary


def finish(summary: dict | None) -> None:
    if summary is None:
        raise runs.RunFailed("the run summary was not written; see the summarise task's log")
    if summary["errors"]:
        raise runs.RunFailed("; ".join(summary["errors"]))
    log.info("audit returns run succeeded; published %s", ", ".join(summary["published"]) or "nothing")
