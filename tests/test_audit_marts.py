"""The audit programme, the actions, a multi-agency audit and a re-audit against a real PostgreSQL:
hand-made deliveries through the door, the quality gate and dbt, and audit_programme_status,
audit_actions_status, audit_results and audit_results_by_agency compared with what is worked out by
hand below. The mart gate warns about a programme month without a sample size and an action done
without a done date, and nothing else.

309 delivers on 6 January 2014 its programme, its domestic abuse action plan and the domestic abuse
audit of November 2013 (2 cases), and on 10 February the section 47 audit, multi-agency (5 cases, each
answered by CSC, Police and Health), and the domestic abuse re-audit (2 cases). As at 10 February:

    Domestic abuse  2013-11  sample 2   2 cases in November                      done
    Section 47      2014-01  sample 6   5 cases on 5 February, grace to March     in progress
    Missing         2014-02  sample 4   nothing returned, February               due
    Neglect         2013-12  sample 6   nothing returned, December has ended     overdue
    Care planning   2014-03  sample 8   March is after February                  planned
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from conftest import empty_warehouse
from loading_fixtures import deliver, ingest

from csc_warehouse import quality, transforming

AUDIT_MODELS = (
    "int_newest_as_at_listed",
    "int_audit_answers_reported",
    "int_audit_programme_reported",
    "int_audit_actions_reported",
    "audit_results",
    "audit_results_by_agency",
    "audit_programme_status",
    "audit_actions_status",
)
AS_AT = date(2014, 2, 10)
PROGRAMME = """audit_theme,planned_month,sample_size,lead
Domestic abuse,2013-11,2,Head of Safeguarding
Section 47,2014-01,6,Head of Safeguarding
Missing,2014-02,4,Service Manager Adolescents
Neglect,2013-12,6,Head of Early Help
Care planning,2014-03,8,Head of Children in Need
"""
ACTIONS = """audit_theme,audit_period,action_id,action,lead,due_date,status,done_date
Domestic abuse,2013-11,DA-01,Record the risk assessment at first contact,Team Manager MASH,31/01/2014,open,
Domestic abuse,2013-11,DA-02,Share strategy minutes within two days,Head of Safeguarding,31/12/2013,done,20/12/2013
Domestic abuse,2013-11,DA-03,Check plans in supervision,Service Manager CIN,31/03/2014,open,
"""
AUDIT_HEADER = "audit_theme,audit_date,case_ref,auditor,question_id,question_text,answer,comment,agency\n"
INFORMATION_SHARING = "information_sharing_was_good,Information sharing was good"
DOMESTIC_ABUSE_NOVEMBER = AUDIT_HEADER + (
    f"Domestic abuse,14/11/2013,D1,A,{INFORMATION_SHARING},Yes,,\n"
    f"Domestic abuse,14/11/2013,D2,A,{INFORMATION_SHARING},No,,\n"
)
DOMESTIC_ABUSE_FEBRUARY = AUDIT_HEADER + (
    f"Domestic abuse,07/02/2014,D3,A,{INFORMATION_SHARING},Yes,,\n"
    f"Domestic abuse,07/02/2014,D4,A,{INFORMATION_SHARING},Y,,\n"
)
# Strategy meeting held: CSC yes in all 5 cases, Police in 4 (S5 no), Health in 3 (S4 partial, S5 no).
SECTION_47_ANSWERS = {"CSC": "YYYYY", "Police": "YYYYN", "Health": "YYYPN"}
SECTION_47 = AUDIT_HEADER + "".join(
    f"Section 47,05/02/2014,S{case},B,strategy_meeting_held,Strategy meeting held,"
    f"{ {'Y': 'Yes', 'N': 'No', 'P': 'Partial'}[answer] },,{agency}\n"
    for agency, answers in SECTION_47_ANSWERS.items()
    for case, answer in enumerate(answers, start=1)
)
# 310's programme leaves a sample size blank and its plan has an action done without a done date.
PROGRAMME_310 = "audit_theme,planned_month,sample_size,lead\nNeglect,2014-03,,Head of Early Help\n"
ACTIONS_310 = (
    "audit_theme,audit_period,action_id,action,lead,due_date,status,done_date\n"
    "Neglect,2013-12,N-01,Use the neglect toolkit,Team Manager,31/01/2014,done,\n"
)


def query(url: str, statement: str, params=()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


@pytest.fixture(scope="module")
def built(warehouse_url, tmp_path_factory):
    empty_warehouse(warehouse_url)
    root = tmp_path_factory.mktemp("audit-landing")
    for la_code, day, files in (
        ("309", "2014-01-06", {"programme.csv": PROGRAMME, "actions.csv": ACTIONS, "da.csv": DOMESTIC_ABUSE_NOVEMBER}),
        ("309", AS_AT.isoformat(), {"s47.csv": SECTION_47, "da.csv": DOMESTIC_ABUSE_FEBRUARY}),
        ("310", AS_AT.isoformat(), {"programme.csv": PROGRAMME_310, "actions.csv": ACTIONS_310}),
    ):
        outcome, _ = ingest(warehouse_url, deliver(root, la_code, day, files))
        assert outcome.status == "loaded", outcome.findings
    verdict = quality.check_deliveries("test-audit-marts", url=warehouse_url)
    assert [v.status for v in verdict.versions] == ["accepted"] * 3
    transforming.build(" ".join(f"+{model}" for model in AUDIT_MODELS[4:]))
    return warehouse_url


@pytest.mark.slow
def test_a_programme_gives_one_audit_of_each_status(built):
    rows = query(
        built,
        "select audit_theme, planned_month, cases_audited, status, as_at from build.audit_programme_status"
        " where la_code = '309' order by planned_month",
    )
    assert rows == [
        ("Domestic abuse", date(2013, 11, 1), 2, "done", AS_AT),
        ("Neglect", date(2013, 12, 1), 0, "overdue", AS_AT),
        ("Section 47", date(2014, 1, 1), 5, "in progress", AS_AT),
        ("Missing", date(2014, 2, 1), 0, "due", AS_AT),
        ("Care planning", date(2014, 3, 1), 0, "planned", AS_AT),
    ]


@pytest.mark.slow
def test_an_open_action_past_its_due_date_is_overdue_and_a_done_one_is_not(built):
    rows = query(
        built,
        "select action_id, status, overdue, lead from build.audit_actions_status where la_code = '309' order by 1",
    )
    assert rows == [
        ("DA-01", "open", True, "Team Manager MASH"),
        ("DA-02", "done", False, "Head of Safeguarding"),
        ("DA-03", "open", False, "Service Manager CIN"),
    ]


@pytest.mark.slow
def test_five_cases_audited_by_three_agencies_give_15_answers_a_question_and_5_per_agency(built):
    assert query(
        built,
        "select cases, met, applicable, pct_met, ratio from build.audit_results where audit_theme = 'Section 47'",
    ) == [(5, 12, 15, 80, "12:15")]
    assert query(
        built,
        "select agency, cases, met, applicable, pct_met from build.audit_results_by_agency"
        " where audit_theme = 'Section 47' order by agency",
    ) == [("CSC", 5, 5, 5, 100), ("Health", 5, 3, 5, 60), ("Police", 5, 4, 5, 80)]


@pytest.mark.slow
def test_a_re_audit_shows_the_previous_audits_percentage_and_the_change(built):
    rows = query(
        built,
        "select audit_period, pct_met, previous_pct_met, change_pct_points from build.audit_results"
        " where audit_theme = 'Domestic abuse' order by audit_period",
    )
    assert rows == [(date(2013, 11, 1), 50, None, None), (date(2014, 2, 1), 100, 50, 50)]
    assert query(
        built, "select distinct agency from build.audit_results_by_agency where audit_theme = 'Domestic abuse'"
    ) == [("CSC",)]


@pytest.mark.slow
def test_the_mart_gate_warns_of_a_month_without_sample_and_an_action_done_without_date(built):
    verdict = quality.check_marts("test-audit-marts", AS_AT.isoformat(), url=built)
    failed = sorted(
        (result.table, result.expectation, result.severity, result.unexpected_count, tuple(result.failing_la_codes))
        for result in verdict.results
        if not result.success and result.table.startswith("audit")
    )
    assert failed == [
        ("audit_actions_status", "action_done_without_done_date", "warn", 1, ("310",)),
        ("audit_programme_status", "planned_month_without_sample_size", "warn", 1, ("310",)),
    ]


@pytest.mark.slow
def test_the_audit_models_unit_tests_pass(built):
    selected = " ".join(f"test_type:unit,{model}" for model in AUDIT_MODELS)
    assert len(transforming._dbt(["test", "--select", *selected.split()]).results) >= 9
