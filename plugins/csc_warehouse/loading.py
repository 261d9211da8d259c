"""Loading: the door checks, COPY into `raw`, the ledger and quarantine.

One delivery version is one transaction: either every file of it is in `raw` and the ledger says
`loaded` (the quality gate then makes it `accepted` or `rejected`), or nothing of it is and the
ledger says `quarantined` with the findings (file, row, column, value, rule). Each table source is
streamed with COPY into a temporary text table, then typed and checked by PostgreSQL in one
INSERT ... SELECT into raw.<table>.

That INSERT is the fast path: the common shapes of a value (DD/MM/YYYY, a code already clean) are
typed with the cheapest expression that is still exact, and a value failing a door check calls
raw.reject_row, whose error abandons the INSERT (it runs under a savepoint). Only then does loading
go through the temporary table check by check, with the strict raw.* functions, to name every
failing value. A good delivery, the common case, is read once.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

import psycopg
from psycopg import sql

from csc_warehouse import landing, tables, warehouse
from csc_warehouse.landing import Delivery
from csc_warehouse.readers import Problem, ReaderError, TableSource, read_file

log = logging.getLogger(__name__)

FINDINGS_PER_CHECK = 100
COPY_LINE = re.compile(r"line (\d+)(?:, column (\w+))?")
MISSING_COLUMN = re.compile(r'missing data for column "(c\d+)"')
TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}/\d{1,2}/\d{2}$")
DATE_SHAPED = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}.*)$")


@dataclass
class Finding:
    file_name: str
    row_number: int | None
    column_name: str | None
    value: str | None
    rule: str
    message: str
    sheet: str = ""
    row_label: str = "row"  # what the row number counts: a file row, or an XML <CHILD> element

    def __str__(self) -> str:
        where = self.file_name + (f"[{self.sheet}]" if self.sheet else "")
        if self.row_number is not None:
            where += f" {self.row_label} {self.row_number}"
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

    @property
    def label(self) -> str:
        return f"{self.file_name}[{self.sheet}]" if self.sheet else self.file_name


@dataclass
class DeliveryOutcome:
    la_code: str
    extract_date: date
    sha256: str
    status: str  # loaded (through the door) or quarantined; else the status of the version loaded before
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


class _FastPathRejected(Exception):
    """A door check failed in the fast INSERT: its savepoint is rolled back and the slow checks run."""


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
    new_version = ("insert into ledger.delivery_versions (la_code, extract_date, sha256, folder, status)"
                   " values (%s, %s, %s, %s, %s) returning delivery_version_id")
    try:
        with conn.transaction():
            # The fast path reads DD/MM/YYYY with PostgreSQL's own date input, which is day-first
            # only under DMY. JIT would compile the big INSERT for longer than it then saves.
            conn.execute("set local datestyle = 'ISO, DMY'")
            conn.execute("set local jit = off")
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
            outcome.delivery_version_id = conn.execute(new_version, [
                delivery.la_code, delivery.extract_date, outcome.sha256, str(delivery.folder), "loading",
            ]).fetchone()[0]
            _load_files(conn, delivery, outcome, file_hashes, progress)
            _check_delivery_as_a_whole(outcome)
            if outcome.findings:
                raise Quarantine()
            outcome.status = "loaded"  # through the door; the quality gate makes it accepted or rejected
            outcome.seconds = time.monotonic() - started
            _record(conn, outcome)
    except Quarantine:
        outcome.status = "quarantined"
        outcome.reason = f"{len(outcome.findings)} finding(s) at the door; first: {outcome.findings[0]}"
        outcome.seconds = time.monotonic() - started
        with conn.transaction():
            outcome.delivery_version_id = conn.execute(new_version, [
                delivery.la_code, delivery.extract_date, outcome.sha256, str(delivery.folder), "quarantined",
            ]).fetchone()[0]
            _record(conn, outcome)
    loaded = sum(f.rows_loaded for f in outcome.files)
    progress(f"{delivery.label}: {outcome.status} as version {outcome.delivery_version_id}, "
             f"{loaded:,} rows in {outcome.seconds:.2f}s"
             + (f" ({outcome.reason})" if outcome.reason else ""))
    return outcome


def _load_files(conn, delivery: Delivery, outcome: DeliveryOutcome, file_hashes: dict[str, str],
                progress: Progress) -> None:
    for path in delivery.files:
        started = time.monotonic()
        try:
            sources = read_file(path)
        except ReaderError as error:
            outcome.files.append(FileOutcome(path.name, file_hashes[path.name], status="quarantined",
                                             reason=error.message))
            outcome.findings.append(_finding(error.file_name, "", error.problem))
            progress(f"{delivery.label} {path.name}: cannot be read: {error.message}")
            continue
        for source in sources:
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
                result.status = "quarantined"
                result.reason = f"{len(findings)} finding(s); first: {findings[0]}"
                outcome.findings.extend(findings)
                progress(f"{what}, quarantined: {result.reason}")
                continue
            result.status = "accepted"  # at the door; the version's status says what became of it
            result.reason = "; ".join(source.warnings) or None
            progress(f"{what}, {result.rows_loaded:,} loaded in {result.seconds:.2f}s"
                     + (f" ({result.reason})" if result.reason else ""))


def _check_delivery_as_a_whole(outcome: DeliveryOutcome) -> None:
    """An SSDA903 delivery holds a Header and an Episodes table, and no table twice."""
    present = {f.table_name for f in outcome.files if f.table_name}
    if any(tables.TABLES_BY_NAME[name].source == "ssda903" for name in present):
        ignored = [f.label for f in outcome.files if f.status == "ignored"]
        for required in tables.SSDA903_REQUIRED_TABLES:
            if required.name not in present:
                outcome.findings.append(Finding(
                    "(delivery)", None, None, None, "required-table",
                    f"an SSDA903 delivery must hold the {required.title} table "
                    f"({', '.join(required.required)}); no file in the folder has its header row"
                    + (f" (ignored: {', '.join(ignored)})" if ignored else "")))
    for name in sorted(present):
        holders = [f.label for f in outcome.files if f.table_name == name]
        if len(holders) > 1:
            outcome.findings.append(Finding(
                "(delivery)", None, None, None, "duplicate-table",
                f"more than one file holds the {tables.TABLES_BY_NAME[name].title} table: "
                + ", ".join(holders)))


def _finding(file_name: str, sheet: str, problem: Problem, row_label: str = "row") -> Finding:
    return Finding(file_name, problem.row, problem.column, problem.value, problem.rule, problem.message,
                   sheet, row_label)


# -- one table source ----------------------------------------------------------------------------

class _Staging:
    """The temporary text table one source is copied into, and the SQL that reads it."""

    def __init__(self, conn, source: TableSource, name: str):
        self.conn, self.source, self.table = conn, source, source.table
        self.name = sql.Identifier(name)
        self.columns = [sql.Identifier(f"c{index}") for index in range(len(source.header))]
        self.column_of = {canonical: self.columns[index] for index, canonical in enumerate(source.mapped)
                          if canonical}
        self.kept = [column for column in self.table.columns if column in self.column_of]

    def create(self) -> None:
        # source_row counts as a person would: the file row (CSV, XLSX) or the XML <CHILD> element.
        self.conn.execute(sql.SQL(
            "create temp table {} (source_row bigint generated by default as identity (start with {}), {})"
            " on commit drop").format(
                self.name, sql.Literal(self.source.first_data_row),
                sql.SQL(", ").join(sql.SQL("{} text").format(column) for column in self.columns)))

    def drop(self) -> None:
        self.conn.execute(sql.SQL("drop table {}").format(self.name))

    def copy(self) -> int:
        """COPY the source in; returns the rows read. Raises psycopg.Error, or ReaderError from a reader."""
        cursor = self.conn.cursor()
        columns = sql.SQL(", ").join(self.columns)
        if self.source.csv_chunks is not None:
            statement = sql.SQL(
                "copy {} ({}) from stdin with (format csv, header true, encoding {}, delimiter {})").format(
                    self.name, columns, sql.Literal(self.source.csv_encoding),
                    sql.Literal(self.source.csv_delimiter))
            with cursor.copy(statement) as copy:
                for chunk in self.source.csv_chunks():
                    copy.write(chunk)
        else:
            statement = sql.SQL("copy {} (source_row, {}) from stdin").format(self.name, columns)
            with cursor.copy(statement) as copy:
                for row_number, values in self.source.rows():
                    copy.write_row([row_number, *values])
        return cursor.rowcount

    def row_has_data(self) -> sql.Composable:
        """Rows whose kept columns are all blank (Excel's trailing ",,,," rows) are not rows at all."""
        return sql.SQL(" or ").join(sql.SQL("nullif(btrim({}), '') is not null").format(self.column_of[c])
                                    for c in self.kept)

    def strict(self, column: str) -> sql.Composable:
        """The typed value by the door's rules: the raw.* functions, null for a value breaking them."""
        value = self.column_of[column]
        if column in self.table.ids:
            return sql.SQL("raw.clean_id({})").format(value)
        if column in self.table.dates:
            return sql.SQL("raw.parse_date({})").format(value)
        if column in self.table.codes:
            return sql.SQL("raw.clean_code({})").format(value)
        return sql.SQL("nullif(btrim({}), '')").format(value)

    def fast(self, column: str) -> sql.Composable:
        """The same typed value, cheaper for the common shapes; a failing value calls raw.reject_row."""
        value = self.column_of[column]
        reject = "raw.reject_row('{}')"
        if column in self.table.dates:
            # Digits in DD/MM/YYYY or YYYY-MM-DD shape: PostgreSQL reads them exactly (DMY is set)
            # and raises on an impossible date. Anything else takes the strict function.
            typed = sql.SQL(
                "case when {v} is null then null"
                " when {v} like '__/__/____' and btrim({v}, '/0123456789') = '' then {v}::date"
                " when {v} like '____-__-__' and btrim({v}, '-0123456789') = '' then {v}::date"
                " else coalesce(raw.parse_date({v}),"
                "   case when btrim({v}) = '' then null else raw.reject_row('date')::date end) end"
            ).format(v=value)
            reject += "::date"
        elif column in self.table.codes:
            typed = sql.SQL(
                "case when {v} = any({codes}) then {v}"
                " when raw.clean_code({v}) is null then null"
                " when raw.clean_code({v}) = any({codes}) then raw.clean_code({v})"
                " else raw.reject_row('code') end"
            ).format(v=value, codes=sql.Literal(sorted(self.table.codes[column])))
        elif column in self.table.ids:
            # No dot and no space at either end: clean_id would only upper-case it.
            typed = sql.SQL(
                "case when {v} like '%.%' or {v} like ' %' or {v} like '% ' then raw.clean_id({v})"
                " else nullif(upper({v}), '') end").format(v=value)
        else:
            # No space at either end: btrim would change nothing.
            typed = sql.SQL(
                "case when {v} like ' %' or {v} like '% ' then nullif(btrim({v}), '')"
                " else nullif({v}, '') end").format(v=value)
        if column in self.table.not_blank:
            return sql.SQL("coalesce({}, {})").format(typed, sql.SQL(reject.format("blank")))
        return typed


def _load_source(conn, outcome: DeliveryOutcome, source: TableSource, result: FileOutcome) -> list[Finding]:
    """Stage, check and insert one table source; returns its door findings (nothing loaded if any)."""
    findings = [_finding(source.file_name, source.sheet, problem, source.row_label)
                for problem in source.problems]
    findings += [Finding(source.file_name, source.first_data_row - 1, column, None, "required-column",
                         f"the header row has no {column} column ({source.table.title} needs "
                         f"{', '.join(source.table.required)})", source.sheet)
                 for column in source.missing_required()]
    if findings:
        return findings
    staging = _Staging(conn, source, f"load_{len(outcome.files)}")
    staging.create()
    try:
        with conn.transaction():  # a savepoint: a COPY error must not end the delivery's transaction
            result.rows_read = staging.copy()
    except ReaderError as error:
        return [_finding(source.file_name, source.sheet, error.problem, source.row_label)]
    except psycopg.errors.DataError as error:  # ragged rows, bad quoting, bytes not in the encoding
        return [_copy_finding(source, error)]
    try:
        with conn.transaction():
            result.rows_loaded = _insert_into_raw(conn, outcome, source, staging, staging.fast)
    except (_FastPathRejected, psycopg.errors.DataError, psycopg.errors.RaiseException):
        findings = _door_findings(conn, source, staging)
        if findings:
            return findings
        # The fast path refused a value the strict rules accept: a gap between the two, to close.
        log.warning("%s: the fast load path refused a value the door accepts; loaded by the strict rules",
                    source.label)
        result.rows_loaded = _insert_into_raw(conn, outcome, source, staging, staging.strict)
    staging.drop()
    return []


def _copy_finding(source: TableSource, error: psycopg.Error) -> Finding:
    """A COPY error as a finding: the row (COPY counts the header as line 1), the column if known."""
    line = COPY_LINE.search(error.diag.context or "")
    row = int(line.group(1)) + source.first_data_row - 2 if line else None
    message = error.diag.message_primary or str(error)
    # The staging columns are c0, c1...: the error's context or its message may name one.
    staging_column = (line.group(2) if line and line.group(2) else "") or "".join(
        MISSING_COLUMN.findall(message))
    column = None
    if staging_column[1:].isdigit():
        column = (source.header[int(staging_column[1:])] or "").strip() or None
    if message.startswith("missing data for column"):
        rule = "ragged-row"
        message = f"the row ends before column {column}: it has fewer values than the header row"
    elif message.startswith("extra data after last expected column"):
        rule, message = "ragged-row", "the row has more values than the header row has columns"
    elif isinstance(error, psycopg.errors.UntranslatableCharacter | psycopg.errors.CharacterNotInRepertoire):
        rule = "encoding"
        message = f"the row holds bytes that are neither UTF-8 nor Windows-1252 text: {message}"
    else:
        rule, message = "unreadable-row", f"the file cannot be read as CSV here: {message}"
    return Finding(source.file_name, row, column, None, rule, message, source.sheet)


def _insert_into_raw(conn, outcome: DeliveryOutcome, source: TableSource, staging: _Staging,
                     typed: Callable[[str], sql.Composable]) -> int:
    """One INSERT ... SELECT from the staging table; returns the rows inserted.

    A table with one row per child (Header) checks that in the same statement, over the rows the
    INSERT returns, rather than reading the staging table again.
    """
    table = source.table
    insert = sql.SQL(
        "insert into raw.{table} (delivery_version_id, la_code, source_file, source_row, {targets})"
        " select {version}, {la}, {file}, source_row, {values} from {staging} where {has_data}"
    ).format(
        table=sql.Identifier(table.name),
        targets=sql.SQL(", ").join(sql.Identifier(table.raw_column(c)) for c in staging.kept),
        version=sql.Literal(outcome.delivery_version_id),
        la=sql.Literal(outcome.la_code),
        file=sql.Literal(source.label),
        values=sql.SQL(", ").join(typed(c) for c in staging.kept),
        staging=staging.name,
        has_data=staging.row_has_data(),
    )
    if not table.one_row_per:
        return conn.execute(insert).rowcount
    key = sql.SQL(", ").join(sql.Identifier(table.raw_column(c)) for c in table.one_row_per)
    inserted, repeated = conn.execute(sql.SQL(
        "with inserted as ({insert} returning {key})"
        " select count(*), exists (select from inserted group by {key} having count(*) > 1) from inserted"
    ).format(insert=insert, key=key)).fetchone()
    if repeated:
        raise _FastPathRejected(f"more than one row per {', '.join(table.one_row_per)}")
    return inserted


def _door_findings(conn, source: TableSource, staging: _Staging) -> list[Finding]:
    """Every value failing a door check (at most FINDINGS_PER_CHECK per check), by the strict rules."""
    table = source.table
    child = staging.column_of.get("CHILD", sql.SQL("null"))
    found: list[Finding] = []

    def failing(column: str, condition: sql.Composable) -> list[tuple]:
        return conn.execute(sql.SQL(
            "select source_row, {value}, {child} from {staging} where ({has_data}) and ({condition})"
            " order by source_row limit {limit}").format(
                value=staging.column_of[column], child=child, staging=staging.name,
                has_data=staging.row_has_data(), condition=condition,
                limit=sql.Literal(FINDINGS_PER_CHECK))).fetchall()

    def add(row: int, column: str, value: str | None, rule: str, message: str, child_id=None) -> None:
        if child_id and column != "CHILD":
            message += f" (CHILD {child_id})"
        found.append(Finding(source.file_name, row, column, value, rule, message, source.sheet,
                             source.row_label))

    for column in [c for c in table.not_blank if c in staging.column_of]:
        condition = sql.SQL("nullif(btrim({}), '') is null").format(staging.column_of[column])
        for row, value, child_id in failing(column, condition):
            add(row, column, value, "blank-value", f"{column} is blank: every {table.title} row needs one",
                child_id)
    for column in [c for c in table.dates if c in staging.column_of]:
        condition = sql.SQL("nullif(btrim({v}), '') is not null and raw.parse_date({v}) is null").format(
            v=staging.column_of[column])
        for row, value, child_id in failing(column, condition):
            add(row, column, value, *_date_problem(column, value), child_id)
    for column, codes in table.codes.items():
        if column not in staging.column_of:
            continue
        condition = sql.SQL("raw.clean_code({v}) is not null and raw.clean_code({v}) <> all({codes})").format(
            v=staging.column_of[column], codes=sql.Literal(sorted(codes)))
        for row, value, child_id in failing(column, condition):
            add(row, column, value, "unknown-code",
                f"{value!r} is not a {column} code of any collection year since 2013/14", child_id)
    if table.one_row_per and all(column in staging.column_of for column in table.one_row_per):
        key = sql.SQL(", ").join(staging.strict(column) for column in table.one_row_per)
        what = ", ".join(table.one_row_per)
        repeated = conn.execute(sql.SQL(
            "select array_agg(source_row order by source_row), {key} from {staging} where {has_data}"
            " group by {key} having count(*) > 1 order by min(source_row) limit {limit}").format(
                key=key, staging=staging.name, has_data=staging.row_has_data(),
                limit=sql.Literal(FINDINGS_PER_CHECK))).fetchall()
        for rows, value, *_ in repeated:
            add(rows[1], what, value, "duplicate-child",
                f"{what} {value} has {len(rows)} {table.title} rows ({source.row_label}s "
                f"{', '.join(map(str, rows[:10]))}); the {table.title} holds one row per child")
    return sorted(found, key=lambda f: (f.row_number or 0, f.column_name or ""))


def _date_problem(column: str, value: str) -> tuple[str, str]:
    """The rule a date broke and a message saying how to put it right."""
    text = value.strip()
    if TWO_DIGIT_YEAR.match(text):
        return "two-digit-year", f"{column} {value!r} has a two-digit year: write the year in full"
    if DATE_SHAPED.match(text):
        return "impossible-date", f"{column} {value!r} is not a date in the calendar"
    return "date-format", f"{column} {value!r} is not a date in DD/MM/YYYY (or D/M/YYYY, YYYY-MM-DD)"


def _record(conn, outcome: DeliveryOutcome) -> None:
    """Write the version's ledger rows (its status, files and findings) in the current transaction."""
    quarantined = outcome.status == "quarantined"
    conn.execute(
        "update ledger.delivery_versions set status = %s, reason = %s, files = %s, rows_loaded = %s,"
        " finished_at = now(), seconds = %s where delivery_version_id = %s",
        [outcome.status, outcome.reason, len({f.file_name for f in outcome.files}),
         0 if quarantined else sum(f.rows_loaded for f in outcome.files), round(outcome.seconds, 3),
         outcome.delivery_version_id],
    )
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into ledger.delivery_files (delivery_version_id, file_name, sheet, sha256, table_name,"
            " status, reason, rows_read, rows_loaded, seconds)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(outcome.delivery_version_id, f.file_name, f.sheet, f.sha256, f.table_name,
              "quarantined" if quarantined and f.status != "ignored" else f.status, f.reason, f.rows_read,
              0 if quarantined else f.rows_loaded, round(f.seconds, 3))
             for f in outcome.files],
        )
        cursor.executemany(
            "insert into ledger.door_findings (delivery_version_id, file_name, sheet, row_number,"
            " column_name, value, rule, message) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(outcome.delivery_version_id, f.file_name, f.sheet, f.row_number, f.column_name, f.value,
              f.rule, f.message) for f in outcome.findings],
        )


def ingest_path(path, *, url: str | None = None, progress: Progress = log.info) -> list[DeliveryOutcome]:
    """`csc ingest PATH`: a delivery folder, an authority folder, or the whole landing root."""
    return ingest_deliveries(landing.find_under(path), url=url, progress=progress)
