"""`make run` says one line per demo week: each part of the run, the gate's warnings, the email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from csc_warehouse.orchestration import DagRunResult, task_states_of, week_progress

WEEK = date(2014, 1, 6)
ALL_SUCCEEDED = {
    "plan": "success",
    "find_deliveries": "success",
    "ingest": "success",
    "announce_audit_returns": "skipped",
    "check_deliveries": "success",
    "build_marts": "success",
    "check_marts": "success",
    "publish": "success",
    "draft_reports": "success",
    "return_versions": "success",
    "check_return_rules": "success",
    "judge_return_rules": "success",
    "build_return_readiness": "success",
    "publish_return_readiness": "success",
    "summarise": "success",
    "send_summary": "success",
    "finish": "success",
}


def test_a_green_week_is_one_line_of_parts(warehouse_url):
    result = DagRunResult("cp_lac_weekly", "no such run", "success", ALL_SUCCEEDED)
    assert week_progress(WEEK, result) == (
        "week 2014-01-06: ingest ok, gate ok, build ok, publish ok, return checks ok, email sent"
    )


def test_a_failed_return_check_is_said_on_the_weeks_line(warehouse_url):
    states = {**ALL_SUCCEEDED, "check_return_rules": "failed", "finish": "failed"}
    line = week_progress(WEEK, DagRunResult("cp_lac_weekly", "no such run", "failed", states))
    assert line == (
        "week 2014-01-06: ingest ok, gate ok, build ok, publish ok, return checks failed, email sent;"
        " FAILED: see the log"
    )


def test_a_failed_build_says_what_did_not_run_and_why(warehouse_url):
    states = {
        **ALL_SUCCEEDED,
        "build_marts": "failed",
        "check_marts": "upstream_failed",
        "publish": "upstream_failed",
        "draft_reports": "upstream_failed",
        "build_return_readiness": "upstream_failed",
        "publish_return_readiness": "upstream_failed",
        "send_summary": "failed",
        "finish": "failed",
    }
    line = week_progress(WEEK, DagRunResult("cp_lac_weekly", "no such run", "failed", states))
    assert line == (
        "week 2014-01-06: ingest ok, gate not run, build failed, publish not run, return checks ok, email not sent;"
        " FAILED: see the log"
    )


def test_a_mapped_ingest_is_failed_when_any_of_its_batches_failed():
    @dataclass
    class Instance:
        task_id: str
        state: str

    batches = [Instance("ingest", "success"), Instance("ingest", "failed"), Instance("ingest", "success")]
    assert task_states_of([Instance("plan", "success"), *batches]) == {"plan": "success", "ingest": "failed"}
