"""Readers: turn a delivered file into table sources, knowing nothing of the database.

A reader recognises each table in a file by its header row (tables.recognise) and hands loading a
`TableSource`: which table, how the file's columns map to the canonical ones, and a way to stream
the rows into a COPY. CSV is streamed as bytes for PostgreSQL to parse; other formats are parsed
here and streamed as rows.
"""

from __future__ import annotations

from pathlib import Path

from csc_warehouse.readers.base import ReaderError, TableSource
from csc_warehouse.readers.csv_files import read_csv

__all__ = ["ReaderError", "TableSource", "read_file"]


def read_file(path: Path) -> list[TableSource]:
    """Every table source in one delivered file; an unknown table comes back with table=None."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return [read_csv(path)]
    raise ReaderError(path.name, None, None, None, "unsupported-format",
                      f"{path.name}: not a format the warehouse reads (CSV)")
