"""Recording results: every check's result into dq.validations, the rows a failed SQL check
flagged into dq.flagged_records (pseudonymous key, dates and codes only, never identifiers)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date

from psycopg import sql as pgsql

from csc_warehouse import warehouse
from csc_warehouse.handoffs import CheckResult
from csc_warehouse.quality.suites import Expectation, Suite, render, suite_parameters

log = logging.getLogger(__name__)

__all__ = [
    "CheckResult",
    "FLAGGED_RECORDS_PER_CHECK",
    "IDENTIFYING_COLUMNS",
    "FlaggedRecord",
    "flagged_records",
    "record",
]

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


# One flagged row as dq.flagged_records holds it: (la_code, child_key, record without identifiers).
FlaggedRecord = tuple[str | None, str | None, str]


def flagged_records(conn, rows: list[dict], *, la_code: str | None = None, hidden=frozenset()) -> list[FlaggedRecord]:
    """Rows a check flagged, as dq keeps them: each child's pseudonymous key (computed in one query),
    and the record without identifying columns nor the `hidden` ones."""
    has_key_function = conn.execute("select to_regprocedure('keys.child_key(text,text)') is not null").fetchone()[0]
    owners = [
        (row.get("la_code") or la_code, row.get("child") or row.get("child_id") or row.get("lachildid")) for row in rows
    ]
    wanted = [
        i for i, (la, child) in enumerate(owners) if rows[i].get("child_key") is None and la and child is not None
    ]
    keys = {i: rows[i].get("child_key") for i in range(len(rows))}
    if wanted and has_key_function:
        computed = conn.execute(
            "select keys.child_key(la_code, child) from unnest(%s::text[], %s::text[]) with ordinality"
            " as owners(la_code, child, position) order by position",
            [[owners[i][0] for i in wanted], [str(owners[i][1]) for i in wanted]],
        ).fetchall()
        keys.update({i: key for i, (key,) in zip(wanted, computed, strict=True)})
    flagged = []
    for i, row in enumerate(rows):
        kept = {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in row.items()
            if k.lower() not in IDENTIFYING_COLUMNS and k != "child_key" and k not in hidden
        }
        flagged.append((owners[i][0], keys[i], json.dumps(kept, default=str)))
    return flagged


def _flagged_rows(conn, suite: Suite, expectation: Expectation, result: CheckResult, values: dict):
    """The rows a failed SQL check flagged in a mart, as (la_code, child_key, record without identifiers)."""
    if not expectation.sql or result.errored:
        return []
    schema, table = suite.schema_and_table
    query = render(expectation.sql, values).replace("{batch}", f'"{schema}"."{table}"')
    cursor = conn.execute(
        pgsql.SQL("select * from ({}) as flagged limit {}").format(
            pgsql.SQL(query), pgsql.Literal(FLAGGED_RECORDS_PER_CHECK)
        )
    )
    columns = [c.name for c in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return flagged_records(conn, rows, la_code=result.la_code)


def record(
    run_id: str,
    results: list[CheckResult],
    suites: list[Suite],
    url: str | None,
    flagged: Mapping[tuple[str, str, int], list[FlaggedRecord]] | None = None,
) -> None:
    """Every result into dq.validations; a failed SQL check's rows into dq.flagged_records, which also
    tell each result the authorities it failed for and a few example child keys. The delivery gate
    gives each version's flagged rows (`flagged`, by suite, expectation and version); a mart's are
    selected here."""
    by_name = {(s.name, e.name): (s, e) for s in suites for e in s.expectations}
    with warehouse.connect(url) as conn:
        for result in results:
            suite, expectation = by_name[(result.suite, result.expectation)]
            values = {
                **suite_parameters(suite),
                "as_at": f"date '{result.as_at}'" if result.as_at else "current_date",
                "schema": suite.schema_and_table[0],
            }
            if result.success:
                rows = []
            elif flagged is not None:
                rows = flagged.get((result.suite, result.expectation, result.delivery_version_id), [])
            else:
                rows = _flagged_rows(conn, suite, expectation, result, values)
            result.failing_la_codes = sorted({la for la, _key, _record in rows if la})
            result.example_keys = [key for _la, key, _record in rows if key][:10]
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
            if rows:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "insert into dq.flagged_records (validation_id, la_code, child_key, record)"
                        " values (%s, %s, %s, %s)",
                        [(result.validation_id, *row) for row in rows],
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
