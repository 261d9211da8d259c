"""Readers: turn a delivered file into table sources, knowing nothing of the database.

A reader recognises each table in a file by its header row (tables.recognise) and hands loading a
`TableSource`: which table, how the file's columns map to the canonical ones, and a way to stream
the rows into a COPY. CSV is streamed as bytes for PostgreSQL to parse; other formats are parsed
here and streamed as rows. A file that is no known table, or in no format the warehouse reads,
comes back as one source with table=None: the ledger records it as ignored.
"""

from __future__ import annotations

from pathlib import Path

from csc_warehouse.readers.base import Problem, ReaderError, Row, TableSource, ignored
from csc_warehouse.readers.csv_files import read_csv
from csc_warehouse.readers.ssda903_xml import read_ssda903_xml
from csc_warehouse.readers.xlsx import read_xlsx

__all__ = ["Problem", "ReaderError", "Row", "TableSource", "read_file"]

READERS = {
    ".csv": lambda path: [read_csv(path)],
    ".txt": lambda path: [read_csv(path)],
    ".xlsx": read_xlsx,
    ".xlsm": read_xlsx,
    ".xml": read_ssda903_xml,
}


def read_file(path: Path) -> list[TableSource]:
    """Every table source in one delivered file. Raises ReaderError when the file cannot be read."""
    if path.name.startswith("~$"):
        return [ignored(path.name, "an Office lock file (the workbook was open when the folder was copied)")]
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        return [ignored(path.name, f"not a format the warehouse reads ({', '.join(sorted(READERS))})")]
    return reader(path)
