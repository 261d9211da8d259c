"""The two gates of a run.

- The delivery gate checks each newly loaded delivery version on its own (`{batch}` is that
  version's rows of a raw table, or of its typed view raw.<table>_typed, `{version}` its id). A
  `block` failure rejects the version: its authority's published figures stay those of its last
  accepted version.
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
from csc_warehouse.quality.gx import GxRun, run_suite
from csc_warehouse.quality.results import record
from csc_warehouse.quality.suites import Suite, load_suites, suite_parameters
from csc_warehouse.statuses import FileStatus, VersionStatus

log = logging.getLogger(__name__)


def versions_to_check(conn) -> list[tuple[int, str, date]]:
    return conn.execute(
        "select delivery_version_id, la_code, extract_date from ledger.delivery_versions"
        " where status = %s order by extract_date, la_code, delivery_version_id",
        [VersionStatus.LOADED],
    ).fetchall()


def _tables_in(conn, version: int) -> set[str]:
    """The suite tables a version delivered: raw.<table>, and its typed view raw.<table>_typed (migration 008)."""
    rows = conn.execute(
        "select table_name from ledger.delivery_files where delivery_version_id = %s and status = %s",
        [version, FileStatus.ACCEPTED],
    ).fetchall()
    return {f"raw.{name}{view}" for (name,) in rows for view in ("", "_typed")}


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


def _check_version(
    conn, gx_run: GxRun, suites: list[Suite], version: int, la_code: str, extract_date: date
) -> list[CheckResult]:
    """Every delivery suite whose table the version delivered, on that version's rows."""
    present = _tables_in(conn, version)
    results: list[CheckResult] = []
    for suite in suites:
        if suite.table not in present:
            continue
        values = {**suite_parameters(suite), "version": version, "as_at": f"date '{extract_date}'"}
        query = f"select * from {suite.table} where delivery_version_id = {int(version)}"
        results += run_suite(
            gx_run,
            suite,
            f"{suite.name}_v{version}",
            query,
            values,
            delivery_version_id=version,
            la_code=la_code,
            as_at=extract_date.isoformat(),
        )
    return results


def check_deliveries(run_id: str, *, url: str | None = None, suites: list[Suite] | None = None) -> DeliveryVerdict:
    """Check every loaded-but-unchecked delivery version; accept or reject each."""
    suites = suites if suites is not None else load_suites(scope=Scope.DELIVERY)
    with warehouse.connect(url) as conn:
        versions = versions_to_check(conn)
        if not versions:
            log.info("no newly loaded delivery version to check")
            return DeliveryVerdict()
        gx_run = GxRun(url)
        results: list[CheckResult] = []
        verdicts: list[VersionVerdict] = []
        for version, la_code, extract_date in versions:
            version_results = _check_version(conn, gx_run, suites, version, la_code, extract_date)
            blocking = [r for r in version_results if r.blocks]
            status = VersionStatus.REJECTED if blocking else VersionStatus.ACCEPTED
            reason = _rejection_reason(blocking)
            conn.execute(
                "update ledger.delivery_versions set status = %s, reason = coalesce(%s, reason),"
                " checked_at = now(), checked_by_run = %s where delivery_version_id = %s",
                [status, reason, run_id, version],
            )
            log.log(
                logging.WARNING if blocking else logging.INFO,
                "delivery %s/%s version %s: %s%s",
                la_code,
                extract_date,
                version,
                status,
                f" ({reason})" if reason else "",
            )
            verdicts.append(VersionVerdict(version, la_code, extract_date.isoformat(), status, reason))
            results += version_results
        conn.commit()
    record(run_id, results, suites, url)
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
