"""The Ofsted Annex A workbook: Lists 3 to 7 (referrals, assessments, section 47 enquiries, children
in need, child protection plans) as rows of the CIN tables; the other lists recorded as ignored.

Which sheet is which list, which column is which, and which code each spelling of a value means all
come from `specs/Annex_A_schema.yml` (liia-tools-pipeline's schema, used as data): authorities name
the columns and write the values in many ways, and that file lists the ways seen in real returns.
A sheet is the Annex A list whose columns its header row matches best (by name, ignoring case,
spaces and punctuation, or by the schema's header pattern); a sheet whose header matches no list
but whose name says "List N" is taken as list N. Which list becomes which table, column by column,
and how lettered values become CIN codes: annex_a_lists.py.

List 7 becomes rows of the CP plans table (contract 1.2):

    Child Unique ID -> LAchildID          Child Protection Plan Start Date -> CPPstartDate
    Date of Birth -> PersonBirthDate      Child Protection Plan End Date -> CPPendDate
    Gender -> Sex                         Initial Category of Abuse -> InitialCategoryOfAbuse
    Ethnicity -> Ethnicity                Latest Category of Abuse -> LatestCategoryOfAbuse
    Number of Previous Child Protection Plans -> NumberOfPreviousCPP

The categories of abuse are translated to the CIN codes (a) Neglect NEG, b) Physical abuse PHY,
c) Sexual abuse SAB, d) Emotional abuse EMO, e) Multiple MUL) through the schema's spellings,
because the door checks them and the marts count by them; a spelling the schema does not know is
kept as delivered, so that the door names it. Every other value is loaded as delivered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from pathlib import Path

import yaml

from csc_warehouse.readers import xlsx
from csc_warehouse.readers.annex_a_lists import LIST_TABLES, ListTable, letter_code, named_code
from csc_warehouse.readers.base import Problem, Row, TableSource, ignored

SCHEMA = "Annex_A_schema.yml"
# Share of a list's columns a header row must match to be that list, and at least this many.
MIN_SHARE, MIN_COLUMNS = 0.4, 4
# A header cell longer than this is no column's name, and is not matched against the schema's patterns:
# their leading and inner `.*` take time by the square of the text's length (a 1 MB cell: past a minute).
LONGEST_HEADER_NAME = 300
SHEET_NAMED_LIST = re.compile(r"\blist\s*(\d{1,2})\b", re.IGNORECASE)


def _plain(text: object) -> str:
    """A header or value compared loosely: lower case, letters and digits, single spaces."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text or "").lower()).split())


def _pattern(text: str) -> re.Pattern:
    """The schema writes header patterns as /regex/flags."""
    match = re.fullmatch(r"/(.*)/([a-z]*)", text.strip(), re.DOTALL)
    body, flags = (match.group(1), match.group(2)) if match else (text, "")
    return re.compile(body, re.IGNORECASE if "i" in flags else 0)


@dataclass(frozen=True)
class AnnexList:
    number: int
    columns: tuple[str, ...]
    patterns: dict[str, tuple[re.Pattern, ...]]

    def column_positions(self, header: list[str]) -> dict[str, int]:
        """For each of the list's columns found in the header row, its position: names first, then patterns."""
        found: dict[str, int] = {}
        plain = [_plain(name) for name in header]
        for column in self.columns:
            if _plain(column) in plain and plain.index(_plain(column)) not in found.values():
                found[column] = plain.index(_plain(column))
        for column in self.columns:
            if column in found:
                continue
            for position, name in enumerate(header):
                if len(name or "") > LONGEST_HEADER_NAME:
                    continue
                if position not in found.values() and any(p.search(name or "") for p in self.patterns[column]):
                    found[column] = position
                    break
        return found


@cache
def _schema() -> dict:
    text = (resources.files("csc_warehouse") / "readers" / "specs" / SCHEMA).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)["column_map"]


@cache
def annex_lists() -> tuple[AnnexList, ...]:
    lists = []
    for key, columns in _schema().items():
        patterns = {
            name: tuple(_pattern(p) for p in (spec or {}).get("header_regex", ())) for name, spec in columns.items()
        }
        lists.append(AnnexList(int(key.split("_")[1]), tuple(columns), patterns))
    return tuple(lists)


@cache
def spelled_codes(number: int, column: str) -> dict[str, str | None]:
    """Every spelling of a lettered column's values in the schema (compared loosely) -> its CIN code."""
    list_table = LIST_TABLES[number]
    letters, codes = list_table.letters[column], list_table.codes(column)
    spelled: dict[str, str | None] = {}
    for entry in _schema()[f"list_{number}"][column]["category"]:
        known, code = letter_code(entry["code"], letters)
        if not known:
            continue  # the schema's own catch-all for errors (zzCodeError): the door names such values
        for spelling in [entry["code"], *entry.get("name", [])]:
            spelled.setdefault(_plain(spelling), named_code(str(spelling), codes) or code)
    return spelled


def cin_code(number: int, column: str, value: str | None) -> str | None:
    """The CIN code of a lettered value as Annex A list `number` writes it; an unknown spelling as delivered."""
    if value is None or not value.strip():
        return value
    spelled = spelled_codes(number, column)
    if _plain(value) in spelled:
        return spelled[_plain(value)]
    return named_code(value, LIST_TABLES[number].codes(column)) or value


def cin_category(value: str | None) -> str | None:
    """The CIN code of a category of abuse as List 7 writes it; an unknown spelling as delivered."""
    return cin_code(7, "Initial Category of Abuse", value)


def which_list(header: list[str], sheet_name: str = "") -> AnnexList | None:
    """The Annex A list a header row is: the one with most of its columns in it, then the one with the
    largest share of its columns in it, then the one the sheet's name says; at least MIN_COLUMNS
    columns and MIN_SHARE of the list's."""
    named = named_list(sheet_name)
    best: tuple[int, float, bool, AnnexList] | None = None
    for annex_list in annex_lists():
        matched = len(annex_list.column_positions(header))
        share = matched / len(annex_list.columns)
        if matched >= MIN_COLUMNS and share >= MIN_SHARE:
            candidate = (matched, share, annex_list is named, annex_list)
            if best is None or candidate[:3] > best[:3]:
                best = candidate
    return best[3] if best else None


def named_list(sheet_name: str) -> AnnexList | None:
    """The list a sheet's name says it is ("List 7", "Annex A list 7 - CP"), if any."""
    named = SHEET_NAMED_LIST.search(sheet_name or "")
    return next((a for a in annex_lists() if named and a.number == int(named.group(1))), None)


def _top_rows(sheet) -> list[tuple[int, list[str]]]:
    rows = []
    for row_number, cells in enumerate(sheet.iter_rows(max_row=xlsx.HEADER_SEARCH_ROWS, values_only=True), start=1):
        header = [xlsx.cell_text(value) or "" for value in cells]
        while header and not header[-1].strip():
            header.pop()
        if any(name.strip() for name in header):
            rows.append((row_number, header))
    return rows


def sheet_source(path: Path, sheet) -> TableSource | None:
    """The sheet as Annex A: List 7 as CP plans, another list as ignored; None when it is no Annex A list.

    The header row is the first of the top rows that matches a list; failing that, in a sheet named
    as a list, the top row with the most cells (so the door can say which columns are missing)."""
    top_rows = _top_rows(sheet)
    found = next(
        ((row, header, annex_list) for row, header in top_rows if (annex_list := which_list(header, sheet.title))), None
    )
    if found is None and top_rows and named_list(sheet.title):
        row, header = max(top_rows, key=lambda top: (sum(1 for name in top[1] if name.strip()), -top[0]))
        found = (row, header, named_list(sheet.title))
    if found is None:
        return None
    header_row, header, annex_list = found
    if annex_list.number not in LIST_TABLES:
        return ignored(
            path.name,
            f"Annex A List {annex_list.number}: recorded, not a table the warehouse loads (only Lists "
            f"{', '.join(map(str, LIST_TABLES))}: referrals, assessments, section 47 enquiries, children "
            "in need, child protection plans)",
            sheet=sheet.title,
            header=header,
        )
    return _list_source(path, sheet.title, header_row, header, annex_list, LIST_TABLES[annex_list.number])


def _list_source(
    path: Path, sheet_name: str, header_row: int, header: list[str], annex_list: AnnexList, list_table: ListTable
) -> TableSource:
    table = list_table.table
    positions = annex_list.column_positions(header)
    mapped: list[str | None] = [None] * len(header)
    for column, position in positions.items():
        mapped[position] = list_table.columns.get(column)
    source = TableSource(
        file_name=path.name,
        table=table,
        header=header,
        mapped=mapped,
        sheet=sheet_name,
        first_data_row=header_row + 1,
    )
    lettered = tuple((positions[column], column) for column in list_table.letters if column in positions)
    source.rows = partial(_list_rows, path, sheet_name, header_row, len(header), list_table.number, lettered)
    source.warnings.append(f"Annex A List {list_table.number}, read as {table.title}")
    not_kept = [name.strip() for name, column in zip(header, mapped, strict=True) if column is None and name.strip()]
    if not_kept:
        source.warnings.append(f"columns not loaded (not {table.title} columns): {', '.join(not_kept)}")
    names = [_plain(name) for name in header]
    for column in sorted({name for name in names if name and names.count(name) > 1}):
        source.problems.append(
            Problem(
                header_row,
                column,
                None,
                "duplicate-column",
                f"column {column!r} appears more than once in the header row",
            )
        )
    return source


def _list_rows(
    path: Path, sheet_name: str, header_row: int, width: int, number: int, lettered: tuple[tuple[int, str], ...]
):
    for row_number, values in xlsx._sheet_rows(path, sheet_name, header_row, width):
        for position, column in lettered:
            values[position] = cin_code(number, column, values[position])
        row: Row = (row_number, values)
        yield row
