"""What the door and the readers know of one table: its columns, dates, codes and identity."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TableSpec:
    name: str  # raw table name, e.g. ssda903_episodes
    title: str  # the DfE's name for it, e.g. Episodes
    source: str  # ssda903, cin
    columns: tuple[str, ...]  # canonical column names, in the DfE order
    required: tuple[str, ...]  # columns a file of this table must have (door check)
    dates: tuple[str, ...] = ()
    months: tuple[str, ...] = ()  # YYYY-MM, exactly (the audit programme's planned_month)
    counts: tuple[str, ...] = ()  # whole numbers from 0 to 999999, blank allowed unless not_blank
    ids: tuple[str, ...] = ("CHILD",)
    codes: dict[str, frozenset[str]] = field(default_factory=dict)
    not_blank: tuple[str, ...] = ("CHILD",)
    one_row_per: tuple[str, ...] = ()  # door check: at most one row per these columns
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings of a column -> canonical
    one_row_label: str = "child"  # what one_row_per identifies, in the door's rule and message
    many_sources: bool = False  # a delivery may hold the table in several files or sheets

    def raw_column(self, column: str) -> str:
        return column.lower()


def codes(*values: str) -> frozenset[str]:
    return frozenset(values)
