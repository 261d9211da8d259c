"""Case-audit returns: the long CSV is recognised by its header row; the wide workbook (one sheet per
theme, one row per case, one column per question) becomes one row per case and question."""

from datetime import datetime

import openpyxl
import pytest

from csc_warehouse import tables
from csc_warehouse.readers import read_file
from csc_warehouse.readers.audits import question_id

COLUMNS = list(tables.AUDIT_ANSWERS.columns)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The protection plan was clear", "the_protection_plan_was_clear"),
        ("Was the child seen alone?", "was_the_child_seen_alone_"),
        ("  S47: strategy meeting within 24h ", "s47__strategy_meeting_within_24h"),
        ("Risk (DASH) considered", "risk__dash__considered"),
    ],
)
def test_question_id_is_the_text_lower_cased_with_non_alphanumerics_as_underscores(text, expected):
    assert question_id(text) == expected


def test_the_long_csv_is_recognised_by_its_header(tmp_path):
    path = tmp_path / "audit.csv"
    path.write_text(",".join(c.lower() for c in COLUMNS) + "\nDomestic abuse,07/02/2014,C1,A,q1,Q1,Yes,\n")
    [source] = read_file(path)
    assert source.table is tables.AUDIT_ANSWERS and source.missing_required() == []


def test_each_sheet_of_a_wide_workbook_is_a_theme_and_each_cell_an_answer(tmp_path):
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Domestic abuse"
    first.append(["Case_Ref", "Auditor", "Audit Date", "The protection plan was clear", "Was the child seen alone?"])
    first.append(["C1", "A. Auditor", datetime(2014, 2, 7), "Y", "N/A"])
    first.append(["C2", "A. Auditor", "07/02/2014", "Partial", None])
    second = book.create_sheet("Section 47")
    second.append(["case_ref", "auditor", "audit_date", "Strategy meeting held"])
    second.append([1001.0, "B. Auditor", datetime(2014, 2, 3), "Yes"])
    book.create_sheet("Notes").append(["How to fill this in"])
    path = tmp_path / "audits.xlsx"
    book.save(path)
    sources = {source.sheet: source for source in read_file(path)}
    assert sources["Notes"].table is None
    rows = {
        sheet: [(row, dict(zip(COLUMNS, values, strict=True))) for row, values in sources[sheet].rows()]
        for sheet in ("Domestic abuse", "Section 47")
    }
    assert [(row, v["CASE_REF"], v["QUESTION_ID"], v["ANSWER"]) for row, v in rows["Domestic abuse"]] == [
        (2, "C1", "the_protection_plan_was_clear", "Y"),
        (2, "C1", "was_the_child_seen_alone_", "N/A"),
        (3, "C2", "the_protection_plan_was_clear", "Partial"),
        (3, "C2", "was_the_child_seen_alone_", None),
    ]
    row, values = rows["Section 47"][0]
    assert values == {
        "AUDIT_THEME": "Section 47",
        "AUDIT_DATE": "2014-02-03",
        "CASE_REF": "1001",
        "AUDITOR": "B. Auditor",
        "QUESTION_ID": "strategy_meeting_held",
        "QUESTION_TEXT": "Strategy meeting held",
        "ANSWER": "Yes",
        "COMMENT": None,
        "AGENCY": None,
    }


def test_two_questions_with_the_same_id_are_a_door_problem(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Theme"
    sheet.append(["case_ref", "audit_date", "Plan clear?", "Plan clear!"])
    path = tmp_path / "audits.xlsx"
    book.save(path)
    [source] = read_file(path)
    assert [(p.rule, p.column) for p in source.problems] == [("duplicate-column", "plan_clear_")]
