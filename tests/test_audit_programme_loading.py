"""The audit programme and the audit actions through the door (contract 1.5), and the agency of a
multi-agency audit return, against a real PostgreSQL: recognised by header in a CSV or a sheet, months
YYYY-MM exactly, dates as every other date, status open or done, one row per planned audit or action."""

from __future__ import annotations

import openpyxl
import pytest
from loading_fixtures import deliver, ingest, query

from csc_warehouse import tables

PROGRAMME_HEADER = "audit_theme,planned_month,sample_size,lead\n"
ACTIONS_HEADER = "audit_theme,audit_period,action_id,action,lead,due_date,status,done_date\n"
AUDIT_HEADER = "audit_theme,audit_date,case_ref,auditor,question_id,question_text,answer,comment,agency\n"


def test_a_programme_and_an_action_plan_load_as_delivered(fresh_warehouse, tmp_path):
    programme = (
        PROGRAMME_HEADER + "Domestic abuse,2014-02,18,Head of Safeguarding\nNeglect,2014-03,,Head of Early Help\n"
    )
    actions = ACTIONS_HEADER + (
        "Domestic abuse,2013-11,DA-01,Record risk early,Team Manager,31/01/2014,Open,\n"
        "Domestic abuse,2013-11,DA-02,Share minutes,Head of Safeguarding,2013-12-31,DONE,20/12/2013\n"
    )
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(tmp_path, "309", "2014-01-13", {"programme.csv": programme, "actions.csv": actions}),
    )
    assert outcome.status == "loaded", outcome.findings
    assert {file.table_name for file in outcome.files} == {"audit_programme", "audit_actions"}
    assert query(fresh_warehouse, "select audit_theme, planned_month, sample_size from raw.audit_programme") == [
        ("Domestic abuse", "2014-02", "18"),
        ("Neglect", "2014-03", None),
    ]
    assert query(fresh_warehouse, "select action_id, status from raw.audit_actions order by action_id") == [
        ("DA-01", "Open"),
        ("DA-02", "DONE"),
    ]


def test_a_programme_sheet_is_recognised_by_its_header(fresh_warehouse, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Programme 2013-14"
    book.active.append(["Audit_Theme", "Planned_Month", "Sample_Size", "Lead"])
    book.active.append(["Section 47", "2014-02", 5, "Head of Safeguarding"])
    path = tmp_path / "programme.xlsx"
    book.save(path)
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path / "landing", "309", "2014-01-13", {"programme.xlsx": path}))
    assert outcome.status == "loaded", outcome.findings
    assert query(fresh_warehouse, "select audit_theme, planned_month, sample_size, lead from raw.audit_programme") == [
        ("Section 47", "2014-02", "5", "Head of Safeguarding")
    ]


@pytest.mark.parametrize(
    ("row", "rule", "column"),
    [
        ("Neglect,2014-1,6,Lead\n", "month-format", "PLANNED_MONTH"),
        ("Neglect,01/2014,6,Lead\n", "month-format", "PLANNED_MONTH"),
        ("Neglect,2014-13,6,Lead\n", "month-format", "PLANNED_MONTH"),
        ("Neglect,2014-01-01,6,Lead\n", "month-format", "PLANNED_MONTH"),
        ("Neglect,,6,Lead\n", "blank-value", "PLANNED_MONTH"),
        ("Neglect,2014-01,six,Lead\n", "not-a-count", "SAMPLE_SIZE"),
        ("Neglect,2014-01,-1,Lead\n", "not-a-count", "SAMPLE_SIZE"),
        ("Neglect,2014-01,1000000,Lead\n", "not-a-count", "SAMPLE_SIZE"),
        ("Neglect,2014-01,6,Lead\nNeglect,2014-01,8,Other\n", "duplicate-planned audit", "AUDIT_THEME, PLANNED_MONTH"),
    ],
)
def test_a_programme_row_breaking_a_door_check_quarantines_the_delivery(fresh_warehouse, tmp_path, row, rule, column):
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2014-01-13", {"p.csv": PROGRAMME_HEADER + row}))
    assert outcome.status == "quarantined"
    assert [(f.rule, f.column_name) for f in outcome.findings] == [(rule, column)]


@pytest.mark.parametrize(
    ("row", "rule", "column"),
    [
        ("DA,2013-11,A1,Act,Lead,31/01/2014,started,\n", "unknown-code", "STATUS"),
        ("DA,2013-11,A1,Act,Lead,31/01/2014,,\n", "blank-value", "STATUS"),
        ("DA,2013-11,A1,Act,Lead,31/01/14,open,\n", "two-digit-year", "DUE_DATE"),
        ("DA,2013-11,A1,Act,Lead,31/02/2014,open,\n", "impossible-date", "DUE_DATE"),
        ("DA,2013-11,A1,Act,Lead,31/01/2014,done,last week\n", "date-format", "DONE_DATE"),
        ("DA,Nov 2013,A1,Act,Lead,31/01/2014,open,\n", "month-format", "AUDIT_PERIOD"),
        (
            "DA,2013-11,A1,Act,Lead,31/01/2014,open,\nDA,2013-11,A1,Again,Lead,28/02/2014,open,\n",
            "duplicate-action",
            "AUDIT_THEME, AUDIT_PERIOD, ACTION_ID",
        ),
    ],
)
def test_an_action_breaking_a_door_check_quarantines_the_delivery(fresh_warehouse, tmp_path, row, rule, column):
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2014-01-13", {"a.csv": ACTIONS_HEADER + row}))
    assert outcome.status == "quarantined"
    assert [(f.rule, f.column_name) for f in outcome.findings] == [(rule, column)]


def test_an_actions_file_without_done_dates_is_missing_a_required_column(fresh_warehouse, tmp_path):
    header = "audit_theme,audit_period,action_id,action,lead,due_date,status\n"
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(tmp_path, "309", "2014-01-13", {"a.csv": header + "DA,2013-11,A1,Act,Lead,31/01/2014,open\n"}),
    )
    assert outcome.status == "quarantined"
    assert "DONE_DATE" in outcome.findings[0].message


def test_each_agency_may_answer_for_the_same_case_and_question(fresh_warehouse, tmp_path):
    rows = "".join(
        f"Section 47,05/02/2014,S1,A,q1,Q1,Yes,,{agency}\n" for agency in ("Children's services", "Police", "Health")
    )
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2014-02-10", {"s47.csv": AUDIT_HEADER + rows}))
    assert outcome.status == "loaded", outcome.findings
    assert query(fresh_warehouse, "select agency from raw.audit_answers order by agency") == [
        ("Children's services",),
        ("Health",),
        ("Police",),
    ]


def test_one_agency_answering_the_same_case_and_question_twice_is_a_door_finding(fresh_warehouse, tmp_path):
    rows = "Section 47,05/02/2014,S1,A,q1,Q1,Yes,,Police\nSection 47,05/02/2014,S1,B,q1,Q1,No,,Police\n"
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2014-02-10", {"s47.csv": AUDIT_HEADER + rows}))
    assert outcome.status == "quarantined"
    assert [f.rule for f in outcome.findings] == ["duplicate-answer"]


def test_a_wide_sheet_with_an_agency_column_gives_each_row_its_agency(fresh_warehouse, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Section 47"
    book.active.append(["case_ref", "auditor", "audit_date", "agency", "Strategy meeting held"])
    book.active.append(["S1", "A", "05/02/2014", "Police", "Yes"])
    book.active.append(["S1", "B", "05/02/2014", "Health", "No"])
    path = tmp_path / "s47.xlsx"
    book.save(path)
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path / "landing", "309", "2014-02-10", {"s47.xlsx": path}))
    assert outcome.status == "loaded", outcome.findings
    assert query(fresh_warehouse, "select agency, question_id, answer from raw.audit_answers order by agency") == [
        ("Health", "strategy_meeting_held", "No"),
        ("Police", "strategy_meeting_held", "Yes"),
    ]


def test_a_raw_audit_answers_table_made_before_the_agency_column_gains_it(warehouse_url):
    from conftest import scenario_database

    from csc_warehouse import warehouse

    url = scenario_database(warehouse_url, "audit_answers_before_agency")
    with warehouse.connect(url) as conn:
        conn.execute("alter table raw.audit_answers drop column agency")
    warehouse.migrate(url)
    columns = query(
        url,
        "select column_name from information_schema.columns where table_schema = 'raw'"
        " and table_name = 'audit_answers' order by ordinal_position desc limit 1",
    )
    assert columns == [(tables.AUDIT_ANSWERS.raw_column("AGENCY"),)]
