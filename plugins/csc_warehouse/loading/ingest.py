"""Ingestion: each delivery version in one transaction, its files read, COPYed and checked at the door."""

from __future__ import annotations

import logging
import time

import psycopg

from csc_warehouse import landing, warehouse
from csc_warehouse.landing import Delivery
from csc_warehouse.loading import ledger
from csc_warehouse.loading.copying import SourceCopy, copy_finding, keep_file_whole
from csc_warehouse.loading.door import DoorCheck, check_delivery_as_a_whole
from csc_warehouse.loading.outcomes import DeliveryOutcome, FileOutcome, Finding, Progress, Quarantine
from csc_warehouse.loading.source_rows import SourceRows
from csc_warehouse.readers import ReaderError, TableSource, read_file
from csc_warehouse.statuses import FileStatus, VersionStatus

log = logging.getLogger(__name__)


def ingest_path(path, *, url: str | None = None, progress: Progress = log.info) -> list[DeliveryOutcome]:
    """`csc ingest PATH`: a delivery folder, an authority folder, or the whole landing root."""
    return ingest_deliveries(landing.find_under(path), url=url, progress=progress)


def ingest_deliveries(
    deliveries: list[Delivery], *, url: str | None = None, progress: Progress = log.info
) -> list[DeliveryOutcome]:
    outcomes = []
    with warehouse.connect(url) as conn:
        for delivery in deliveries:
            outcomes.append(ingest_delivery(conn, delivery, progress=progress))
    return outcomes


def ingest_delivery(conn: psycopg.Connection, delivery: Delivery, *, progress: Progress = log.info) -> DeliveryOutcome:
    started = time.monotonic()
    file_hashes = delivery.file_hashes()
    outcome = DeliveryOutcome(
        la_code=delivery.la_code,
        extract_date=delivery.extract_date,
        sha256=delivery.version_sha256(file_hashes),
        status=VersionStatus.LOADING,
    )
    try:
        with conn.transaction():
            # JIT would compile the door's checks for longer than it then saves.
            conn.execute("set local jit = off")
            # Two runs loading the same folder at once queue here instead of both loading it.
            warehouse.lock_delivery(conn, delivery.la_code, delivery.extract_date)
            existing = ledger.version_loaded_before(conn, delivery, outcome.sha256)
            if existing:
                outcome.delivery_version_id, outcome.status = existing
                outcome.already_loaded = True
                progress(
                    f"{delivery.label}: these bytes were loaded before (version "
                    f"{outcome.delivery_version_id}, {outcome.status}); nothing to do"
                )
                return outcome
            outcome.delivery_version_id = ledger.new_version(conn, delivery, outcome.sha256, VersionStatus.LOADING)
            # What the raw tables' provenance columns default to, for this transaction (migration 008).
            conn.execute(
                "select set_config('csc.delivery_version_id', %s, true), set_config('csc.la_code', %s, true)",
                [str(outcome.delivery_version_id), delivery.la_code],
            )
            _load_files(conn, delivery, outcome, file_hashes, progress)
            check_delivery_as_a_whole(outcome)
            if outcome.findings:
                raise Quarantine()
            outcome.status = VersionStatus.LOADED  # through the door; the quality gate makes it accepted or rejected
            outcome.seconds = time.monotonic() - started
            ledger.record(conn, outcome)
    except Quarantine:
        outcome.status = VersionStatus.QUARANTINED
        outcome.reason = f"{len(outcome.findings)} finding(s) at the door; first: {outcome.findings[0].redacted()}"
        outcome.seconds = time.monotonic() - started
        with conn.transaction():
            outcome.delivery_version_id = ledger.new_version(conn, delivery, outcome.sha256, VersionStatus.QUARANTINED)
            ledger.record(conn, outcome)
    loaded = sum(f.rows_loaded for f in outcome.files)
    progress(
        f"{delivery.label}: {outcome.status} as version {outcome.delivery_version_id}, "
        f"{loaded:,} rows in {outcome.seconds:.2f}s" + (f" ({outcome.reason})" if outcome.reason else "")
    )
    return outcome


def _load_files(
    conn, delivery: Delivery, outcome: DeliveryOutcome, file_hashes: dict[str, str], progress: Progress
) -> None:
    for path in delivery.files:
        started = time.monotonic()
        try:
            sources = read_file(path)
        except ReaderError as error:
            outcome.files.append(
                FileOutcome(path.name, file_hashes[path.name], status=FileStatus.QUARANTINED, reason=error.message)
            )
            outcome.findings.append(Finding.of_problem(error.file_name, "", error.problem, error.row_label))
            progress(f"{delivery.label} {path.name}: cannot be read: {error.message}")
            continue
        for source in sources:
            if source.la_code_in_file and source.la_code_in_file != delivery.la_code:
                source.warnings.append(
                    f"the file says LA {source.la_code_in_file}; the folder's "
                    f"{delivery.la_code} is used (the folder wins)"
                )
            result = FileOutcome(path.name, file_hashes[path.name], sheet=source.sheet)
            outcome.files.append(result)
            if source.table is None:
                result.reason = "; ".join(source.warnings) or "not a table the warehouse knows"
                progress(f"{delivery.label} {result.label}: ignored ({result.reason})")
                continue
            result.table_name = source.table.name
            findings = _load_source(conn, outcome, source, result)
            result.seconds, started = time.monotonic() - started, time.monotonic()
            what = f"{delivery.label} {result.label}: {source.table.title}, {result.rows_read:,} rows read"
            if findings:
                result.status = FileStatus.QUARANTINED
                result.reason = f"{len(findings)} finding(s); first: {findings[0]}"
                outcome.findings.extend(findings)
                progress(f"{what}, quarantined: {result.reason}")
                continue
            result.status = FileStatus.ACCEPTED  # at the door; the version's status says what became of it
            if source.keep_file_whole:
                keep_file_whole(conn, outcome, path, file_hashes[path.name])
            result.reason = "; ".join(source.warnings) or None
            progress(
                f"{what}, {result.rows_loaded:,} loaded in {result.seconds:.2f}s"
                + (f" ({result.reason})" if result.reason else "")
            )


def _load_source(conn, outcome: DeliveryOutcome, source: TableSource, result: FileOutcome) -> list[Finding]:
    """COPY one table source into raw and check it at the door; returns its findings.

    A finding quarantines the delivery: its transaction then rolls back, taking every row of it out
    of raw again.
    """
    findings = [
        Finding.of_problem(source.file_name, source.sheet, problem, source.row_label) for problem in source.problems
    ]
    findings += [
        Finding(
            source.file_name,
            source.first_data_row - 1,
            column,
            None,
            "required-column",
            f"the header row has no {column} column ({source.table.title} needs {', '.join(source.table.required)})",
            source.sheet,
        )
        for column in source.missing_required()
    ]
    if findings:
        return findings
    rows = SourceRows.of(outcome, source)
    copy = SourceCopy(conn, rows, len(outcome.files))
    try:
        result.rows_read = copy.copy()
    except ReaderError as error:
        return [Finding.of_problem(source.file_name, source.sheet, error.problem, source.row_label)]
    except psycopg.errors.DataError as error:  # ragged rows, bad quoting, bytes not in the encoding
        return [copy_finding(source, error, copy.copy_columns)]
    result.rows_loaded, findings = DoorCheck(conn, rows).check(result.rows_read)
    return findings
