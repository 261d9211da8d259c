"""The read-only questions `csc` asks the warehouse: any query as CSV, the ledger, the runs so far."""

from __future__ import annotations

import csv
from datetime import date
from typing import TextIO

from csc_warehouse import settings, warehouse

LEDGER_VERSIONS = (
    "select v.delivery_version_id as version, v.la_code, v.extract_date, v.status, v.received_at,"
    " left(v.sha256, 12) as sha256, f.file_name, f.sheet, f.table_name, f.status as file_status,"
    " f.rows_read, f.rows_loaded, f.seconds, coalesce(f.reason, v.reason) as reason"
    " from ledger.delivery_versions v left join ledger.delivery_files f using (delivery_version_id)"
    " order by v.delivery_version_id, f.file_name, f.sheet"
)
DOOR_FINDINGS = (
    "select delivery_version_id as version, file_name, sheet, row_number, column_name, value, rule,"
    " message from ledger.door_findings"
    " order by delivery_version_id, file_name, sheet, row_number nulls first"
)


def write_csv(statement: str, out: TextIO, role: str | None = None) -> None:
    """Run one statement (as `role`, if given) and write its rows, with a header, as CSV."""
    with warehouse.connect(role=role) as conn:
        cursor = conn.execute(statement)
        writer = csv.writer(out, lineterminator="\n")
        if cursor.description:
            writer.writerow([column.name for column in cursor.description])
            writer.writerows(cursor)
        conn.commit()


def write_ledger(out: TextIO) -> None:
    """Every delivery version, file by file, then every door finding: two CSV tables, oldest first."""
    write_csv(LEDGER_VERSIONS, out)
    out.write("\n")
    write_csv(DOOR_FINDINGS, out)


def last_successful_as_at(dag_id: str = settings.WEEKLY_DAG_ID) -> date | None:
    with warehouse.connect() as conn:
        return conn.execute(
            "select max(as_at) from dq.runs where dag_id = %s and state = 'success'", [dag_id]
        ).fetchone()[0]


def failed_check_count(run_id: str) -> int:
    """How many checks of a run failed (warnings, when the run published)."""
    with warehouse.connect() as conn:
        row = conn.execute(
            "select jsonb_array_length(coalesce(summary->'failed_checks', '[]')) from dq.runs where run_id = %s",
            [run_id],
        ).fetchone()
    return row[0] if row else 0


def run_errors(run_id: str) -> list[str]:
    """The errors a run's summary recorded: why it failed, in the run's own words."""
    with warehouse.connect() as conn:
        row = conn.execute(
            "select coalesce(summary->'errors', '[]') from dq.runs where run_id = %s", [run_id]
        ).fetchone()
    return list(row[0]) if row else []
