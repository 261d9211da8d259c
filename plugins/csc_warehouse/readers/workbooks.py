"""Which reader a workbook sheet is for: an Annex A list, a wide audit return, or a table by its header.

The Annex A and wide audit layouts are tried first because their header rows are not the tables'
own (Annex A names its columns in words; a wide audit has a column per question). Every other
sheet is read as xlsx.py reads it: one table per sheet, recognised by its header row.
"""

from __future__ import annotations

from pathlib import Path

from csc_warehouse.readers import annex_a, audits, xlsx
from csc_warehouse.readers.base import TableSource, ignored


def read_workbook(path: Path) -> list[TableSource]:
    workbook = xlsx._open(path)
    try:
        with xlsx.damage_is_unreadable(path, "is a damaged workbook"):
            sources = [
                annex_a.sheet_source(path, sheet)
                or audits.wide_sheet_source(path, sheet)
                or xlsx._sheet_source(path, sheet)
                for sheet in workbook.worksheets
            ]
    finally:
        workbook.close()
    return sources or [ignored(path.name, "a workbook with no sheets")]
