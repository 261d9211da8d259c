"""Readers: turn a delivered file into table sources, knowing nothing of the database.

A reader recognises each table in a file by its header row (tables.recognise) and hands loading a
`TableSource`: which table, how the file's columns map to the canonical ones, and a way to stream
the rows into a COPY. CSV is streamed as bytes for PostgreSQL to parse; other formats are parsed
here and streamed as rows. A file that is no known table, or in no format the warehouse reads,
comes back as one source with table=None: the ledger records it as ignored.
"""

from __future__ import annotations

from pathlib import Path

from csc_warehouse.readers import cin_xml
from csc_warehouse.readers.base import Problem, ReaderError, Row, TableSource, ignored
from csc_warehouse.readers.csv_files import read_csv
from csc_warehouse.readers.ssda903_xml import read_ssda903_xml, root_element
from csc_warehouse.readers.workbooks import read_workbook
from csc_warehouse.readers.xml_safety import refuse_dtd

__all__ = ["Problem", "ReaderError", "Row", "TableSource", "read_file"]


def read_xml(path: Path) -> list[TableSource]:
    """The SSDA903 return (EXPSSDA903), or the CIN census (<Message>), by the file's root element.
    A file declaring a document type is refused first (xml_safety: entities, the billion laughs)."""
    refuse_dtd(path)
    if root_element(path) == cin_xml.ROOT:
        return cin_xml.read_cin_xml(path)
    return read_ssda903_xml(path)


# Workbooks: Annex A lists and wide audit returns by their layout, other sheets by their header row.
READERS = {
    ".csv": lambda path: [read_csv(path)],
    ".txt": lambda path: [read_csv(path)],
    ".xlsx": read_workbook,
    ".xlsm": read_workbook,
    ".xml": read_xml,
}


def read_file(path: Path) -> list[TableSource]:
    """Every table source in one delivered file. Raises ReaderError when the file cannot be read."""
    if path.name.startswith("~$"):
        return [ignored(path.name, "an Office lock file (the workbook was open when the folder was copied)")]
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        return [ignored(path.name, f"not a format the warehouse reads ({', '.join(sorted(READERS))})")]
    return reader(path)
