"""Child protection plans and case-audit returns through the door, against a real PostgreSQL.

The peer samples: every CIN census XML with CP plans and both Annex A workbooks load with the plans
counted by hand from the files below, or are quarantined for a real defect they have. Then the door's
checks on plans (dates, categories of abuse, one row per plan) and on audit answers (the variants
of Yes, No, Partial and Not applicable, or blank).
"""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest
from loading_fixtures import ANNEX_A, ANNEX_A_2024, LIIA_CIN, deliver, ingest, query
from loading_fixtures import VALIDATOR_CIN as CIN_SAMPLES

PLAN_HEADER = (
    "LAchildID,PersonBirthDate,Sex,Ethnicity,CPPstartDate,CPPendDate,InitialCategoryOfAbuse,"
    "LatestCategoryOfAbuse,NumberOfPreviousCPP\n"
)
AUDIT_HEADER = "audit_theme,audit_date,case_ref,auditor,question_id,question_text,answer,comment\n"


def plans_in_raw(url):
    return query(
        url,
        "select lachildid, cppstartdate, cppenddate, latestcategoryofabuse from raw.cin_cp_plans"
        " order by source_file, source_row, cppstartdate",
    )


# -- the peer samples -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "plans", "start", "end"),
    [
        # Counted by hand: each file has one child, DfEX0000001, with one <ChildProtectionPlans>, PHY/PHY.
        ("CIN_Census_2021.xml", 1, "1970-02-17", "1971-03-14"),
        ("CIN_Census_2021_copy.xml", 1, "2022-02-17", "2023-03-14"),
        ("CIN_Census_2021_no_assessment_factors.xml", 1, "2022-02-17", "2023-03-14"),
        ("CIN_Census_2024.xml", 1, "2022-02-17", "2023-03-14"),  # its second child has no plan
        ("CIN_Census_2026.xml", 1, "2022-02-17", "2023-03-14"),  # its second child has no plan
    ],
)
def test_each_cin_census_sample_loads_its_plans(fresh_warehouse, tmp_path, name, plans, start, end):
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {name: CIN_SAMPLES / name}))
    assert outcome.status == "loaded", outcome.findings
    assert plans_in_raw(fresh_warehouse) == [("DfEX0000001", start, end, "PHY")] * plans
    assert query(
        fresh_warehouse,
        "select sheet, table_name, status, rows_loaded from ledger.delivery_files where table_name = 'cin_cp_plans'",
    ) == [("CP plans", "cin_cp_plans", "accepted", plans)]


def test_the_files_lea_is_overruled_by_the_folder_with_a_warning(fresh_warehouse, tmp_path):
    outcome, lines = ingest(fresh_warehouse, deliver(tmp_path, "309", "2022-03-31", {"cin.xml": LIIA_CIN}))
    assert outcome.status == "loaded"
    assert query(fresh_warehouse, "select distinct la_code from raw.cin_cp_plans") == [("309",)]
    [(reason,)] = query(fresh_warehouse, "select reason from ledger.delivery_files where sheet = 'CP plans'")
    assert "the file says LA 201; the folder's 309 is used (the folder wins)" in reason
    assert any("the folder wins" in line for line in lines)


def test_the_sample_with_the_same_plan_twice_is_quarantined(fresh_warehouse, tmp_path):
    """CIN2rows.xml's child has two identical <ChildProtectionPlans> (start 17 February 2022): a plan
    is (la_code, child, CPPstartDate), so the census contradicts itself about one plan."""
    outcome, _ = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"CIN2rows.xml": CIN_SAMPLES / "CIN2rows.xml"})
    )
    assert outcome.status == "quarantined"
    [finding] = outcome.findings
    assert (finding.rule, finding.column_name, finding.value) == (
        "duplicate-plan",
        "LACHILDID, CPPSTARTDATE",
        "DFEX0000001, 2022-02-17",
    )
    assert "one row per plan" in finding.message
    assert plans_in_raw(fresh_warehouse) == []


def test_a_census_with_no_plans_loads_as_no_child_on_a_plan(fresh_warehouse, tmp_path):
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(tmp_path, "975", "2023-03-31", {"fake_CIN_data.xml": CIN_SAMPLES / "fake_CIN_data.xml"}),
    )
    assert outcome.status == "loaded" and plans_in_raw(fresh_warehouse) == []
    assert query(fresh_warehouse, "select status from ledger.delivery_files where table_name = 'cin_cp_plans'") == [
        ("accepted",)
    ]


@pytest.mark.parametrize("workbook", [ANNEX_A, ANNEX_A_2024], ids=lambda p: p.name)
def test_each_annex_a_workbook_is_quarantined_for_its_list_6_adult_care_need(fresh_warehouse, tmp_path, workbook):
    """List 6's first child in need has 'PSRMEM - Support with memory and cognition' for its primary
    need: an adult social care support reason, no CIN need code of any year."""
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2021-03-01", {workbook.name: workbook}))
    assert outcome.status == "quarantined"
    assert [(f.sheet, f.row_number, f.column_name, f.value, f.rule) for f in outcome.findings] == [
        ("List 6", 2, "PRIMARYNEEDCODE", "PSRMEM - Support with memory and cognition", "unknown-code")
    ]


def with_list_6_need_corrected(workbook, folder):
    book = openpyxl.load_workbook(workbook)
    for row in book["List 6"].iter_rows():
        for cell in row:
            if cell.value == "PSRMEM - Support with memory and cognition":
                cell.value = "b) Child's disability"
    path = folder / workbook.name
    book.save(path)
    return path


@pytest.mark.parametrize("workbook", [ANNEX_A, ANNEX_A_2024], ids=lambda p: p.name)
def test_each_annex_a_workbook_loads_lists_3_to_7_and_records_the_other_lists_as_ignored(
    fresh_warehouse, tmp_path, workbook
):
    corrected = with_list_6_need_corrected(workbook, tmp_path)
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path / "landing", "309", "2021-03-01", {workbook.name: corrected}))
    assert outcome.status == "loaded", outcome.findings
    files = query(
        fresh_warehouse, "select sheet, table_name, status, rows_loaded from ledger.delivery_files order by sheet"
    )
    # Counted by hand from the sheets: 6 referrals, 5 assessments, 5 section 47s, 5 in need, 7 plans.
    loaded = {3: ("cin_referrals", 6), 4: ("cin_assessments", 5), 5: ("cin_section47", 5)}
    loaded |= {6: ("cin_referrals", 5), 7: ("cin_cp_plans", 7)}
    assert sorted(files, key=lambda f: int(f[0].split()[1])) == [
        (f"List {n}", loaded[n][0], "accepted", loaded[n][1]) if n in loaded else (f"List {n}", None, "ignored", 0)
        for n in range(1, 12)
    ]
    assert query(fresh_warehouse, "select primaryneedcode from raw.cin_referrals where lachildid = '12598894'") == [
        ("N2",)
    ]
    # Counted by hand from List 7: 7 children, 3 physical abuse then 4 emotional abuse plans.
    assert plans_in_raw(fresh_warehouse) == [
        ("10721552", "2020-11-23", "2021-02-16", "PHY"),
        ("5358472", "2021-02-08", None, "PHY"),
        ("14953858", "2021-02-08", None, "PHY"),
        ("16036763", "2020-04-27", "2021-01-04", "EMO"),
        ("9396243", "2020-04-27", "2021-01-04", "EMO"),
        ("11811692", "2019-06-25", "2020-09-17", "EMO"),
        ("6913085", "2019-06-25", "2020-09-17", "EMO"),
    ]


# -- the door on plans ----------------------------------------------------------------------------


def test_a_cin_named_csv_loads_as_delivered(fresh_warehouse, tmp_path):
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(
            tmp_path,
            "309",
            "2014-02-10",
            {
                "cp_plans.csv": PLAN_HEADER
                + (
                    "1001,01/05/2010,1,WBRI,01/06/2013,,NEG,neg,0\n"
                    "1001.0,01/05/2010,1,WBRI,1/1/2012,02/02/2013,PHY, emo ,0\n"
                )
            },
        ),
    )
    assert outcome.status == "loaded", outcome.findings
    assert query(
        fresh_warehouse,
        "select lachildid, cppstartdate, latestcategoryofabuse from raw.cin_cp_plans order by source_row",
    ) == [("1001", "01/06/2013", "neg"), ("1001.0", "1/1/2012", " emo ")]


def test_a_cin_named_workbook_loads_through_the_xlsx_reader(fresh_warehouse, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "CP plans"
    book.active.append(PLAN_HEADER.strip().split(","))
    book.active.append([1001.0, datetime(2010, 5, 1), "F", "WBRI", datetime(2013, 6, 1), None, "NEG", "MUL", 1])
    path = tmp_path / "cp.xlsx"
    book.save(path)
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path / "landing", "309", "2014-02-10", {"cp.xlsx": path}))
    assert outcome.status == "loaded", outcome.findings
    assert query(fresh_warehouse, "select lachildid, cppstartdate, numberofpreviouscpp from raw.cin_cp_plans") == [
        ("1001", "2013-06-01", "1")
    ]


@pytest.mark.parametrize(
    ("row", "rule", "column"),
    [
        ("1001,01/05/2010,1,WBRI,31/02/2013,,NEG,NEG,0", "impossible-date", "CPPSTARTDATE"),
        ("1001,01/05/2010,1,WBRI,01/06/13,,NEG,NEG,0", "two-digit-year", "CPPSTARTDATE"),
        ("1001,01/05/2010,1,WBRI,01/06/2013,soon,NEG,NEG,0", "date-format", "CPPENDDATE"),
        ("1001,01/05/2010,1,WBRI,,,NEG,NEG,0", "blank-value", "CPPSTARTDATE"),
        ("1001,01/05/2010,1,WBRI,01/06/2013,,NEG,FIN,0", "unknown-code", "LATESTCATEGORYOFABUSE"),
    ],
)
def test_a_plan_breaking_a_door_check_quarantines_the_delivery(fresh_warehouse, tmp_path, row, rule, column):
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2014-02-10", {"cp_plans.csv": PLAN_HEADER + row}))
    assert outcome.status == "quarantined"
    assert [(f.rule, f.column_name, f.row_number) for f in outcome.findings] == [(rule, column, 2)]


def test_a_plans_file_without_end_dates_is_missing_a_required_column(fresh_warehouse, tmp_path):
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(
            tmp_path,
            "309",
            "2014-02-10",
            {"cp_plans.csv": "LAchildID,CPPstartDate,LatestCategoryOfAbuse\n1001,01/06/2013,NEG\n"},
        ),
    )
    assert outcome.status == "quarantined"
    assert [(f.rule, f.column_name) for f in outcome.findings] == [("required-column", "CPPENDDATE")]


def test_a_blank_category_passes_the_door_for_the_gate_to_warn_about(fresh_warehouse, tmp_path):
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(
            tmp_path, "309", "2014-02-10", {"cp_plans.csv": PLAN_HEADER + "1001,01/05/2010,1,WBRI,01/06/2013,,,,\n"}
        ),
    )
    assert outcome.status == "loaded", outcome.findings


# -- the door on audit returns --------------------------------------------------------------------


def test_every_answer_variant_and_blank_pass_the_door(fresh_warehouse, tmp_path):
    answers = ["Yes", "Y", "yes", "No", "N", "Partial", "Not applicable", "NA", "N/A", "n/a", ""]
    rows = "".join(f"Domestic abuse,07/02/2014,C{n},A. Auditor,q1,Q1,{answer},\n" for n, answer in enumerate(answers))
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2014-02-10", {"audit.csv": AUDIT_HEADER + rows}))
    assert outcome.status == "loaded", outcome.findings
    assert query(fresh_warehouse, "select count(*) from raw.audit_answers") == [(len(answers),)]


def test_an_answer_that_is_no_variant_quarantines_the_return(fresh_warehouse, tmp_path):
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(
            tmp_path, "309", "2014-02-10", {"audit.csv": AUDIT_HEADER + "Domestic abuse,07/02/2014,C1,A,q1,Q1,Maybe,\n"}
        ),
    )
    assert outcome.status == "quarantined"
    assert [(f.rule, f.column_name, f.value) for f in outcome.findings] == [("unknown-code", "ANSWER", "Maybe")]


def test_the_same_case_and_question_twice_is_a_door_finding(fresh_warehouse, tmp_path):
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(
            tmp_path,
            "309",
            "2014-02-10",
            {
                "audit.csv": AUDIT_HEADER
                + ("Domestic abuse,07/02/2014,C1,A,q1,Q1,Yes,\nDomestic abuse,07/02/2014,C1,A,q1,Q1,No,\n")
            },
        ),
    )
    assert outcome.status == "quarantined"
    assert [f.rule for f in outcome.findings] == ["duplicate-answer"]


def test_a_wide_workbook_of_several_themes_and_a_long_csv_load_together(fresh_warehouse, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Domestic abuse"
    book.active.append(["case_ref", "auditor", "audit_date", "The protection plan was clear"])
    book.active.append(["C1", "A", datetime(2014, 2, 7), "Y"])
    s47 = book.create_sheet("Section 47")
    s47.append(["case_ref", "auditor", "audit_date", "Strategy meeting held", "Police present"])
    s47.append(["C2", "B", datetime(2014, 2, 3), "Yes", "N/A"])
    path = tmp_path / "audits.xlsx"
    book.save(path)
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(
            tmp_path / "landing",
            "309",
            "2014-02-10",
            {"audits.xlsx": path, "neglect.csv": AUDIT_HEADER + "Neglect,05/02/2014,C3,C,q9,Q9,No,\n"},
        ),
    )
    assert outcome.status == "loaded", outcome.findings  # several audit sources in one delivery are fine
    assert query(
        fresh_warehouse,
        "select audit_theme, case_ref, question_id, answer from raw.audit_answers order by audit_theme, question_id",
    ) == [
        ("Domestic abuse", "C1", "the_protection_plan_was_clear", "Y"),
        ("Neglect", "C3", "q9", "No"),
        ("Section 47", "C2", "police_present", "N/A"),
        ("Section 47", "C2", "strategy_meeting_held", "Yes"),
    ]
