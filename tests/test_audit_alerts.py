"""The weekly email's "Audit programme" section, from published audit statuses written by hand into a
scenario database: the audits due this month, then each audit or action the week it became overdue,
named once with its lead, and said to persist the week after; nothing about children."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from conftest import body_text, scenario_database

from csc_warehouse import run_email
from csc_warehouse.handoffs import RunSummary

PROGRAMME = [
    # la_code, theme, planned_month, sample, lead, cases
    ("309", "Neglect", date(2014, 1, 1), 6, "Head of Early Help", 0),
    ("309", "Missing", date(2014, 2, 1), 4, "Service Manager Adolescents", 1),
    ("309", "Care planning", date(2014, 3, 1), 8, "Head of Children in Need", 0),
]
ACTIONS = [
    # la_code, theme, period, action_id, action, lead, due_date, status
    (
        "309",
        "Domestic abuse",
        date(2013, 11, 1),
        "DA-01",
        "Talk to the child's mother",
        "Team Manager MASH",
        date(2014, 1, 31),
        "open",
    ),
    (
        "309",
        "Domestic abuse",
        date(2013, 11, 1),
        "DA-02",
        "Share minutes",
        "Head of Safeguarding",
        date(2014, 1, 31),
        "done",
    ),
]


def publish_statuses(url: str, as_at: date) -> None:
    """The two marts as the audit DAG would publish them as at as_at (the statuses worked out by hand)."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "drop table if exists reporting.audit_programme_status, reporting.audit_actions_status;"
            " create table reporting.audit_programme_status (la_code text, audit_theme text, planned_month date,"
            " sample_size integer, lead text, cases_audited bigint, status text, as_at date);"
            " create table reporting.audit_actions_status (la_code text, audit_theme text, audit_period date,"
            " action_id text, action text, lead text, due_date date, status text, done_date date, overdue boolean,"
            " as_at date)"
        )
        month = date(as_at.year, as_at.month, 1)
        for la_code, theme, planned, sample, lead, cases in PROGRAMME:
            status = (
                "planned"
                if planned > month
                else "due"
                if planned == month and not cases
                else "in progress"
                if planned == month
                else "overdue"
            )
            conn.execute(
                "insert into reporting.audit_programme_status values (%s, %s, %s, %s, %s, %s, %s, %s)",
                [la_code, theme, planned, sample, lead, cases, status, as_at],
            )
        for la_code, theme, period, action_id, action, lead, due, status in ACTIONS:
            conn.execute(
                "insert into reporting.audit_actions_status values (%s, %s, %s, %s, %s, %s, %s, %s, null, %s, %s)",
                [la_code, theme, period, action_id, action, lead, due, status, status == "open" and due < as_at, as_at],
            )


def section(url: str, as_at: date) -> list[str]:
    publish_statuses(url, as_at)
    run = RunSummary(run_id=f"manual__{as_at}", as_at=as_at.isoformat(), errors=())
    text = body_text(run_email.summary_message(run, url=url)).splitlines()
    start = text.index("Audit programme:") + 1
    end = text.index("", start) if "" in text[start:] else len(text)
    return text[start:end]


@pytest.fixture(scope="module")
def weeks(warehouse_url):
    url = scenario_database(warehouse_url, "audit_alerts")
    return {as_at: section(url, as_at) for as_at in (date(2014, 1, 27), date(2014, 2, 3), date(2014, 2, 10))}


def test_before_anything_is_overdue_the_section_says_only_what_is_due(weeks):
    assert weeks[date(2014, 1, 27)] == [
        "  309 due this month (January 2014): the neglect audit (0 of 6 cases returned; lead Head of Early Help).",
    ]


def test_the_week_an_audit_and_an_action_became_overdue_names_each_once_with_its_lead(weeks):
    assert weeks[date(2014, 2, 3)] == [
        "  309 due this month (February 2014): the missing audit (1 of 4 cases returned;"
        " lead Service Manager Adolescents).",
        "  309 became overdue: the neglect audit planned for January 2014, 0 of 6 cases returned"
        " (lead Head of Early Help).",
        "  309 became overdue: action DA-01 of the domestic abuse audit of November 2013, due 31 January 2014"
        " (lead Team Manager MASH).",
    ]


def test_the_next_week_says_they_persist(weeks):
    assert weeks[date(2014, 2, 10)][1:] == [
        "  309 persists: the neglect audit planned for January 2014, 0 of 6 cases returned"
        " (lead Head of Early Help) (overdue since the week of 2014-02-03).",
        "  309 persists: action DA-01 of the domestic abuse audit of November 2013, due 31 January 2014"
        " (lead Team Manager MASH) (overdue since the week of 2014-02-03).",
    ]


def test_an_actions_own_words_never_reach_the_email(weeks):
    assert not any("mother" in line for lines in weeks.values() for line in lines)
