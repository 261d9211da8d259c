"""What every reader hands to loading."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from csc_warehouse.tables import TableSpec


class ReaderError(Exception):
    """A file that cannot be read at all: names the file, row, column, value and rule."""

    def __init__(self, file_name: str, row: int | None, column: str | None, value: str | None,
                 rule: str, message: str):
        super().__init__(message)
        self.file_name, self.row, self.column, self.value = file_name, row, column, value
        self.rule, self.message = rule, message


@dataclass
class TableSource:
    file_name: str
    table: TableSpec | None
    header: list[str]
    mapped: list[str | None]  # canonical column held by each file column, None if not kept
    sheet: str = ""
    # Exactly one of these feeds the COPY: CSV bytes with their encoding, or parsed rows.
    csv_chunks: Callable[[], Iterable[bytes]] | None = None
    csv_encoding: str = "UTF8"
    rows: Callable[[], Iterable[list[str | None]]] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.file_name}[{self.sheet}]" if self.sheet else self.file_name

    def missing_required(self) -> list[str]:
        if self.table is None:
            return []
        present = {column for column in self.mapped if column}
        return [column for column in self.table.required if column not in present]
