"""End to end: case-audit returns through the audit_returns DAG (`csc run-audits`, Airflow dag.test(),
dbt, GX) against a real PostgreSQL, in a scenario database of their own.

One domestic abuse audit of 18 cases arrives from two authorities, 309 as the long CSV and 310 as the
wide workbook; both give the same audit_results, among them a question answered Yes in 8 of its 10
applicable cases: 80%, 8:10. Then 309 sends the audit again, corrected, in a later folder: the next
run loads only that, and the newest delivery's answers win for 309 alone. Last, 310 sends only its
audit programme and action plan (contract 1.5): the DAG picks them up on their own and publishes their
statuses.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path

import openpyxl
import psycopg
import pytest
from conftest import run_csc, scenario_database

from csc_warehouse import audit_returns

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
LONG, WIDE = "309", "310"
THEME, AUDIT_DATE, CASES = "Domestic abuse", date(2014, 2, 7), 18
QUESTIONS = ("The protection plan was clear", "Was the child seen alone?", "Management direction evidenced")
NOT_APPLICABLE = ["Not applicable", "NA", "N/A", "n/a", "Not applicable"]


def answers(corrected: bool = False) -> dict[str, list[str | None]]:
    """Each question's answer in cases 1..18, as the audit team typed them."""
    plan_clear = ["Yes" if case % 2 else "Y" for case in range(1, 9)] + ["No", "Partial"] + NOT_APPLICABLE + [None] * 3
    if corrected:
        plan_clear[8] = "Yes"  # case 9: No on review, Yes after all
    return {
        QUESTIONS[0]: plan_clear,  # 8 met of 10 applicable (5 NA, 3 blank)
        QUESTIONS[1]: ["Yes"] * 12 + ["No"] * 6,  # 12 of 18
        QUESTIONS[2]: ["Y"] * 5 + ["Partial"] * 3 + ["N"] * 8 + [None] * 2,  # 5 of 16
    }


def case_ref(la_code: str, case: int) -> str:
    return f"DA{la_code}-{case:03d}"


def long_csv(la_code: str, corrected: bool = False) -> str:
    lines = ["audit_theme,audit_date,case_ref,auditor,question_id,question_text,answer,comment"]
    question_ids = ["the_protection_plan_was_clear", "was_the_child_seen_alone_", "management_direction_evidenced"]
    for question, question_id in zip(QUESTIONS, question_ids, strict=True):
        for case, answer in enumerate(answers(corrected)[question], start=1):
            lines.append(
                f"{THEME},{AUDIT_DATE:%d/%m/%Y},{case_ref(la_code, case)},Auditor {case % 3},"
                f"{question_id},{question},{answer or ''},"
            )
    return "\n".join(lines) + "\n"


def wide_workbook(path: Path, la_code: str) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = THEME
    sheet.append(["case_ref", "auditor", "audit_date", *QUESTIONS])
    by_question = answers()
    for case in range(1, CASES + 1):
        sheet.append(
            [
                case_ref(la_code, case),
                f"Auditor {case % 3}",
                datetime(2014, 2, 7),
                *(by_question[question][case - 1] for question in QUESTIONS),
            ]
        )
    book.save(path)
    return path


# Worked out by hand from answers(): (question_id, question_text, met, applicable, pct_met, ratio).
EXPECTED = [
    ("management_direction_evidenced", QUESTIONS[2], 5, 16, 31, "5:16"),  # 31.25 -> 31
    ("the_protection_plan_was_clear", QUESTIONS[0], 8, 10, 80, "8:10"),
    ("was_the_child_seen_alone_", QUESTIONS[1], 12, 18, 67, "12:18"),  # 66.67 -> 67
]
CORRECTED = ("the_protection_plan_was_clear", QUESTIONS[0], 9, 10, 90, "9:10")
PROGRAMME = "audit_theme,planned_month,sample_size,lead\nDomestic abuse,2014-02,18,Head of Safeguarding\n"
ACTIONS = (
    "audit_theme,audit_period,action_id,action,lead,due_date,status,done_date\n"
    "Domestic abuse,2014-02,DA-01,Record the risk assessment early,Team Manager,31/01/2014,open,\n"
)


def published(url: str, la_code: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select question_id, question_text, met, applicable, pct_met, ratio from reporting.audit_results"
            " where la_code = %s and audit_theme = %s and audit_period = date '2014-02-01' order by question_id",
            [la_code, THEME],
        ).fetchall()


@pytest.fixture(scope="module")
def audit_scenario(warehouse_url, mail_sink, tmp_path_factory):
    url = scenario_database(warehouse_url, "audit_returns_scenario")
    landing = tmp_path_factory.mktemp("audit-landing")
    (landing / LONG / "2014-02-10").mkdir(parents=True)
    (landing / LONG / "2014-02-10" / "audit_domestic_abuse.csv").write_text(long_csv(LONG))
    (landing / WIDE / "2014-02-10").mkdir(parents=True)
    wide_workbook(landing / WIDE / "2014-02-10" / "case_audits.xlsx", WIDE)
    environment = {"CSC_WAREHOUSE_URL": url, "CSC_LANDING_DIR": str(tmp_path_factory.mktemp("unused"))}
    first = run_csc("run-audits", "--landing", str(landing), **environment)
    after_first = {la: published(url, la) for la in (LONG, WIDE)}

    (landing / LONG / "2014-02-17").mkdir(parents=True)
    (landing / LONG / "2014-02-17" / "audit_domestic_abuse.csv").write_text(long_csv(LONG, corrected=True))
    second = run_csc("run-audits", "--landing", str(landing), **environment)

    (landing / WIDE / "2014-02-24").mkdir(parents=True)
    (landing / WIDE / "2014-02-24" / "programme.csv").write_text(PROGRAMME)
    (landing / WIDE / "2014-02-24" / "actions.csv").write_text(ACTIONS)
    third = run_csc("run-audits", "--landing", str(landing), **environment)
    return {
        "url": url,
        "first": first,
        "after_first": after_first,
        "second": second,
        "after_second": {la: published(url, la) for la in (LONG, WIDE)},
        "third": third,
    }


def test_csc_run_audits_runs_the_dag_green(audit_scenario):
    for run in (audit_scenario["first"], audit_scenario["second"], audit_scenario["third"]):
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
        assert run.stdout.splitlines()[-1].startswith("audit_returns at ") and "success" in run.stdout


def test_the_long_csv_and_the_wide_workbook_give_the_same_audit_results(audit_scenario):
    assert audit_scenario["after_first"][LONG] == audit_scenario["after_first"][WIDE] == EXPECTED


def test_8_yes_of_10_applicable_is_80_percent_8_to_10(audit_scenario):
    [row] = [row for row in audit_scenario["after_first"][LONG] if row[0] == "the_protection_plan_was_clear"]
    assert (row[2], row[3], row[4], row[5]) == (8, 10, 80, "8:10")


def test_the_audit_delivered_again_replaces_the_earlier_answers_for_its_authority_only(audit_scenario):
    assert audit_scenario["after_second"][LONG] == [EXPECTED[0], CORRECTED, EXPECTED[2]]
    assert audit_scenario["after_second"][WIDE] == EXPECTED


def test_each_run_loads_only_what_arrived_and_is_recorded(audit_scenario):
    with psycopg.connect(audit_scenario["url"]) as conn:
        versions = conn.execute(
            "select la_code, extract_date, status from ledger.delivery_versions order by delivery_version_id"
        ).fetchall()
        runs = conn.execute("select dag_id, state, summary -> 'published' from dq.runs order by finished_at").fetchall()
        answers_in_raw = conn.execute("select count(*) from raw.audit_answers").fetchone()[0]
    assert sorted(versions) == [
        (LONG, date(2014, 2, 10), "accepted"),
        (LONG, date(2014, 2, 17), "accepted"),
        (WIDE, date(2014, 2, 10), "accepted"),
        (WIDE, date(2014, 2, 24), "accepted"),
    ]
    assert answers_in_raw == 3 * CASES * len(QUESTIONS)
    assert runs == [("audit_returns", "success", audit_returns.MARTS)] * 3


def test_a_programme_and_an_action_plan_alone_run_the_audit_dag_and_publish_their_status(audit_scenario):
    with psycopg.connect(audit_scenario["url"]) as conn:
        programme = conn.execute(
            "select la_code, audit_theme, planned_month, cases_audited, status, as_at"
            " from reporting.audit_programme_status"
        ).fetchall()
        actions = conn.execute(
            "select la_code, action_id, overdue, as_at from reporting.audit_actions_status"
        ).fetchall()
    assert programme == [(WIDE, THEME, date(2014, 2, 1), CASES, "done", date(2014, 2, 24))]
    assert actions == [(WIDE, "DA-01", True, date(2014, 2, 24))]


def test_the_weekly_dag_announces_audit_returns_and_the_audit_dag_listens(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CSC_", "AIRFLOW"))}
    env.update(
        {
            "CSC_WAREHOUSE_URL": "postgresql://nobody:nothing@127.0.0.1:9/none",
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'never-created.db'}",
        }
    )
    script = textwrap.dedent(f"""
        from airflow.dag_processing.dagbag import DagBag
        bag = DagBag(dag_folder={str(REPO / "dags")!r})
        print("ERRORS", bag.import_errors)
        audits = bag.dags["audit_returns"]
        print("SCHEDULE", audits.timetable.asset_condition)
        print("TASKS", sorted(audits.task_ids))
        print("OUTLETS", bag.dags["cp_lac_weekly"].get_task("announce_audit_returns").outlets)
        print("BUILD", audits.get_task("build_audit_results").op_kwargs)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["ERRORS"] == "{}"
    assert audit_returns.ASSET_URI in lines["SCHEDULE"] and audit_returns.ASSET_URI in lines["OUTLETS"]
    for task_id in (
        "find_audit_returns",
        "ingest",
        "check_deliveries",
        "build_audit_results",
        "check_marts",
        "publish",
        "summarise",
        "finish",
    ):
        assert f"'{task_id}'" in lines["TASKS"]
    # One dbt task, building the audit marts and what they read only.
    assert f"BUILD {{'dag_id': 'audit_returns', 'select': {audit_returns.DBT_SELECT!r}}}" in result.stdout


def test_only_newly_loaded_audit_files_trigger_the_audit_dag():
    files = [{"table_name": "audit_answers", "status": "accepted"}, {"table_name": None, "status": "ignored"}]
    loaded = {"status": "loaded", "already_loaded": False, "files": files}
    assert audit_returns.loaded_audit_returns([loaded]) == 1
    assert audit_returns.loaded_audit_returns([{**loaded, "already_loaded": True}]) == 0
    assert audit_returns.loaded_audit_returns([{**loaded, "status": "quarantined"}]) == 0
    assert (
        audit_returns.loaded_audit_returns(
            [{**loaded, "files": [{"table_name": "cin_cp_plans", "status": "accepted"}]}]
        )
        == 0
    )
    assert audit_returns.loaded_audit_returns(None) == 0
