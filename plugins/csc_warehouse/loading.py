"""Loading: the door checks, COPY into `raw`, the ledger and quarantine.

One delivery version is one transaction: either every file of it is in `raw` and the ledger says
`accepted`, or nothing of it is and the ledger says `quarantined` with the findings (file, row,
column, value, rule). Rows are streamed with COPY into a temporary text table; PostgreSQL then
checks and types them in SQL, which is faster than doing either in Python.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

import psycopg
from psycopg import sql

from csc_warehouse import landing, warehouse
from csc_warehouse.landing import Delivery
from csc_warehouse.readers import ReaderError, TableSource, read_file
from csc_warehouse.tables import TableSpec

log = logging.getLogger(__name__)

FINDINGS_PER_CHECK = 100
SSDA903_REQUIRED_TABLES = ("ssda903_header", "ssda903_episodes")


@dataclass
class Finding:
    file_name: str
    row_number: int | None
    column_name: str | None
    value: str | None
    rule: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        where = self.file_name + (f"[{self.sheet}]" if self.sheet else "")
        if self.row_number is not None:
            where += f" row {self.row_number}"
        if self.column_name:
            where += f" column {self.column_name}"
        return f"{where}: {self.message} [{self.rule}]"


@dataclass
class FileOutcome:
    file_name: str
    sha256: str
    sheet: str = ""
    table_name: str | None = None
    status: str = "ignored"
    reason: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    seconds: float = 0.0


@dataclass
class DeliveryOutcome:
    la_code: str
    extract_date: date
    sha256: str
    status: str  # accepted, quarantined, or the status of the version already loaded
    delivery_version_id: int | None = None
    already_loaded: bool = False
    reason: str | None = None
    files: list[FileOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.la_code}/{self.extract_date.isoformat()}"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["extract_date"] = self.extract_date.isoformat()
        data["findings"] = [str(finding) for finding in self.findings[:20]]
        return data


class Quarantine(Exception):
    """Raised inside the delivery's transaction so that nothing of it stays in raw."""


Progress = Callable[[str], None]


def ingest_deliveries(deliveries: list[Delivery], *, url: str | None = None,
                      progress: Progress = log.info) -> list[DeliveryOutcome]:
    outcomes = []
    with warehouse.connect(url) as conn:
        for delivery in deliveries:
            outcomes.append(ingest_delivery(conn, delivery, progress=progress))
    return outcomes


def ingest_delivery(conn: psycopg.Connection, delivery: Delivery, *,
                    progress: Progress = log.info) -> DeliveryOutcome:
    started = time.monotonic()
    file_hashes = delivery.file_hashes()
    outcome = DeliveryOutcome(la_code=delivery.la_code, extract_date=delivery.extract_date,
                              sha256=delivery.version_sha256(file_hashes), status="loading")
    try:
        with conn.transaction():
            # Two runs loading the same folder at once queue here instead of both loading it.
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"delivery:{delivery.label}"])
            existing = conn.execute(
                "select delivery_version_id, status from ledger.delivery_versions"
                " where la_code = %s and extract_date = %s and sha256 = %s",
                [delivery.la_code, delivery.extract_date, outcome.sha256],
            ).fetchone()
            if existing:
                outcome.delivery_version_id, outcome.status = existing
                outcome.already_loaded = True
                progress(f"{delivery.label}: these bytes were loaded before (version "
                         f"{outcome.delivery_version_id}, {outcome.status}); nothing to do")
                return outcome
            outcome.delivery_version_id = conn.execute(
                "insert into ledger.delivery_versions (la_code, extract_date, sha256, folder, status)"
                " values (%s, %s, %s, %s, 'loading') returning delivery_version_id",
                [delivery.la_code, delivery.extract_date, outcome.sha256, str(delivery.folder)],
            ).fetchone()[0]
            _load_files(conn, delivery, outcome, file_hashes, progress)
            _check_delivery_as_a_whole(outcome)
            if outcome.findings:
                raise Quarantine()
            outcome.status = "accepted"
            outcome.seconds = time.monotonic() - started
            _record(conn, outcome)
    except Quarantine:
        outcome.status = "quarantined"
        outcome.reason = f"{len(outcome.findings)} finding(s) at the door; first: {outcome.findings[0]}"
        outcome.seconds = time.monotonic() - started
        with conn.transaction():
            outcome.delivery_version_id = conn.execute(
                "insert into ledger.delivery_versions (la_code, extract_date, sha256, folder, status)"
                " values (%s, %s, %s, %s, 'quarantined') returning delivery_version_id",
                [delivery.la_code, delivery.extract_date, outcome.sha256, str(delivery.folder)],
            ).fetchone()[0]
            _record(conn, outcome)
    loaded = sum(f.rows_loaded for f in outcome.files)
    progress(f"{delivery.label}: {outcome.status} as version {outcome.delivery_version_id}, "
             f"{loaded} rows in {outcome.seconds:.2f}s" + (f" ({outcome.reason})" if outcome.reason else ""))
    return outcome


def _load_files(conn, delivery: Delivery, outcome: DeliveryOutcome, file_hashes: dict[str, str],
                progress: Progress) -> None:
    for path in delivery.files:
        file_started = time.monotonic()
        try:
            sources = read_file(path)
        except ReaderError as error:
            outcome.files.append(FileOutcome(path.name, file_hashes[path.name], status="quarantined",
                                             reason=error.message))
            outcome.findings.append(Finding(error.file_name, error.row, error.column, error.value,
                                            error.rule, error.message))
            progress(f"{delivery.label} {path.name}: cannot be read: {error.message}")
            continue
        for source in sources:
            result = FileOutcome(path.name, file_hashes[path.name], sheet=source.sheet)
            outcome.files.append(result)
            if source.table is None:
                result.reason = "; ".join(source.warnings) or "not a table the warehouse knows"
                progress(f"{delivery.label} {source.label}: ignored ({result.reason})")
                continue
            result.table_name = source.table.name
            findings = _load_source(conn, outcome, source, result)
            result.seconds = time.monotonic() - file_started
            if findings:
                result.status, result.reason = "quarantined", f"{len(findings)} finding(s); first: {findings[0]}"
                outcome.findings.extend(findings)
            else:
                result.status = "accepted"
            progress(f"{delivery.label} {source.label}: {source.table.name}, {result.rows_read} rows read, "
                     f"{result.rows_loaded} loaded, {result.status} in {result.seconds:.2f}s")


def _check_delivery_as_a_whole(outcome: DeliveryOutcome) -> None:
    tables_present = {f.table_name for f in outcome.files if f.table_name}
    if any(name.startswith("ssda903_") for name in tables_present):
        for required in SSDA903_REQUIRED_TABLES:
            if required not in tables_present:
                outcome.findings.append(Finding(
                    "(delivery)", None, None, None, "required-table",
                    f"an SSDA903 delivery must hold the {required.removeprefix('ssda903_').title()} table; "
                    "no file in the folder has its columns"))
    for table_name in tables_present:
        if sum(1 for f in outcome.files if f.table_name == table_name) > 1:
            outcome.findings.append(Finding(
                "(delivery)", None, None, None, "duplicate-table",
                f"more than one file holds the {table_name} table: "
                + ", ".join(f.file_name for f in outcome.files if f.table_name == table_name)))


# -- one table source ------------------------------------------------------------------------

def _temp_columns(source: TableSource) -> list[sql.Identifier]:
    return [sql.Identifier(f"c{index}") for index in range(len(source.header))]


def _load_source(conn, outcome: DeliveryOutcome, source: TableSource, result: FileOutcome) -> list[Finding]:
    missing = source.missing_required()
    if missing:
        return [Finding(source.file_name, 1, column, None, "required-column",
                        f"required column {column} is missing from the header row", source.sheet)
                for column in missing]
    temp = sql.Identifier(f"load_{len(outcome.files)}")
    columns = _temp_columns(source)
    conn.execute(sql.SQL("create temp table {} (source_row bigint generated always as identity, {})"
                         " on commit drop").format(temp, sql.SQL(", ").join(
                             sql.SQL("{} text").format(c) for c in columns)))
    copy_error = _copy_into_temp(conn, source, temp, columns)
    if copy_error:
        return [copy_error]
    table = source.table
    column_of = {name: sql.Identifier(f"c{index}") for index, name in enumerate(source.mapped) if name}
    not_blank_row = sql.SQL(" or ").join(
        sql.SQL("nullif(btrim({}), '') is not null").format(c) for c in columns)
    result.rows_read = conn.execute(sql.SQL("select count(*) from {}").format(temp)).fetchone()[0]
    findings = _door_findings(conn, source, table, temp, column_of, not_blank_row)
    if findings:
        return findings
    result.rows_loaded = _insert_into_raw(conn, outcome, source, table, temp, column_of, not_blank_row)
    return []


def _copy_into_temp(conn, source: TableSource, temp, columns) -> Finding | None:
    try:
        with conn.transaction():  # a savepoint: a COPY error must not end the delivery's transaction
            if source.csv_chunks is not None:
                statement = sql.SQL("copy {} ({}) from stdin with (format csv, header true, encoding {})").format(
                    temp, sql.SQL(", ").join(columns), sql.Literal(source.csv_encoding))
                with conn.cursor().copy(statement) as copy:
                    for chunk in source.csv_chunks():
                        copy.write(chunk)
            else:
                statement = sql.SQL("copy {} ({}) from stdin").format(temp, sql.SQL(", ").join(columns))
                with conn.cursor().copy(statement) as copy:
                    for row in source.rows():
                        copy.write_row(row)
    except psycopg.errors.DataError as error:
        context = (error.diag.context or "").strip()
        line = None
        if ", line " in context:
            try:
                line = int(context.split(", line ")[1].split(",")[0].split(":")[0])
            except ValueError:
                line = None
        return Finding(source.file_name, line, None, None, "unreadable-row",
                       f"the file cannot be read as CSV: {error.diag.message_primary}", source.sheet)
    return None


def _door_findings(conn, source: TableSource, table: TableSpec, temp, column_of, not_blank_row) -> list[Finding]:
    checks: list[tuple[str, str, sql.Composable, str]] = []
    for column in table.not_blank:
        if column in column_of:
            checks.append((column, "not-blank", sql.SQL("nullif(btrim({}), '') is null").format(column_of[column]),
                           f"{column} is blank"))
    for column in table.dates:
        if column in column_of:
            checks.append((column, "date-format", sql.SQL(
                "nullif(btrim({c}), '') is not null and raw.parse_date({c}) is null").format(c=column_of[column]),
                f"{column} is not a date in DD/MM/YYYY (or YYYY-MM-DD)"))
    for column, codes in table.codes.items():
        if column in column_of:
            checks.append((column, "code-valid", sql.SQL(
                "raw.clean_code({c}) is not null and raw.clean_code({c}) <> all({codes})").format(
                    c=column_of[column], codes=sql.Literal(sorted(codes))),
                f"{column} is not a {column} code of any collection year since 2013/14"))
    findings = []
    for column, rule, condition, message in checks:
        rows = conn.execute(sql.SQL("select source_row, {c} from {t} where ({nb}) and ({cond}) order by source_row"
                                    " limit {n}").format(c=column_of[column], t=temp, nb=not_blank_row,
                                                         cond=condition, n=sql.Literal(FINDINGS_PER_CHECK)))
        for source_row, value in rows:
            findings.append(Finding(source.file_name, source_row + 1, column, value, rule, message, source.sheet))
    if table.one_row_per and all(column in column_of for column in table.one_row_per):
        key = sql.SQL(", ").join(sql.SQL("raw.clean_id({})").format(column_of[c]) for c in table.one_row_per)
        rows = conn.execute(sql.SQL(
            "select min(source_row), max(source_row), {k}, count(*) from {t} where {nb} group by {k}"
            " having count(*) > 1 order by 1 limit {n}").format(k=key, t=temp, nb=not_blank_row,
                                                                n=sql.Literal(FINDINGS_PER_CHECK)))
        for first, last, value, count, *_ in rows:
            findings.append(Finding(
                source.file_name, last + 1, ", ".join(table.one_row_per), value, "one-row-per-child",
                f"{count} rows for the same {', '.join(table.one_row_per)} (first at row {first + 1})",
                source.sheet))
    return findings


def _typed(table: TableSpec, column: str, source_column) -> sql.Composable:
    if column in table.ids:
        return sql.SQL("raw.clean_id({})").format(source_column)
    if column in table.dates:
        return sql.SQL("raw.parse_date({})").format(source_column)
    if column in table.codes:
        return sql.SQL("raw.clean_code({})").format(source_column)
    return sql.SQL("nullif(btrim({}), '')").format(source_column)


def _insert_into_raw(conn, outcome: DeliveryOutcome, source: TableSource, table: TableSpec, temp,
                     column_of, not_blank_row) -> int:
    kept = [column for column in table.columns if column in column_of]
    statement = sql.SQL(
        "insert into raw.{table} (delivery_version_id, la_code, source_file, source_row, {targets})"
        " select {version}, {la}, {file}, source_row + 1, {values} from {temp} where {nb}"
    ).format(
        table=sql.Identifier(table.name),
        targets=sql.SQL(", ").join(sql.Identifier(table.raw_column(c)) for c in kept),
        version=sql.Literal(outcome.delivery_version_id),
        la=sql.Literal(outcome.la_code),
        file=sql.Literal(source.label),
        values=sql.SQL(", ").join(_typed(table, c, column_of[c]) for c in kept),
        temp=temp,
        nb=not_blank_row,
    )
    return conn.execute(statement).rowcount


def _record(conn, outcome: DeliveryOutcome) -> None:
    """Write the version's ledger rows (its status, files and findings) in the current transaction."""
    loaded = sum(f.rows_loaded for f in outcome.files)
    conn.execute(
        "update ledger.delivery_versions set status = %s, reason = %s, files = %s, rows_loaded = %s,"
        " finished_at = now(), seconds = %s where delivery_version_id = %s",
        [outcome.status, outcome.reason, len({f.file_name for f in outcome.files}), loaded,
         round(outcome.seconds, 3), outcome.delivery_version_id],
    )
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into ledger.delivery_files (delivery_version_id, file_name, sheet, sha256, table_name,"
            " status, reason, rows_read, rows_loaded, seconds) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(outcome.delivery_version_id, f.file_name, f.sheet, f.sha256, f.table_name,
              f.status if outcome.status != "quarantined" or f.status == "ignored" else "quarantined",
              f.reason, f.rows_read, f.rows_loaded if outcome.status == "accepted" else 0, round(f.seconds, 3))
             for f in outcome.files],
        )
        cursor.executemany(
            "insert into ledger.door_findings (delivery_version_id, file_name, sheet, row_number, column_name,"
            " value, rule, message) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(outcome.delivery_version_id, f.file_name, f.sheet, f.row_number, f.column_name, f.value, f.rule,
              f.message) for f in outcome.findings],
        )


def ingest_path(path, *, url: str | None = None, progress: Progress = log.info) -> list[DeliveryOutcome]:
    """`csc ingest PATH`: a delivery folder, an authority folder, or the whole landing root."""
    return ingest_deliveries(landing.find_under(path), url=url, progress=progress)
