"""Recording results: every check's result into dq.validations, the rows a failed SQL check
flagged into dq.flagged_records (pseudonymous key, dates and codes only, never identifiers)."""

from __future__ import annotations

import json
import logging
from datetime import date

from psycopg import sql as pgsql

from csc_warehouse import warehouse
from csc_warehouse.handoffs import CheckResult
from csc_warehouse.quality.suites import Expectation, Suite, render, suite_parameters

log = logging.getLogger(__name__)

__all__ = ["CheckResult", "FLAGGED_RECORDS_PER_CHECK", "IDENTIFYING_COLUMNS", "record"]

FLAGGED_RECORDS_PER_CHECK = 500
# Never copied into dq: the analysts who read it see pseudonymous keys, dates and codes only.
IDENTIFYING_COLUMNS = {
    "child",
    "child_id",
    "lachildid",
    "upn",
    "dob",
    "mc_dob",
    "mother",
    "home_post",
    "pl_post",
    "urn",
    "personbirthdate",
    "birth_date",
    "name",
    "postcode",
    "sw_id",
}


def _flagged_rows(conn, suite: Suite, expectation: Expectation, result: CheckResult, values: dict):
    """The rows a failed SQL check flagged, as (la_code, child_key, record without identifiers)."""
    if not expectation.sql or result.errored:
        return []
    schema, table = suite.schema_and_table
    if result.delivery_version_id is not None:
        batch = f"(select * from {suite.table} where delivery_version_id = {int(result.delivery_version_id)})"
    else:
        batch = f'"{schema}"."{table}"'
    query = render(expectation.sql, values).replace("{batch}", batch)
    has_key_function = conn.execute("select to_regprocedure('keys.child_key(text,text)') is not null").fetchone()[0]
    cursor = conn.execute(
        pgsql.SQL("select * from ({}) as flagged limit {}").format(
            pgsql.SQL(query), pgsql.Literal(FLAGGED_RECORDS_PER_CHECK)
        )
    )
    columns = [c.name for c in cursor.description]
    flagged = []
    for row in cursor.fetchall():
        record = dict(zip(columns, row, strict=True))
        la_code = record.get("la_code") or result.la_code
        child = record.get("child") or record.get("child_id") or record.get("lachildid")
        key = record.get("child_key")
        if key is None and child is not None and la_code is not None and has_key_function:
            key = conn.execute("select keys.child_key(%s, %s)", [la_code, str(child)]).fetchone()[0]
        kept = {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in record.items()
            if k.lower() not in IDENTIFYING_COLUMNS and k != "child_key"
        }
        flagged.append((la_code, key, json.dumps(kept, default=str)))
    return flagged


def record(run_id: str, results: list[CheckResult], suites: list[Suite], url: str | None) -> None:
    """Every result into dq.validations; a failed SQL check's rows into dq.flagged_records, which also
    tell each result the authorities it failed for and a few example child keys."""
    by_name = {(s.name, e.name): (s, e) for s in suites for e in s.expectations}
    with warehouse.connect(url) as conn:
        for result in results:
            suite, expectation = by_name[(result.suite, result.expectation)]
            values = {
                **suite_parameters(suite),
                "version": result.delivery_version_id or 0,
                "as_at": f"date '{result.as_at}'" if result.as_at else "current_date",
                "schema": suite.schema_and_table[0],
            }
            flagged = [] if result.success else _flagged_rows(conn, suite, expectation, result, values)
            result.failing_la_codes = sorted({la for la, _key, _record in flagged if la})
            result.example_keys = [key for _la, key, _record in flagged if key][:10]
            result.validation_id = conn.execute(
                "insert into dq.validations (run_id, suite, scope, table_name, expectation, rule_code, severity,"
                " success, errored, unexpected_count, la_code, delivery_version_id, as_at, description, details)"
                " values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) returning validation_id",
                [
                    run_id,
                    result.suite,
                    result.scope,
                    result.table,
                    result.expectation,
                    result.rule,
                    result.severity,
                    result.success,
                    result.errored,
                    result.unexpected_count,
                    result.la_code,
                    result.delivery_version_id,
                    result.as_at,
                    result.why,
                    json.dumps({"error": result.error} if result.error else {}),
                ],
            ).fetchone()[0]
            if flagged:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "insert into dq.flagged_records (validation_id, la_code, child_key, record)"
                        " values (%s, %s, %s, %s)",
                        [(result.validation_id, *row) for row in flagged],
                    )
    for result in results:
        if not result.success:
            log.warning(
                "%s %s.%s%s: %s",
                result.severity,
                result.table,
                result.expectation,
                f" (rule {result.rule})" if result.rule else "",
                f"ERRORED: {result.error}" if result.errored else f"{result.unexpected_count} row(s)",
            )
