"""The ledger's rows for a delivery version: the version, its files and its door findings."""

from __future__ import annotations

import psycopg

from csc_warehouse.landing import Delivery
from csc_warehouse.loading.outcomes import DeliveryOutcome
from csc_warehouse.statuses import FileStatus, VersionStatus


def version_loaded_before(
    conn: psycopg.Connection, delivery: Delivery, sha256: str
) -> tuple[int, VersionStatus] | None:
    """The version these bytes were loaded as before, and its status; None for bytes never seen."""
    existing = conn.execute(
        "select delivery_version_id, status from ledger.delivery_versions"
        " where la_code = %s and extract_date = %s and sha256 = %s",
        [delivery.la_code, delivery.extract_date, sha256],
    ).fetchone()
    if existing is None:
        return None
    version, status = existing
    return version, VersionStatus(status)


def new_version(conn: psycopg.Connection, delivery: Delivery, sha256: str, status: VersionStatus) -> int:
    """A new delivery version in the ledger; returns its id."""
    return conn.execute(
        "insert into ledger.delivery_versions (la_code, extract_date, sha256, folder, status)"
        " values (%s, %s, %s, %s, %s) returning delivery_version_id",
        [delivery.la_code, delivery.extract_date, sha256, str(delivery.folder), status],
    ).fetchone()[0]


def record(conn: psycopg.Connection, outcome: DeliveryOutcome) -> None:
    """Write the version's ledger rows (its status, files and findings) in the current transaction."""
    quarantined = outcome.status == VersionStatus.QUARANTINED
    conn.execute(
        "update ledger.delivery_versions set status = %s, reason = %s, files = %s, rows_loaded = %s,"
        " finished_at = now(), seconds = %s where delivery_version_id = %s",
        [
            outcome.status,
            outcome.reason,
            len({f.file_name for f in outcome.files}),
            0 if quarantined else sum(f.rows_loaded for f in outcome.files),
            round(outcome.seconds, 3),
            outcome.delivery_version_id,
        ],
    )
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into ledger.delivery_files (delivery_version_id, file_name, sheet, sha256, table_name,"
            " status, reason, rows_read, rows_loaded, seconds)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    outcome.delivery_version_id,
                    f.file_name,
                    f.sheet,
                    f.sha256,
                    f.table_name,
                    FileStatus.QUARANTINED if quarantined and f.status != FileStatus.IGNORED else f.status,
                    f.reason,
                    f.rows_read,
                    0 if quarantined else f.rows_loaded,
                    round(f.seconds, 3),
                )
                for f in outcome.files
            ],
        )
        cursor.executemany(
            "insert into ledger.door_findings (delivery_version_id, file_name, sheet, row_number,"
            " column_name, value, rule, message) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    outcome.delivery_version_id,
                    f.file_name,
                    f.sheet,
                    f.row_number,
                    f.column_name,
                    f.value,
                    f.rule,
                    f.message,
                )
                for f in outcome.findings
            ],
        )
