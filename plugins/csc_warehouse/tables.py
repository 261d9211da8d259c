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
from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class TableSpec:
    name: str  # raw table name, e.g. ssda903_episodes
    title: str  # the DfE's name for it, e.g. Episodes
    source: str  # ssda903, cin
    columns: tuple[str, ...]  # canonical column names, in the DfE order
    required: tuple[str, ...]  # columns a file of this table must have (door check)
    dates: tuple[str, ...] = ()
    ids: tuple[str, ...] = ("CHILD",)
    codes: dict[str, frozenset[str]] = field(default_factory=dict)
    not_blank: tuple[str, ...] = ("CHILD",)
    one_row_per: tuple[str, ...] = ()  # door check: at most one row per these columns
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings of a column -> canonical
    one_row_label: str = "child"  # what one_row_per identifies, in the door's rule and message
    many_sources: bool = False  # a delivery may hold the table in several files or sheets

    def raw_column(self, column: str) -> str:
        return column.lower()


def _codes(*values: str) -> frozenset[str]:
    return frozenset(values)


# SEX: 1/2 to 2023/24, M/F/U from 2024/25.
SEX_CODES = _codes("1", "2", "M", "F", "U")
LEGAL_STATUS_CODES = _codes("C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3")
REASON_NEW_EPISODE_CODES = _codes("S", "L", "P", "T", "B", "U")
REASON_CEASED_CODES = _codes(
    "X1",
    "E11",
    "E12",
    "E13",
    "E14",
    "E15",
    "E16",
    "E17",
    "E2",
    "E3",
    "E41",
    "E43",
    "E44",  # special guardianship before E45-E48 replaced them
    "E45",
    "E46",
    "E47",
    "E48",
    "E4A",
    "E4B",
    "E5",
    "E6",
    "E7",
    "E8",
    "E9",
)
# K3 and Z11-Z14 from 2025/26.
PLACEMENT_CODES = _codes(
    "A3",
    "A4",
    "A5",
    "A6",
    "H5",
    "K1",
    "K2",
    "K3",
    "P1",
    "P2",
    "P3",
    "P4",
    "R1",
    "R2",
    "R3",
    "R5",
    "S1",
    "T0",
    "T1",
    "T2",
    "T3",
    "T4",
    "U1",
    "U2",
    "U3",
    "U4",
    "U5",
    "U6",
    "Z1",
    "Z11",
    "Z12",
    "Z13",
    "Z14",
)
CATEGORY_OF_NEED_CODES = _codes("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
PLACEMENT_PROVIDER_CODES = _codes("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
REVIEW_PARTICIPATION_CODES = _codes("PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7")
MISSING_CODES = _codes("M", "A")  # M missing, A away without authorisation

# The XML (CLA.xsd) names two columns differently.
XML_ALIASES = {"CHILDID": "CHILD", "PL": "PLACE"}


def _ssda903(name: str, title: str, columns: tuple[str, ...], required: tuple[str, ...], **details) -> TableSpec:
    return TableSpec(
        name=name, title=title, source="ssda903", columns=columns, required=required, aliases=XML_ALIASES, **details
    )


SSDA903_HEADER = _ssda903(
    "ssda903_header",
    "Header",
    columns=("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    required=("CHILD", "SEX", "DOB", "ETHNIC"),
    dates=("DOB", "MC_DOB"),
    codes={"SEX": SEX_CODES},
    not_blank=("CHILD", "DOB"),
    one_row_per=("CHILD",),
)

SSDA903_EPISODES = _ssda903(
    "ssda903_episodes",
    "Episodes",
    columns=(
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    required=("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC"),
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
)

SSDA903_UASC = _ssda903(
    "ssda903_uasc",
    "UASC",
    columns=("CHILD", "SEX", "DOB", "DUC"),
    required=("CHILD", "SEX", "DOB", "DUC"),
    dates=("DOB", "DUC"),
    codes={"SEX": SEX_CODES},
)

SSDA903_REVIEWS = _ssda903(
    "ssda903_reviews",
    "Reviews",
    columns=("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    required=("CHILD", "REVIEW", "REVIEW_CODE"),
    dates=("DOB", "REVIEW"),
    codes={"REVIEW_CODE": REVIEW_PARTICIPATION_CODES},
)

SSDA903_MISSING = _ssda903(
    "ssda903_missing",
    "Missing",
    columns=("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    required=("CHILD", "MISSING", "MIS_START", "MIS_END"),
    dates=("DOB", "MIS_START", "MIS_END"),
    codes={"MISSING": MISSING_CODES},
)

SSDA903_OC2 = _ssda903(
    "ssda903_oc2",
    "OC2",
    columns=(
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    required=("CHILD", "SDQ_SCORE"),
    dates=("DOB",),
)

SSDA903_OC3 = _ssda903(
    "ssda903_oc3",
    "OC3",
    columns=("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    required=("CHILD", "IN_TOUCH", "ACTIV", "ACCOM"),
    dates=("DOB",),
)

SSDA903_AD1 = _ssda903(
    "ssda903_ad1",
    "AD1",
    columns=("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    required=("CHILD", "DATE_INT", "DATE_MATCH"),
    dates=("DOB", "DATE_INT", "DATE_MATCH"),
)

SSDA903_PLACED_ADOPTION = _ssda903(
    "ssda903_placed_adoption",
    "PlacedAdoption",
    columns=("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    required=("CHILD", "DATE_PLACED"),
    dates=("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
)

# DATE_PERM stays text: the DfE lets an unknown day or month be written ZZ (ZZ/05/2012).
SSDA903_PREV_PERM = _ssda903(
    "ssda903_prev_perm",
    "PrevPerm",
    columns=("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    required=("CHILD", "PREV_PERM"),
    dates=("DOB",),
)

SSDA903_SW_EPISODES = _ssda903(  # from 2023/24
    "ssda903_sw_episodes",
    "SWEpisodes",
    columns=("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    required=("CHILD", "SW_ID", "SW_DECOM"),
    dates=("DOB", "SW_DECOM", "SW_DEC"),
)

SSDA903_DOLO = _ssda903(  # Deprivation of Liberty orders, from 2026/27
    "ssda903_dolo",
    "DoLo",
    columns=("CHILD", "DOB", "DOLO_START", "DOLO_END"),
    required=("CHILD", "DOLO_START"),
    dates=("DOB", "DOLO_START", "DOLO_END"),
)

# -- child protection plans (contract 1.2) ----------------------------------------------------------
# One row per plan, with the Children in Need census names (upper case here, as every canonical name
# is; the raw columns are the same names in lower case). The CIN census XML and the Annex A List 7
# sheet are read into the same columns (readers/cin_xml.py, readers/annex_a.py). A plan is (la_code,
# child, CPPstartDate): two rows for one plan are a door finding, as two Header rows for one child are.
CATEGORY_OF_ABUSE_CODES = _codes("NEG", "PHY", "SAB", "EMO", "MUL")

CIN_CP_PLANS = TableSpec(
    name="cin_cp_plans",
    title="CP plans",
    source="cin",
    columns=(
        "LACHILDID",
        "PERSONBIRTHDATE",
        "SEX",
        "ETHNICITY",
        "CPPSTARTDATE",
        "CPPENDDATE",
        "INITIALCATEGORYOFABUSE",
        "LATESTCATEGORYOFABUSE",
        "NUMBEROFPREVIOUSCPP",
    ),
    required=("LACHILDID", "CPPSTARTDATE", "CPPENDDATE", "LATESTCATEGORYOFABUSE"),
    dates=("PERSONBIRTHDATE", "CPPSTARTDATE", "CPPENDDATE"),
    ids=("LACHILDID",),
    # A blank category is the gate's business (CIN rules 8905/8910, warn): it does not change who is on a plan.
    codes={"INITIALCATEGORYOFABUSE": CATEGORY_OF_ABUSE_CODES, "LATESTCATEGORYOFABUSE": CATEGORY_OF_ABUSE_CODES},
    not_blank=("LACHILDID", "CPPSTARTDATE"),
    one_row_per=("LACHILDID", "CPPSTARTDATE"),
    one_row_label="plan",
)

# -- case-audit returns (contract 1.3) -------------------------------------------------------------
# The long CSV's columns; the wide workbook (one sheet per theme) is read into the same ones
# (readers/audits.py). Answers as typed and cleaned by raw.clean_code (upper case, no spaces): Yes,
# No, Partial, Not applicable and the usual Y, N, NA, N/A. Blank is allowed: outside the denominator.
AUDIT_ANSWER_CODES = _codes("YES", "Y", "NO", "N", "PARTIAL", "NOTAPPLICABLE", "NA", "N/A")

AUDIT_ANSWERS = TableSpec(
    name="audit_answers",
    title="Audit answers",
    source="audits",
    columns=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "AUDITOR", "QUESTION_ID", "QUESTION_TEXT", "ANSWER", "COMMENT"),
    required=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "QUESTION_ID", "ANSWER"),
    dates=("AUDIT_DATE",),
    ids=(),  # case_ref is a case reference, not a child id: access and erasure do not treat it as one
    codes={"ANSWER": AUDIT_ANSWER_CODES},
    not_blank=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "QUESTION_ID"),
    one_row_per=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "QUESTION_ID"),
    one_row_label="answer",
    many_sources=True,  # a workbook holds one sheet per theme
)

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
    AUDIT_ANSWERS,
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
