"""CSV as councils' systems and Excel write it: UTF-8 with or without a BOM, or Windows-1252; CRLF."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from csc_warehouse import tables
from csc_warehouse.readers.base import ReaderError, TableSource

CHUNK = 1 << 20


def detect_encoding(path: Path) -> str:
    """UTF8 when every byte decodes as UTF-8, else WIN1252 (what Excel's "CSV" writes)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            for block in iter(lambda: handle.read(CHUNK), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "WIN1252"
    return "UTF8"


def _header_row(path: Path, encoding: str) -> list[str] | None:
    python_encoding = "utf-8-sig" if encoding == "UTF8" else "cp1252"
    with path.open("r", encoding=python_encoding, newline="") as handle:
        for row in csv.reader(io.StringIO(handle.readline() + handle.readline())):
            return row
    return None


def read_csv(path: Path) -> TableSource:
    encoding = detect_encoding(path)
    header = _header_row(path, encoding)
    if not header or not any(cell.strip() for cell in header):
        return TableSource(file_name=path.name, table=None, header=[], mapped=[],
                           warnings=[f"{path.name}: empty file"])
    table = tables.recognise(header)
    if table is None:
        return TableSource(file_name=path.name, table=None, header=header, mapped=[None] * len(header))
    duplicates = {c for c in map(tables.normalise_column, header) if c and
                  [tables.normalise_column(h) for h in header].count(c) > 1}
    if duplicates:
        raise ReaderError(path.name, 1, ", ".join(sorted(duplicates)), None, "duplicate-column",
                          f"{path.name}: column(s) {', '.join(sorted(duplicates))} appear more than once")

    def chunks():
        with path.open("rb") as handle:
            yield from iter(lambda: handle.read(CHUNK), b"")

    return TableSource(file_name=path.name, table=table, header=header, mapped=tables.map_header(table, header),
                       csv_chunks=chunks, csv_encoding=encoding)
