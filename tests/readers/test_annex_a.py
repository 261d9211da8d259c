"""The Ofsted Annex A workbook: Lists 3 to 6 as referrals, assessments, section 47 enquiries and
referrals again (children in need), List 7 as CP plans, the other lists recorded as ignored; headers
and values recognised through Annex_A_schema.yml (liia-tools-pipeline's spellings, used as data)."""

from datetime import datetime

import openpyxl
import pytest
from loading_fixtures import ANNEX_A as ANNEX_A_LIIA_TOOLS
from loading_fixtures import ANNEX_A_2024

from csc_warehouse import tables
from csc_warehouse.readers import read_file
from csc_warehouse.readers.annex_a import cin_category, cin_code, which_list

ANNEX_A = [ANNEX_A_LIIA_TOOLS, ANNEX_A_2024]
LIST_7 = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age",
    "Does the Child have a Disability",
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Date of the Last Statutory Visit",
    "Was the Child Seen Alone?",
    "Date of latest review conference",
    "Child Protection Plan End Date",
    "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
    "Number of Previous Child Protection Plans",
    "Allocated Team",
    "Allocated Worker",
]


def kept(source):
    """The rows as CP plans columns, with the source's row numbers."""
    return [
        {column: values[i] for i, column in enumerate(source.mapped) if column} | {"row": row}
        for row, values in source.rows()
    ]


LIST_TABLES = {
    "List 3": tables.CIN_REFERRALS,
    "List 4": tables.CIN_ASSESSMENTS,
    "List 5": tables.CIN_SECTION47,
    "List 6": tables.CIN_REFERRALS,
    "List 7": tables.CIN_CP_PLANS,
}


@pytest.mark.parametrize("path", ANNEX_A, ids=lambda p: p.name)
def test_lists_3_to_7_are_cin_tables_and_the_six_other_lists_are_ignored(path):
    sources = {source.sheet: source for source in read_file(path)}
    assert sorted(sources, key=lambda s: int(s.split()[1])) == [f"List {n}" for n in range(1, 12)]
    assert {sheet: source.table for sheet, source in sources.items() if source.table} == LIST_TABLES
    for number in [1, 2, 8, 9, 10, 11]:
        source = sources[f"List {number}"]
        assert source.table is None and source.warnings[0].startswith(f"Annex A List {number}: recorded")


@pytest.mark.parametrize("path", ANNEX_A, ids=lambda p: p.name)
def test_the_samples_lists_3_to_6_hold_their_rows_with_cin_codes(path):
    sources = {s.sheet: s for s in read_file(path)}
    # Counted by hand from the sheets: 6 referrals, 5 assessments, 5 section 47s, 5 children in need.
    referrals, assessments, enquiries, in_need = (kept(sources[f"List {n}"]) for n in (3, 4, 5, 6))
    assert [(r["row"], r["REFERRALSOURCE"], r["REFERRALNFA"]) for r in referrals] == [
        (2, "8", "FALSE"),  # s) 8: Other
        (3, "3D", "FALSE"),  # j) 3D: Health services
        (4, "6", "FALSE"),  # q) 6: Police
        (5, "2A", "FALSE"),  # e) 2A: Schools
        (6, "6", "FALSE"),
        (7, "6", "FALSE"),
    ]
    assert referrals[0] | {"row": 2} == {
        "LACHILDID": "6537810",
        "CINREFERRALDATE": "2020-09-16",
        "REFERRALSOURCE": "8",
        "REFERRALNFA": "FALSE",
        "row": 2,
    }
    assert len(assessments) == 5 and assessments[0] == {
        "LACHILDID": "10692868",
        "ASSESSMENTACTUALSTARTDATE": "2019-05-16",
        "ASSESSMENTAUTHORISATIONDATE": "2021-02-08",
        "row": 2,
    }
    assert [(e["ICPCNOTREQUIRED"], e["DATEOFINITIALCPC"]) for e in enquiries] == [
        ("FALSE", "2020-10-05"),
        ("FALSE", "2020-10-05"),
        ("TRUE", None),
        ("TRUE", None),
        ("FALSE", "2020-10-01"),
    ]
    # The first child in need's need is an adult social care support reason: kept, for the door to name.
    assert [r["PRIMARYNEEDCODE"] for r in in_need] == ["PSRMEM - Support with memory and cognition"] + ["N1"] * 4
    assert in_need[1] == {
        "LACHILDID": "8140425",
        "CINREFERRALDATE": "2006-11-23",
        "PRIMARYNEEDCODE": "N1",
        "CINCLOSUREDATE": None,
        "REASONFORCLOSURE": None,
        "row": 3,
    }


@pytest.mark.parametrize(
    ("number", "column", "spelling", "code"),
    [
        (3, "Referral Source", "a) 1C: Individual", "1C"),
        (3, "Referral Source", "(CS) Individual - Self", "1"),  # Annex A's letter names only the group
        (3, "Referral Source", "Med - CAMHS", "3"),
        (3, "Referral Source", "k) Unknown", "10"),
        (3, "Referral Source", "5D", "5D"),
        (3, "Referral NFA?", "NFA", "TRUE"),
        (3, "Referral NFA?", "b) No", "FALSE"),
        (3, "Referral NFA?", "1 - Yes", "1"),
        (5, "Was an Initial Child Protection Conference deemed unnecessary?", "Y", "TRUE"),
        (6, "Primary Need Code", "d) Family in acute stress", "N4"),
        (6, "Primary Need Code", "1a Physical Abuse", "N1"),
        (6, "Primary Need Code", "j) Not stated", "N0"),
        (6, "Primary Need Code", "N7 - a spelling the schema never saw", "N7"),
        (6, "Primary Need Code", "A3", "A3"),  # the schema's code error: kept, for the door to name
        (6, "Reason for Closure", "Adopted.", "RC1"),
        (6, "Reason for Closure", "Case closed after assessment, no further action", "RC8"),
        (6, "Reason for Closure", "RC9 - Case closed after assessment, referred to early help", "RC9"),
        (6, "Reason for Closure", "Unknown", None),  # i) Not stated: no reason given
    ],
)
def test_lettered_values_become_cin_codes_through_the_schemas_spellings(number, column, spelling, code):
    assert cin_code(number, column, spelling) == code


@pytest.mark.parametrize("path", ANNEX_A, ids=lambda p: p.name)
def test_the_samples_list_7_holds_7_plans_with_cin_codes(path):
    rows = kept({s.sheet: s for s in read_file(path)}["List 7"])
    # Counted by hand from the sheet: 7 children, 3 physical abuse and 4 emotional abuse plans, 5 ended.
    assert len(rows) == 7
    assert [row["LATESTCATEGORYOFABUSE"] for row in rows] == ["PHY"] * 3 + ["EMO"] * 4
    assert rows[0] == {
        "LACHILDID": "10721552",
        "SEX": "b) Female",
        "ETHNICITY": "s) NOBT",
        "PERSONBIRTHDATE": "2021-01-04",
        "CPPSTARTDATE": "2020-11-23",
        "INITIALCATEGORYOFABUSE": "PHY",
        "LATESTCATEGORYOFABUSE": "PHY",
        "CPPENDDATE": "2021-02-16",
        "NUMBEROFPREVIOUSCPP": "0",
        "row": 2,
    }
    assert sum(row["CPPENDDATE"] is not None for row in rows) == 5


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("a) Neglect", "NEG"),
        ("NEGLECT", "NEG"),
        ("Likelihood of Neglect", "NEG"),
        ("Physical abuse", "PHY"),
        ("PA", "PHY"),
        ("Sexual abuse ", "SAB"),
        ("d) Emotional abuse", "EMO"),
        ("NNNY", "EMO"),
        ("Neglect; Emotional abuse", "MUL"),
        ("e) Multiple/not recommended", "MUL"),
        ("MUL", "MUL"),
        ("Financial", "Financial"),  # unknown: kept as delivered, for the door to name
        (None, None),
        ("", ""),
    ],
)
def test_categories_of_abuse_become_cin_codes_through_the_schemas_spellings(spelling, code):
    assert cin_category(spelling) == code


def test_headers_are_matched_loosely_and_by_the_schemas_patterns():
    header = [
        "Child ID",
        "gender",
        "ETHNICITY",
        "Child's date of birth",
        "Child Protection Plan start date",
        "Initial category of abuse",
        "Latest Category Of Abuse",
        "Child protection plan end date",
    ]
    assert which_list(header).number == 7


def workbook(tmp_path, title, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    path = tmp_path / "annex_a.xlsx"
    book.save(path)
    return path


def test_a_title_above_the_header_row_is_skipped(tmp_path):
    path = workbook(
        tmp_path,
        "List 7",
        [
            ["Annex A List 7: children subject to a child protection plan"],
            [],
            LIST_7,
            [
                123456.0,
                "Male",
                "WBRI",
                datetime(2012, 1, 1),
                2,
                "No",
                datetime(2014, 1, 2),
                "Neglect",
                "Emotional",
                None,
                None,
                None,
                None,
                "No",
                0,
                "Team",
                "Worker",
            ],
        ],
    )
    [source] = read_file(path)
    assert source.table is tables.CIN_CP_PLANS and source.first_data_row == 4
    [row] = kept(source)
    assert row["LACHILDID"] == "123456" and row["CPPSTARTDATE"] == "2014-01-02"
    assert (row["INITIALCATEGORYOFABUSE"], row["LATESTCATEGORYOFABUSE"]) == ("NEG", "EMO")


def test_a_sheet_named_list_7_without_its_columns_is_list_7_missing_columns(tmp_path):
    path = workbook(tmp_path, "List 7 - CP", [["Name", "Start"], ["A", "01/01/2014"]])
    [source] = read_file(path)
    assert source.table is tables.CIN_CP_PLANS
    assert "LACHILDID" in source.missing_required() and "CPPSTARTDATE" in source.missing_required()
