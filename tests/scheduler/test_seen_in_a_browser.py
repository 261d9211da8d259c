"""What a user sees in a real browser (Debian's Chromium, headless): the weekly run's state in
Airflow's UI after logging in, and the committee report that run drafted with every chart loaded.
A screenshot of each page is kept in this module's output folder; the tests print their paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser import headless_chromium, images_once_loaded, log_into_airflow
from playwright.sync_api import expect

from csc_warehouse import settings

pytestmark = pytest.mark.slow

# The report's three charts: the weekly counts, the brief returns home and the audit results.
CHARTS = {"children_by_week.svg", "brief_returns_by_week.svg", "front_door_by_week.svg", "audit_results.svg"}


@pytest.fixture(scope="module")
def output_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("seen-in-a-browser")


@pytest.fixture(scope="module")
def chromium(output_folder):
    with headless_chromium(output_folder / "chromium-profile") as context:
        yield context


def keep_screenshot(page, path: Path, capsys) -> None:
    page.screenshot(path=path, full_page=True)
    with capsys.disabled():
        print(f"\nscreenshot: {path}")


def test_the_ui_shows_the_weekly_runs_state_after_logging_in(
    airflow, scheduled_demo_week, chromium, output_folder, capsys
):
    password = json.loads(Path(airflow.status_fields()["password-file"]).read_text())["admin"]
    page = chromium.new_page()
    page.goto(f"{airflow.url}/dags/{settings.WEEKLY_DAG_ID}")

    log_into_airflow(page, "admin", password)
    page.get_by_role("link", name="Runs", exact=True).click()

    run = page.get_by_role("row").filter(has_text=scheduled_demo_week["dag_run_id"])
    expect(run.get_by_role("cell", name="Success", exact=True)).to_be_visible()
    keep_screenshot(page, output_folder / "airflow-weekly-runs.png", capsys)


def test_every_chart_of_the_drafted_report_loads(airflow, scheduled_demo_week, chromium, output_folder, capsys):
    drafted = airflow.api(
        "GET",
        f"/dags/{settings.WEEKLY_DAG_ID}/dagRuns/{scheduled_demo_week['dag_run_id']}"
        "/taskInstances/draft_reports/xcomEntries/return_value",
    )
    assert drafted.status_code == 200, drafted.text
    (markdown,) = drafted.json()["value"]
    report = Path(markdown).with_name("report.html")
    page = chromium.new_page()

    page.goto(report.as_uri())

    charts = images_once_loaded(page)
    assert {chart.source for chart in charts} == CHARTS
    assert all(chart.natural_width > 0 for chart in charts), charts
    keep_screenshot(page, output_folder / "committee-report.png", capsys)
