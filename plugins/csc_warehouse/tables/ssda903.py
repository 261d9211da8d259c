"""The SSDA903 (children looked after) tables, as the DfE's SSDA903 guidance lists them (contract 1.1)."""

from __future__ import annotations

from csc_warehouse.tables.spec import TableSpec, codes

# SEX: 1/2 to 2023/24, M/F/U from 2024/25.
SEX_CODES = codes("1", "2", "M", "F", "U")
LEGAL_STATUS_CODES = codes("C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3")
REASON_NEW_EPISODE_CODES = codes("S", "L", "P", "T", "B", "U")
REASON_CEASED_CODES = codes(
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
PLACEMENT_CODES = codes(
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
CATEGORY_OF_NEED_CODES = codes("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
PLACEMENT_PROVIDER_CODES = codes("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
REVIEW_PARTICIPATION_CODES = codes("PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7")
MISSING_CODES = codes("M", "A")  # M missing, A away without authorisation

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
