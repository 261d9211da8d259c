"""The demo's audit loop end to end, through the weekly DAG (the shared `demo_weeks`): the programme, the
January domestic abuse audit and its action plan arrive on 13 January, the section 47 multi-agency audit
and the domestic abuse re-audit on 10 February (csc_warehouse.demo.audit_programme says week by week
what is due, done and overdue). The email names an audit or action the week it became overdue, and says
it persists the next; the committee report of 10 February prints the multi-agency, progress, programme
and actions sentences, each with its footnoted source."""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import body_text, run_csc

pytestmark = pytest.mark.e2e

AS_AT = date(2014, 2, 10)
NEGLECT = "the neglect audit planned for December 2013, 0 of 6 cases returned (lead Head of Early Help)"
MISSING = (
    "the missing from home audit planned for January 2014, 0 of 6 cases returned (lead Adolescent Services Manager)"
)
ACTION = "action DA-01 of the domestic abuse audit of January 2014, due 31 January 2014 (lead MASH Team Manager)"


def audit_section(demo_weeks, as_at: date) -> list[str]:
    text = body_text(demo_weeks["runs"][as_at]["emails"][0]).splitlines()
    if "Audit programme:" not in text:
        return []
    start = text.index("Audit programme:") + 1
    end = text.index("", start) if "" in text[start:] else len(text)
    return text[start:end]


def test_the_week_before_the_programme_arrived_the_email_has_no_audit_programme(demo_weeks):
    assert audit_section(demo_weeks, date(2014, 1, 6)) == []


def test_the_email_names_an_audit_the_week_it_became_overdue_and_then_says_it_persists(demo_weeks):
    assert audit_section(demo_weeks, date(2014, 1, 13)) == [
        "  309 due this month (January 2014): the missing from home audit (0 of 6 cases returned;"
        " lead Adolescent Services Manager).",
        f"  309 became overdue: {NEGLECT}.",
    ]
    assert audit_section(demo_weeks, date(2014, 1, 20))[1] == (
        f"  309 persists: {NEGLECT} (overdue since the week of 2014-01-13)."
    )


def test_an_audit_and_an_action_overdue_from_3_february_are_named_then_and_persist_on_10_february(demo_weeks):
    february_3 = audit_section(demo_weeks, date(2014, 2, 3))
    assert f"  309 became overdue: {MISSING}." in february_3
    assert f"  309 became overdue: {ACTION}." in february_3
    assert audit_section(demo_weeks, AS_AT) == [
        f"  309 persists: {NEGLECT} (overdue since the week of 2014-01-13).",
        f"  309 persists: {MISSING} (overdue since the week of 2014-02-03).",
        f"  309 persists: {ACTION} (overdue since the week of 2014-02-03).",
    ]


@pytest.fixture(scope="module")
def markdown(demo_weeks, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("audit-report")
    result = run_csc(
        "report", "--la", "309", "--as-at", AS_AT.isoformat(), "--out", str(out), CSC_WAREHOUSE_URL=demo_weeks["url"]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return (out / f"309-{AS_AT}" / "report.md").read_text()


def footnotes_of(markdown: str, sentence: str) -> list[str]:
    """The sources a sentence of the report cites, by its footnote marks."""
    line = next(line for line in markdown.splitlines() if line.startswith(sentence))
    notes = dict(re.findall(r"^\[\^(\d+)\]: (.*)$", markdown, flags=re.MULTILINE))
    return [notes[number] for number in re.findall(r"\[\^(\d+)\]", line[len(sentence) :])]


@pytest.mark.parametrize(
    ("sentence", "tables"),
    [
        (
            "In February 2014, 2 audits were done: the domestic abuse audit (18 cases, children's services) and the"
            " section 47 audit (5 cases, multi-agency: CSC, Health and Police).",
            ["audit_results", "audit_results", "audit_results_by_agency"],
        ),
        (
            "It was a multi-agency audit: CSC, Health and Police each audited the same 5 cases from their own side.",
            ["audit_results_by_agency"],
        ),
        (
            "The strategy discussion was held within timescale, by agency: CSC 100% (5:5), Health 60% (3:5),"
            " Police 80% (4:5).",
            ["audit_results_by_agency"],
        ),
        (
            "Progress since the previous domestic abuse audit:"
            " information sharing was good in 72% of cases, up from 56%.",
            ["audit_results"],
        ),
        (
            "2 audits of the programme are overdue: the neglect audit (planned for December 2013, 0 of 6 cases"
            " returned, lead Head of Early Help) and the missing from home audit (planned for January 2014, 0 of 6"
            " cases returned, lead Adolescent Services Manager).",
            ["audit_programme_status", "audit_programme_status"],
        ),
        (
            "The audit programme for the next three months (March to May 2014) plans the care planning audit"
            " (8 cases, lead Head of Children in Need) in March 2014.",
            ["audit_programme_status"],
        ),
        (
            "2 audit actions are open, 1 of them overdue. Open actions by lead: Children in Need Service Manager 1;"
            " MASH Team Manager 1 (1 overdue).",
            ["audit_actions_status"],
        ),
    ],
)
def test_the_committee_report_states_the_audit_loop_with_footnoted_sources(markdown, sentence, tables):
    cited = footnotes_of(markdown, sentence)
    assert [note.split(".")[1] for note in cited] == tables
    assert all("la_code 309" in note for note in cited)


def test_the_multi_agency_audit_counts_15_answers_a_question_and_5_per_agency(demo_weeks):
    import psycopg

    invited = "every_relevant_agency_was_invited_to_the_strategy_discussion"  # every agency: Yes in all 5 cases
    with psycopg.connect(demo_weeks["url"]) as conn:
        together = conn.execute(
            "select cases, met, applicable from reporting.audit_results where question_id = %s", [invited]
        ).fetchall()
        by_agency = conn.execute(
            "select agency, cases, met, applicable from reporting.audit_results_by_agency where question_id = %s"
            " order by agency",
            [invited],
        ).fetchall()
    assert together == [(5, 15, 15)]
    assert by_agency == [("CSC", 5, 5, 5), ("Health", 5, 5, 5), ("Police", 5, 5, 5)]
