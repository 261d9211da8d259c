"""The delivery gate's batches: every version under check at once, one GX validation per suite.

Great Expectations costs about 1.9 s per validation whatever its rows (the heaviest rule's SQL takes
50 ms on one version of a national warehouse), so checking each of 150 versions on its own cost
282 s a week (issue 15). The gate now validates each suite once, on the rows of every version under
check (typed once into a table of the build schema, dropped again), and then splits each failed
expectation's rows per version with one grouped query: each version keeps its own results,
verdict and dq rows, exactly as when it was checked alone.

For that, every delivery expectation is written to be right over several versions at once: windows
partitioned by delivery_version_id as well as the child, self-joins matched on delivery_version_id,
and in delivery scope the gate's placeholders mean:
  {batch}     the rows of every version under check, each with its delivery_version_id and its
              version's extract date (the column version_extract_date);
  {as_at}     the row's own version's extract date (version_extract_date);
  {version}   the row's own version (delivery_version_id);
  {versions}  the ids of the versions under check, as an SQL list `(12, 13)`, for restricting another
              relation joined to the batch (PostgreSQL cannot carry the batch's list of versions
              across a join into a view's windows or onto a BRIN index; a literal list it can).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date

from psycopg import sql as pgsql

from csc_warehouse import settings
from csc_warehouse.handoffs import CheckResult
from csc_warehouse.quality.results import FLAGGED_RECORDS_PER_CHECK, FlaggedRecord, flagged_records
from csc_warehouse.quality.suites import Expectation, Suite, render, suite_parameters

# The column the batch adds to each row: its version's extract date, which {as_at} names.
EXTRACT_DATE_COLUMN = "version_extract_date"
# The columns the split query adds, left out of the flagged records with the one above.
_UNEXPECTED_COLUMN, _ROW_NUMBER_COLUMN = "csc_unexpected_in_version", "csc_row_in_version"
GATE_COLUMNS = {EXTRACT_DATE_COLUMN, _UNEXPECTED_COLUMN, _ROW_NUMBER_COLUMN}


@dataclass(frozen=True)
class VersionUnderCheck:
    delivery_version_id: int
    la_code: str
    extract_date: date


def version_list(versions: Sequence[VersionUnderCheck]) -> str:
    """The versions under check as an SQL list, `(12, 13)`."""
    return "(" + ", ".join(str(int(v.delivery_version_id)) for v in versions) + ")"


def batch_query(suite: Suite, versions: Sequence[VersionUnderCheck]) -> str:
    """The rows of every version under check of the suite's table, each with its version's extract date."""
    # PostgreSQL reads only the listed versions' blocks through raw's BRIN index (= any of a list).
    return (
        f"select batch_rows.*, versions.extract_date as {EXTRACT_DATE_COLUMN}"
        f" from {suite.table} as batch_rows"
        " join ledger.delivery_versions as versions using (delivery_version_id)"
        f" where batch_rows.delivery_version_id in {version_list(versions)}"
    )


def placeholder_values(suite: Suite, versions: Sequence[VersionUnderCheck]) -> dict:
    return {
        **suite_parameters(suite),
        "as_at": EXTRACT_DATE_COLUMN,
        "version": "delivery_version_id",
        "versions": version_list(versions),
    }


def _unexpected_per_version(conn, query: str) -> dict[int, tuple[int, list[dict]]]:
    """Each version's count of the rows `query` flags, and at most FLAGGED_RECORDS_PER_CHECK of them."""
    cursor = conn.execute(
        pgsql.SQL(
            "select * from (select flagged.*,"
            " count(*) over (partition by flagged.delivery_version_id) as {unexpected},"
            " row_number() over (partition by flagged.delivery_version_id) as {row_number}"
            " from ({query}) as flagged) as numbered where {row_number} <= {limit}"
        ).format(
            query=pgsql.SQL(query),
            unexpected=pgsql.Identifier(_UNEXPECTED_COLUMN),
            row_number=pgsql.Identifier(_ROW_NUMBER_COLUMN),
            limit=pgsql.Literal(FLAGGED_RECORDS_PER_CHECK),
        )
    )
    columns = [column.name for column in cursor.description]
    by_version: dict[int, tuple[int, list]] = {}
    for row in cursor.fetchall():
        values = dict(zip(columns, row, strict=True))
        count, rows = by_version.setdefault(values["delivery_version_id"], (values[_UNEXPECTED_COLUMN], []))
        rows.append(values)
    return by_version


@contextmanager
def materialized_batch(conn, suite: Suite, versions: Sequence[VersionUnderCheck]) -> Iterator[str]:
    """The batch typed once, into a table of the build schema the gate drops again; yields its name.
    `conn` is in autocommit, so that Great Expectations' own connection sees the table, and nothing
    else holds a lock on it when it is dropped.

    Typing raw's text (the raw.<table>_typed views) is most of what a check's SQL costs, and Great
    Expectations runs each check twice (its rows, their count): read from the view, the 150 versions
    of a national week were typed about 40 times over."""
    table = pgsql.Identifier(settings.build_schema(), f"gate_batch__{suite.name}__{uuid.uuid4().hex[:12]}")
    conn.execute(pgsql.SQL("create unlogged table {} as {}").format(table, pgsql.SQL(batch_query(suite, versions))))
    conn.execute(pgsql.SQL("analyze {}").format(table))
    try:
        yield table.as_string(conn)
    finally:
        conn.execute(pgsql.SQL("drop table if exists {}").format(table))


def split_per_version(
    conn, suite: Suite, suite_results: list[CheckResult], versions: Sequence[VersionUnderCheck], batch_table: str
) -> tuple[dict[int, list[CheckResult]], dict[tuple[str, str, int], list[FlaggedRecord]]]:
    """The suite's results on the batch as each version's own results (and each failure's flagged rows,
    keyed by suite, expectation and version). A suite or expectation that errored errored for every
    version; a failed expectation's rows are counted per version, and a version with none passed."""
    expectations = {e.name: e for e in suite.expectations}
    values = placeholder_values(suite, versions)
    batch = f"(select * from {batch_table})"
    per_version: dict[int, list[CheckResult]] = {v.delivery_version_id: [] for v in versions}
    flagged: dict[tuple[str, str, int], list[FlaggedRecord]] = {}
    for result in suite_results:
        counted, error = _count_failure(conn, expectations[result.expectation], result, values, batch)
        for version in versions:
            where = dict(
                delivery_version_id=version.delivery_version_id,
                la_code=version.la_code,
                as_at=version.extract_date.isoformat(),
            )
            if error or result.errored:
                version_result = replace(
                    result, success=False, errored=True, unexpected_count=None, error=result.error or error, **where
                )
            elif result.success:
                version_result = replace(result, unexpected_count=0, **where)
            else:
                count, records = counted.get(version.delivery_version_id, (0, []))
                version_result = replace(result, success=count == 0, unexpected_count=count, **where)
                if records:
                    flagged[(suite.name, result.expectation, version.delivery_version_id)] = flagged_records(
                        conn, records, la_code=version.la_code, hidden=GATE_COLUMNS
                    )
            per_version[version.delivery_version_id].append(version_result)
    return per_version, flagged


def _count_failure(conn, expectation: Expectation, result: CheckResult, values: dict, batch: str):
    """(each version's count and flagged rows, None) for a failed SQL check; (None, the error) if that fails."""
    if result.success or result.errored:
        return {}, None
    if not expectation.sql:
        return {}, "a delivery check must be SQL returning the offending rows, to be counted per version"
    query = render(expectation.sql, values).replace("{batch}", batch)
    try:
        with conn.transaction():
            return _unexpected_per_version(conn, query), None
    except Exception as error:  # e.g. the check's rows have no delivery_version_id column
        return {}, f"its rows could not be counted per delivery version: {error}".strip()
