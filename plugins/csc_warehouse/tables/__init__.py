"""The tables a delivery may hold: their columns, which are dates, which codes are valid.

This is data, shared by the readers (which recognise a table by its header row) and by loading
(which builds the raw tables and the door checks from it). Codes are the union over every
collection year since 2013/14, so a file from any of those years passes the door; whether a code
is valid in the delivery's own collection year is a quality-gate check, not a door check. The door
checks codes only for the lists the reporting definitions rely on (the code lists of the DfE's
SSDA903 guidance); other code columns are the gate's business. Column lists follow the same guidance.

Recognition: a header row is a table when it holds that table's identifying columns, the columns
no other table has (DECOM for Episodes, DUC for UASC, ETHNIC or UPN for Header...). That keeps
recognition unambiguous and still lets a file that lost one required column be recognised, so
that the door can say which column is missing instead of ignoring the file.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from csc_warehouse.tables.audits import (
    AUDIT_ACTION_STATUS_CODES,
    AUDIT_ACTIONS,
    AUDIT_ANSWER_CODES,
    AUDIT_ANSWERS,
    AUDIT_PROGRAMME,
    AUDIT_TABLES,
)
from csc_warehouse.tables.cin import (
    CATEGORY_OF_ABUSE_CODES,
    CIN_ASSESSMENTS,
    CIN_CP_PLANS,
    CIN_PLANS,
    CIN_REFERRALS,
    CIN_SECTION47,
)
from csc_warehouse.tables.spec import TableSpec
from csc_warehouse.tables.ssda903 import (
    PLACEMENT_CODES,
    SEX_CODES,
    SSDA903_AD1,
    SSDA903_DOLO,
    SSDA903_EPISODES,
    SSDA903_HEADER,
    SSDA903_MISSING,
    SSDA903_OC2,
    SSDA903_OC3,
    SSDA903_PLACED_ADOPTION,
    SSDA903_PREV_PERM,
    SSDA903_REVIEWS,
    SSDA903_SW_EPISODES,
    SSDA903_UASC,
    XML_ALIASES,
)

# What other modules read as tables.<NAME>, besides the catalogue below.
__all__ = [
    "AUDIT_ACTION_STATUS_CODES",
    "AUDIT_ANSWER_CODES",
    "AUDIT_TABLES",
    "CATEGORY_OF_ABUSE_CODES",
    "PLACEMENT_CODES",
    "SEX_CODES",
    "XML_ALIASES",
    "TableSpec",
]

TABLES: tuple[TableSpec, ...] = (
    SSDA903_HEADER,
    SSDA903_EPISODES,
    SSDA903_UASC,
    SSDA903_REVIEWS,
    SSDA903_MISSING,
    SSDA903_OC2,
    SSDA903_OC3,
    SSDA903_AD1,
    SSDA903_PLACED_ADOPTION,
    SSDA903_PREV_PERM,
    SSDA903_SW_EPISODES,
    SSDA903_DOLO,
    CIN_CP_PLANS,
    CIN_REFERRALS,
    CIN_ASSESSMENTS,
    CIN_PLANS,
    CIN_SECTION47,
    AUDIT_ANSWERS,
    AUDIT_PROGRAMME,
    AUDIT_ACTIONS,
)
TABLES_BY_NAME = {table.name: table for table in TABLES}
# A delivery holding any SSDA903 table must hold these two (contract 1.1).
SSDA903_REQUIRED_TABLES = (SSDA903_HEADER, SSDA903_EPISODES)


@cache
def _identifying_columns_by_table() -> dict[str, frozenset[str]]:
    in_tables = Counter(column for table in TABLES for column in table.columns)
    return {table.name: frozenset(column for column in table.columns if in_tables[column] == 1) for table in TABLES}


def identifying_columns(table: TableSpec) -> frozenset[str]:
    """The table's columns that no other known table has: what picks it out of a header row."""
    return _identifying_columns_by_table()[table.name]


def recognise(header: list[str]) -> TableSpec | None:
    """The table a header row belongs to, or None when it is no known table (or could be two).

    A header is a table when it holds two of that table's identifying columns, or CHILD and one;
    the table with most of its identifying columns present wins, and a tie recognises nothing.
    """
    present = {normalise_column(name) for name in header}
    scores = []
    for table in TABLES:
        canonical = {table.aliases.get(name, name) for name in present}
        found = len(identifying_columns(table) & canonical)
        if found >= 2 or (found == 1 and "CHILD" in canonical):
            scores.append((found, table))
    if not scores:
        return None
    scores.sort(key=lambda score: score[0], reverse=True)
    if len(scores) > 1 and scores[0][0] == scores[1][0]:
        return None
    return scores[0][1]


def normalise_column(name: str | None) -> str:
    return (name or "").replace("\ufeff", "").strip().upper()


def map_header(table: TableSpec, header: list[str]) -> list[str | None]:
    """For each column of a file, the canonical column it holds, or None for one we do not keep."""
    mapped: list[str | None] = []
    for name in header:
        column = normalise_column(name)
        column = table.aliases.get(column, column)
        mapped.append(column if column in table.columns and column not in mapped else None)
    return mapped


def duplicated_columns(table: TableSpec, header: list[str]) -> list[str]:
    """Canonical columns the header names more than once (e.g. CHILD twice, or CHILD and CHILDID)."""
    canonical = [table.aliases.get(normalise_column(name), normalise_column(name)) for name in header]
    counts = Counter(column for column in canonical if column in table.columns)
    return sorted(column for column, count in counts.items() if count > 1)
