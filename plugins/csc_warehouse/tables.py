"""The tables a delivery may hold: their columns, which are dates, which codes are valid.

This is data, shared by the readers (which recognise a table by its header row) and by loading
(which builds the raw tables and the door checks from it). Codes are the union over every
collection year since 2013/14, so a file from any of those years passes the door; whether a code
is valid in the delivery's own collection year is a quality-gate check, not a door check.
Column lists follow ../shared/reference/specs/ssda903-tables.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TableSpec:
    name: str  # raw table name, e.g. ssda903_episodes
    source: str  # ssda903, cin
    columns: tuple[str, ...]  # canonical column names, in the DfE order
    required: tuple[str, ...]  # columns a file must have to be this table
    dates: tuple[str, ...] = ()
    ids: tuple[str, ...] = ("CHILD",)
    codes: dict[str, frozenset[str]] = field(default_factory=dict)
    not_blank: tuple[str, ...] = ("CHILD",)
    one_row_per: tuple[str, ...] = ()  # door check: at most one row per these columns
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings of a column -> canonical

    def raw_column(self, column: str) -> str:
        return column.lower()


def _codes(*values: str) -> frozenset[str]:
    return frozenset(values)


SEX_CODES = _codes("1", "2", "M", "F", "U")
LEGAL_STATUS_CODES = _codes("C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3")
REASON_NEW_EPISODE_CODES = _codes("S", "L", "P", "T", "B", "U")
REASON_CEASED_CODES = _codes(
    "X1", "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45", "E46", "E47",
    "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9",
)
PLACEMENT_CODES = _codes(
    "A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "P4", "R1", "R2", "R3", "R5",
    "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1", "Z11", "Z12", "Z13",
    "Z14",
)
CATEGORY_OF_NEED_CODES = _codes("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
PLACEMENT_PROVIDER_CODES = _codes("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")


SSDA903_HEADER = TableSpec(
    name="ssda903_header",
    source="ssda903",
    columns=("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    required=("CHILD", "SEX", "DOB"),
    dates=("DOB", "MC_DOB"),
    codes={"SEX": SEX_CODES},
    not_blank=("CHILD", "DOB"),
    one_row_per=("CHILD",),
    aliases={"CHILDID": "CHILD"},
)

SSDA903_EPISODES = TableSpec(
    name="ssda903_episodes",
    source="ssda903",
    columns=(
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
        "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
    ),
    required=("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"),
    dates=("DECOM", "DEC"),
    codes={
        "RNE": REASON_NEW_EPISODE_CODES,
        "LS": LEGAL_STATUS_CODES,
        "CIN": CATEGORY_OF_NEED_CODES,
        "PLACE": PLACEMENT_CODES,
        "PLACE_PROVIDER": PLACEMENT_PROVIDER_CODES,
        "REC": REASON_CEASED_CODES,
    },
    not_blank=("CHILD", "DECOM", "RNE", "LS"),
    aliases={"CHILDID": "CHILD", "PL": "PLACE"},
)

TABLES: tuple[TableSpec, ...] = (SSDA903_HEADER, SSDA903_EPISODES)
TABLES_BY_NAME = {table.name: table for table in TABLES}


def recognise(header: list[str]) -> TableSpec | None:
    """The table whose required columns a header row holds (the most specific match wins)."""
    present = {normalise_column(name) for name in header}
    matches = []
    for table in TABLES:
        canonical = {table.aliases.get(name, name) for name in present}
        if set(table.required) <= canonical:
            matches.append(table)
    if not matches:
        return None
    return max(matches, key=lambda table: len(table.required))


def normalise_column(name: str) -> str:
    return name.replace("\ufeff", "").strip().upper()


def map_header(table: TableSpec, header: list[str]) -> list[str | None]:
    """For each column of a file, the canonical column it holds, or None for one we do not keep."""
    mapped: list[str | None] = []
    for name in header:
        column = normalise_column(name)
        column = table.aliases.get(column, column)
        mapped.append(column if column in table.columns and column not in mapped else None)
    return mapped
