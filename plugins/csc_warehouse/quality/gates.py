"""The two gates of a run.

- The delivery gate checks every newly loaded delivery version: one Great Expectations validation
  per suite, whose `{batch}` is the rows of all those versions in a raw table (or its typed view
  raw.<table>_typed), then each failed expectation's rows counted per version (deliveries.py). Each
  version gets its own results and verdict, as if checked alone. A `block` failure rejects the
  version: its authority's published figures stay those of its last accepted version.
- The mart gate checks the marts dbt built in the build schema before publication. A `block`
  failure on an authority's rows keeps that authority's published rows as they were.
A check that errors, rather than fails, counts as `block`. Every result goes to dq.validations,
the flagged records (pseudonymous key, dates and codes only) to dq.flagged_records.
"""

from __future__ import annotations

import logging
from datetime import date

from csc_warehouse import warehouse
from csc_warehouse.handoffs import CheckResult, DeliveryVerdict, MartVerdict, Scope, VersionVerdict
from csc_warehouse.quality.deliveries import (
    VersionUnderCheck,
    materialized_batch,
    placeholder_values,
    split_per_version,
)
from csc_warehouse.quality.gx import GxRun, run_suite
from csc_warehouse.quality.results import record
from csc_warehouse.quality.suites import Suite, load_suites, suite_parameters
from csc_warehouse.statuses import FileStatus, VersionStatus

log = logging.getLogger(__name__)


def versions_to_check(conn) -> list[tuple[int, str, date]]:
    """The loaded versions no gate has checked, locked until the caller's transaction ends: a gate
    running beside this one skips them rather than checking them twice."""
    return conn.execute(
        "select delivery_version_id, la_code, extract_date from ledger.delivery_versions"
        " where status = %s order by extract_date, la_code, delivery_version_id"
        " for no key update skip locked",
        [VersionStatus.LOADED],
    ).fetchall()


def _versions_delivering(conn, versions: list[VersionUnderCheck]) -> dict[str, list[VersionUnderCheck]]:
    """For each suite table (raw.<table> and its typed view raw.<table>_typed, migration 008), the
    versions under check that delivered it."""
    rows = conn.execute(
        "select delivery_version_id, table_name from ledger.delivery_files"
        " where delivery_version_id = any(%s) and status = %s",
        [[v.delivery_version_id for v in versions], FileStatus.ACCEPTED],
    ).fetchall()
    delivered = {(version_id, table) for version_id, table in rows}
    return {
        f"raw.{table}{view}": [v for v in versions if (v.delivery_version_id, table) in delivered]
        for table in {table for _version_id, table in rows}
        for view in ("", "_typed")
    }


def _rejection_reason(blocking: list[CheckResult]) -> str | None:
    """The ledger's reason for a rejected version: how many blocking checks failed, and the first."""
    if not blocking:
        return None
    first = blocking[0]
    return (
        f"{len(blocking)} blocking check(s) failed; first: {first.table}.{first.expectation}"
        + (f" (DfE rule {first.rule})" if first.rule else "")
        + (f" on {first.unexpected_count} row(s)" if first.unexpected_count else "")
        + (f": {first.error}" if first.error else "")
    )


def _check_suites(
    conn, gx_run: GxRun, suites: list[Suite], versions: list[VersionUnderCheck], run_id: str, url: str | None
):
    """Each delivery suite validated once, on the rows of every version under check that delivered its
    table; its results split per version. Returns each version's results (in suite order) and the
    flagged rows of each failure."""
    delivering = _versions_delivering(conn, versions)
    per_version: dict[int, list[CheckResult]] = {v.delivery_version_id: [] for v in versions}
    flagged = {}
    for suite in suites:
        covered = delivering.get(suite.table, [])
        if not covered:
            continue
        values = placeholder_values(suite, covered)
        with warehouse.connect(url) as checking:
            checking.autocommit = True  # its batch table is seen by GX, and dropped with no lock held on it
            with materialized_batch(checking, suite, covered) as batch_table:
                name = f"{suite.name}_{run_id}"
                suite_results = run_suite(gx_run, suite, name, f"select * from {batch_table}", values)
                suite_per_version, suite_flagged = split_per_version(
                    checking, suite, suite_results, covered, batch_table
                )
        for version_id, results in suite_per_version.items():
            per_version[version_id] += results
        flagged.update(suite_flagged)
    return per_version, flagged


def check_deliveries(run_id: str, *, url: str | None = None, suites: list[Suite] | None = None) -> DeliveryVerdict:
    """Check every loaded-but-unchecked delivery version; accept or reject each."""
    suites = suites if suites is not None else load_suites(scope=Scope.DELIVERY)
    with warehouse.connect(url) as conn:
        versions = [VersionUnderCheck(*row) for row in versions_to_check(conn)]
        if not versions:
            log.info("no newly loaded delivery version to check")
            return DeliveryVerdict()
        gx_run = GxRun(url)
        per_version, flagged = _check_suites(conn, gx_run, suites, versions, run_id, url)
        results: list[CheckResult] = []
        verdicts: list[VersionVerdict] = []
        for version in versions:
            version_results = per_version[version.delivery_version_id]
            blocking = [r for r in version_results if r.blocks]
            status = VersionStatus.REJECTED if blocking else VersionStatus.ACCEPTED
            reason = _rejection_reason(blocking)
            conn.execute(
                "update ledger.delivery_versions set status = %s, reason = coalesce(%s, reason),"
                " checked_at = now(), checked_by_run = %s where delivery_version_id = %s",
                [status, reason, run_id, version.delivery_version_id],
            )
            log.log(
                logging.WARNING if blocking else logging.INFO,
                "delivery %s/%s version %s: %s%s",
                version.la_code,
                version.extract_date,
                version.delivery_version_id,
                status,
                f" ({reason})" if reason else "",
            )
            verdicts.append(
                VersionVerdict(
                    version.delivery_version_id, version.la_code, version.extract_date.isoformat(), status, reason
                )
            )
            results += version_results
        conn.commit()
    record(run_id, results, suites, url, flagged=flagged)
    docs = gx_run.build_data_docs()
    return DeliveryVerdict(versions=tuple(verdicts), results=tuple(results), data_docs=str(docs))


def check_marts(run_id: str, as_at: str, *, url: str | None = None, suites: list[Suite] | None = None) -> MartVerdict:
    """Check the built marts; a blocking failure keeps the failing authorities' published rows."""
    suites = suites if suites is not None else load_suites(scope=Scope.MART)
    gx_run = GxRun(url)
    results: list[CheckResult] = []
    for suite in suites:
        schema, table = suite.schema_and_table
        values = {**suite_parameters(suite), "as_at": f"date '{date.fromisoformat(as_at)}'", "schema": schema}
        query = f'select * from "{schema}"."{table}"'
        results += run_suite(gx_run, suite, f"{suite.name}_{as_at}", query, values, as_at=as_at)
    record(run_id, results, suites, url)
    docs = gx_run.build_data_docs()
    blocking = [r for r in results if r.blocks]
    # A blocking failure that no authority's rows explain (or an error) keeps every authority back.
    blocked_everywhere = any(r.errored or not r.failing_la_codes for r in blocking)
    kept = sorted({code for r in blocking for code in r.failing_la_codes})
    return MartVerdict(
        results=tuple(results),
        blocked_everywhere=blocked_everywhere,
        kept_la_codes=tuple(kept),
        data_docs=str(docs),
    )
