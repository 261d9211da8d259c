"""XLSX workbooks: one table per sheet, read with openpyxl in read-only mode.

Cells come back typed, so this module writes them as the text a CSV export would hold: whole
numbers without Excel's `.0` (an id of 123456 is stored as the float 123456.0), date cells as ISO
dates, formulas as their last computed value. A sheet whose header row is no known table (a
provider list, an Annex A list) is recorded as ignored.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError

from lxml.etree import XMLSyntaxError

from csc_warehouse.readers.base import ReaderError, Row, TableSource, ignored, recognised

# A title or a note above the header row is common in hand-kept workbooks (every workbook reader).
HEADER_SEARCH_ROWS = 10
# What openpyxl raises on a damaged workbook: a zip that is no zip or fails its checksums, XML parts
# that are not well-formed or lack what the format requires, values of the wrong type in them.
# openpyxl streams a worksheet in read-only mode but reads every other part of the zip whole (the shared
# strings, every distinct text of the cells, above all): a part that unzips to more than this is a zip
# bomb, not a return (a million distinct 50-character texts make about 60 MB of shared strings).
LARGEST_WHOLE_PART = 100 << 20
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
# (openpyxl parses its manifest with lxml, the sheets with the standard library; zipfile raises
# NotImplementedError for a compression method it does not know, a byte of the zip's header damaged.)
WORKBOOK_DAMAGE = (
    zipfile.BadZipFile,
    NotImplementedError,
    zlib.error,
    EOFError,
    ParseError,
    XMLSyntaxError,
    KeyError,
    OSError,
    ValueError,
    TypeError,
)


def cell_text(value) -> str | None:
    """A cell as the text a CSV export would hold (None for an empty cell)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _open(path: Path):
    import openpyxl  # here, not at the top: it takes half a second to import, and most deliveries are CSV

    with damage_is_unreadable(path, "cannot be opened as an XLSX workbook"):
        _refuse_a_zip_bomb(path)
        return openpyxl.load_workbook(path, read_only=True, data_only=True)


def _refuse_a_zip_bomb(path: Path) -> None:
    """Raise ReaderError when a part openpyxl reads whole would unzip to more than LARGEST_WHOLE_PART (the
    size the zip declares for it, which is as much as zipfile unzips). Worksheets, streamed, may be larger."""
    with zipfile.ZipFile(path) as archive:
        parts = {part.filename: part.file_size for part in archive.infolist()}
        manifest = "[Content_Types].xml"
        streamed = set()
        if parts.get(manifest, 0) <= LARGEST_WHOLE_PART and manifest in parts:
            types = ElementTree.fromstring(archive.read(manifest))
            streamed = {
                override.get("PartName", "").lstrip("/")
                for override in types.findall("{*}Override")
                if override.get("ContentType") == WORKSHEET_TYPE
            }
    too_big = sorted(name for name, size in parts.items() if size > LARGEST_WHOLE_PART and name not in streamed)
    if too_big:
        raise ReaderError(
            path.name,
            None,
            None,
            None,
            "unreadable-file",
            f"{path.name}: {too_big[0]} unzips to {parts[too_big[0]] >> 20} MB, more than the "
            f"{LARGEST_WHOLE_PART >> 20} MB a return needs: read whole, it would fill the memory (a zip bomb?)",
        )


@contextmanager
def damage_is_unreadable(path: Path, what: str, row: int | None = None):
    """A damaged workbook, found while opening it or reading its sheets, as the door's unreadable-file
    (row: the sheet row being read, when the damage is met in the rows)."""
    try:
        yield
    except WORKBOOK_DAMAGE as error:
        problem = f"{type(error).__name__}: {error}".rstrip(": ")
        raise ReaderError(path.name, row, None, None, "unreadable-file", f"{path.name} {what}: {problem}") from error


def _trimmed(cells: tuple) -> list[str | None]:
    values = [cell_text(value) for value in cells]
    while values and (values[-1] is None or not values[-1].strip()):
        values.pop()
    return values


def read_xlsx(path: Path) -> list[TableSource]:
    workbook = _open(path)
    try:
        with damage_is_unreadable(path, "is a damaged workbook"):
            sources = [_sheet_source(path, sheet) for sheet in workbook.worksheets]
    finally:
        workbook.close()
    return sources or [ignored(path.name, "a workbook with no sheets")]


def _sheet_source(path: Path, sheet) -> TableSource:
    first_header: tuple[int, list[str]] | None = None
    top_rows = sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
    for row_number, cells in enumerate(top_rows, start=1):
        header = [value or "" for value in _trimmed(cells)]
        if not any(name.strip() for name in header):
            continue
        first_header = first_header or (row_number, header)
        source = recognised(path.name, header, sheet=sheet.title, header_row=row_number)
        if source.table is not None:
            source.rows = partial(_sheet_rows, path, sheet.title, row_number, len(header))
            source.first_data_row = row_number + 1
            return source
    if first_header is None:
        return ignored(path.name, "empty sheet", sheet=sheet.title)
    return recognised(path.name, first_header[1], sheet=sheet.title, header_row=first_header[0])


def _sheet_rows(path: Path, sheet_name: str, header_row: int, width: int) -> Iterator[Row]:
    """The data rows under the header, as text, blank rows left out.

    A value to the right of the last named column has no column to go to: rather than drop it
    silently, the row stops the load (the COPY's equivalent is "extra data after last column").
    """
    workbook = _open(path)
    try:
        sheet = workbook[sheet_name]
        for row_number, cells in _damage_checked(
            path, sheet.iter_rows(min_row=header_row + 1, values_only=True), header_row
        ):
            values = _trimmed(cells)
            if not values:
                continue
            if len(values) > width:
                raise ReaderError(
                    path.name,
                    row_number,
                    None,
                    values[-1],
                    "ragged-row",
                    f"row {row_number} has a value in column {len(values)}, right of the "
                    f"{width} named columns of the header row",
                )
            yield row_number, values + [None] * (width - len(values))
    finally:
        workbook.close()


def _damage_checked(path: Path, rows: Iterator[tuple], header_row: int) -> Iterator[tuple[int, tuple]]:
    """(row number, cells) of the rows under the header; damage met on the way is unreadable-file at its row."""
    row_number = header_row
    while True:
        with damage_is_unreadable(path, f"is a damaged workbook (after row {row_number})", row_number + 1):
            cells = next(rows, None)
        if cells is None:
            return
        row_number += 1
        yield row_number, cells
