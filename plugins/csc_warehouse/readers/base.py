"""What every reader hands to loading, and the header handling all formats share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from csc_warehouse import tables
from csc_warehouse.tables import TableSpec

# One row of a parsed (non-CSV) source: its row number as a person would find it in the file,
# and the values in the order of the source's header.
Row = tuple[int, list[str | None]]


@dataclass
class Problem:
    """Something a reader found wrong before any row reached the database (a door finding)."""

    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str


class ReaderError(Exception):
    """A file that cannot be read at all, or a row that stops a parsed source from being read."""

    def __init__(
        self,
        file_name: str,
        row: int | None,
        column: str | None,
        value: str | None,
        rule: str,
        message: str,
        *,
        row_label: str = "row",
    ):
        super().__init__(message)
        self.file_name = file_name
        self.problem = Problem(row, column, value, rule, message)
        self.row_label = row_label  # what the row number counts: a row, or a line of an XML file

    @property
    def message(self) -> str:
        return self.problem.message


@dataclass
class TableSource:
    file_name: str
    table: TableSpec | None  # None: a file or sheet that is no known table (recorded as ignored)
    header: list[str]
    mapped: list[str | None]  # canonical column held by each file column, None if not kept
    sheet: str = ""  # the sheet of a workbook, or the table of an XML file: keeps ledger rows apart
    # Exactly one of these feeds the COPY: CSV bytes with their encoding, or parsed rows.
    csv_chunks: Callable[[], Iterable[bytes]] | None = None
    csv_encoding: str = "UTF8"
    csv_delimiter: str = ","
    first_data_row: int = 2  # the file row of the first data row (CSV: the header is row 1)
    rows: Callable[[], Iterable[Row]] | None = None
    row_label: str = "row"  # what a row number counts, for messages: a row, or an XML <CHILD> element
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    la_code_in_file: str | None = None  # an authority code the file states (the CIN XML's LEA); the folder's wins
    # A CIN census: the door also keeps the file whole (raw.cin_census_files), which the DfE's CIN rules read.
    keep_file_whole: bool = False

    @property
    def label(self) -> str:
        return f"{self.file_name}[{self.sheet}]" if self.sheet else self.file_name

    def missing_required(self) -> list[str]:
        if self.table is None:
            return []
        present = {column for column in self.mapped if column}
        return [column for column in self.table.required if column not in present]


def ignored(file_name: str, reason: str, sheet: str = "", header: list[str] | None = None) -> TableSource:
    """A file or sheet that is no known table: recorded in the ledger as ignored, with the reason."""
    return TableSource(file_name=file_name, table=None, header=header or [], mapped=[], sheet=sheet, warnings=[reason])


def recognised(file_name: str, header: list[str], *, sheet: str = "", header_row: int = 1) -> TableSource:
    """The table source a header row describes (table=None when it is no known table).

    Duplicate columns are a door problem rather than a guess at which copy is meant; columns the
    table does not have are loaded nowhere and named in a warning.
    """
    table = tables.recognise(header)
    if table is None:
        return ignored(
            file_name, "not a table the warehouse knows (its header row matches no table)", sheet=sheet, header=header
        )
    source = TableSource(
        file_name=file_name, table=table, header=header, mapped=tables.map_header(table, header), sheet=sheet
    )
    for column in tables.duplicated_columns(table, header):
        source.problems.append(
            Problem(
                header_row,
                column,
                None,
                "duplicate-column",
                f"column {column} appears more than once in the header row",
            )
        )
    not_kept = [
        name.strip()
        for name, column in zip(header, source.mapped, strict=True)
        if column is None and name and name.strip()
    ]
    if not_kept:
        source.warnings.append(f"columns not loaded (not {table.title} columns): {', '.join(not_kept)}")
    return source
