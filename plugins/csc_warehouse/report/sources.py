"""Where a figure of the report came from: table, column, authority and as_at, as its footnote says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Source:
    table: str
    column: str
    la_code: str
    as_at: date | None = None
    detail: str = ""

    def __str__(self) -> str:
        where = f"la_code {self.la_code}" + (f", as_at {self.as_at.isoformat()}" if self.as_at else "")
        return f"reporting.{self.table}.{self.column} ({where}{', ' + self.detail if self.detail else ''})"
