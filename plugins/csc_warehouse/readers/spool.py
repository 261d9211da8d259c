"""Rows a reader parsed, kept in a temporary file until loading streams them: memory stays flat.

An XML file is read once, and its rows belong to several tables (an SSDA903 <CHILD> gives Header,
Episodes, Reviews... rows; a CIN <Child> referrals, plans...). Each table's rows are pickled into
a spool of their own, an element's rows at a time, kept in memory up to SPOOL_IN_MEMORY_BYTES and
on disk beyond (tempfile.SpooledTemporaryFile), and read back when the table's COPY asks for them.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO

from csc_warehouse.readers.base import Row

SPOOL_IN_MEMORY_BYTES = 1 << 20


class RowSpool:
    """One table's rows, pickled an element's rows at a time into a temporary file."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)
        self.count = 0

    def add(self, ordinal: int, rows: list[list[str | None]]) -> None:
        if rows:
            pickle.dump((ordinal, rows), self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.count += len(rows)

    def rows(self) -> Iterator[Row]:
        self.file.seek(0)
        while True:
            try:
                ordinal, rows = pickle.load(self.file)
            except EOFError:
                return
            for values in rows:
                yield ordinal, values
