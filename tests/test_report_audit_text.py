"""The committee report's "Case audits" section from hand-made figures: the audits done this month with
their cases and agencies, a multi-agency audit's findings by agency where they differ, progress since
the theme's previous audit, the programme's overdue audits and next three months, open actions by lead."""

from __future__ import annotations

from datetime import date

from csc_warehouse import report
from csc_warehouse.report import audit_text
from csc_warehouse.report.figures import (
    AgencyFinding,
    AuditAction,
    AuditFinding,
    PlannedAudit,
    ReportFigures,
    Source,
    Weekly,
)

AS_AT = date(2014, 2, 10)
FEBRUARY = date(2014, 2, 1)
RESULTS = Source("audit_results", "pct_met, ratio", "309")
BY_AGENCY = Source("audit_results_by_agency", "pct_met, ratio", "309")
PROGRAMME = Source("audit_programme_status", "status", "309", AS_AT)
ACTIONS = Source("audit_actions_status", "status, overdue", "309", AS_AT)


def figures() -> ReportFigures:
    return ReportFigures(
        "309",
        AS_AT,
        audits=[
            AuditFinding(
                "Domestic abuse", FEBRUARY, "Information sharing was good", 13, 18, 72, "13:18", RESULTS, 18, 56
            ),
            AuditFinding("Domestic abuse", FEBRUARY, "Tasks were realistic", 16, 18, 89, "16:18", RESULTS, 18, 89),
            AuditFinding("Section 47", FEBRUARY, "Strategy meeting held", 12, 15, 80, "12:15", RESULTS, 5, None),
            AuditFinding("Section 47", FEBRUARY, "Police present", 15, 15, 100, "15:15", RESULTS, 5, None),
        ],
        audit_agencies=[
            AgencyFinding(
                "Domestic abuse", FEBRUARY, "q1", "Information sharing was good", "CSC", 18, 72, "13:18", BY_AGENCY
            ),
            AgencyFinding("Section 47", FEBRUARY, "police", "Police present", "CSC", 5, 100, "5:5", BY_AGENCY),
            AgencyFinding("Section 47", FEBRUARY, "police", "Police present", "Health", 5, 100, "5:5", BY_AGENCY),
            AgencyFinding("Section 47", FEBRUARY, "police", "Police present", "Police", 5, 100, "5:5", BY_AGENCY),
            AgencyFinding("Section 47", FEBRUARY, "strategy", "Strategy meeting held", "CSC", 5, 100, "5:5", BY_AGENCY),
            AgencyFinding(
                "Section 47", FEBRUARY, "strategy", "Strategy meeting held", "Health", 5, 60, "3:5", BY_AGENCY
            ),
            AgencyFinding(
                "Section 47", FEBRUARY, "strategy", "Strategy meeting held", "Police", 5, 80, "4:5", BY_AGENCY
            ),
        ],
        planned_audits=[
            PlannedAudit("Neglect", date(2013, 12, 1), 6, "Head of Early Help", 0, "overdue", PROGRAMME),
            PlannedAudit("Section 47", FEBRUARY, 5, "Head of Safeguarding", 5, "done", PROGRAMME),
            PlannedAudit("Care planning", date(2014, 3, 1), 8, "Head of Children in Need", 0, "planned", PROGRAMME),
            PlannedAudit("Missing", date(2014, 5, 1), 4, "Service Manager", 0, "planned", PROGRAMME),
            PlannedAudit("Neglect", date(2014, 6, 1), 6, "Head of Early Help", 0, "planned", PROGRAMME),
        ],
        audit_actions=[
            AuditAction(
                "Domestic abuse",
                date(2013, 11, 1),
                "DA-01",
                "Team Manager MASH",
                date(2014, 1, 31),
                "open",
                True,
                ACTIONS,
            ),
            AuditAction(
                "Domestic abuse",
                date(2013, 11, 1),
                "DA-02",
                "Head of Safeguarding",
                date(2013, 12, 31),
                "done",
                False,
                ACTIONS,
            ),
            AuditAction(
                "Domestic abuse",
                date(2013, 11, 1),
                "DA-03",
                "Service Manager CIN",
                date(2014, 3, 31),
                "open",
                False,
                ACTIONS,
            ),
            AuditAction(
                "Domestic abuse",
                date(2013, 11, 1),
                "DA-04",
                "Team Manager MASH",
                date(2014, 3, 31),
                "open",
                False,
                ACTIONS,
            ),
        ],
    )


def sentences() -> dict[str, list]:
    return dict(audit_text.audits(figures()))


def test_the_audits_done_this_month_with_their_cases_and_agencies():
    assert sentences()[
        "In February 2014, 2 audits were done: the domestic abuse audit (18 cases, children's services) and the"
        " section 47 audit (5 cases, multi-agency: CSC, Health and Police)."
    ] == [RESULTS, RESULTS, BY_AGENCY]


def test_a_multi_agency_audit_says_so_and_gives_its_findings_by_agency_where_they_differ():
    said = sentences()
    assert said[
        "It was a multi-agency audit: CSC, Health and Police each audited the same 5 cases from their own side."
    ] == [BY_AGENCY]
    assert said["Strategy meeting held, by agency: CSC 100% (5:5), Health 60% (3:5), Police 80% (4:5)."] == [BY_AGENCY]
    assert not any(sentence.startswith("Police present, by agency") for sentence in said)  # all agencies agree


def test_progress_since_the_previous_audit_of_the_theme():
    said = sentences()
    assert (
        "Progress since the previous domestic abuse audit:"
        " information sharing was good in 72% of cases, up from 56%." in said
    )
    assert "Progress since the previous domestic abuse audit: tasks were realistic in 89% of cases, as before." in said


def test_the_programmes_overdue_audits_and_next_three_months():
    said = sentences()
    assert said[
        "One audit of the programme is overdue: the neglect audit (planned for December 2013, 0 of 6 cases"
        " returned, lead Head of Early Help)."
    ] == [PROGRAMME]
    assert (
        "The audit programme for the next three months (March to May 2014) plans the care planning audit (8 cases,"
        " lead Head of Children in Need) in March 2014 and the missing audit (4 cases, lead Service Manager) in"
        " May 2014." in said
    )


def test_open_and_overdue_actions_by_lead():
    assert sentences()[
        "3 audit actions are open, 1 of them overdue. Open actions by lead: Service Manager CIN 1;"
        " Team Manager MASH 2 (1 overdue)."
    ] == [ACTIONS]


def test_no_audit_this_month_is_said_and_nothing_published_says_nothing():
    march = figures()
    march.as_at = date(2014, 3, 3)
    assert audit_text.audits(march)[0] == ("No case audit was done in March 2014.", [])
    assert audit_text.audits(ReportFigures("309", AS_AT)) == []


def test_a_report_without_any_audit_says_so_without_an_empty_source_or_chart(tmp_path):
    """(The demo's first week used to show this; its January audit now belongs to that month.) The
    sentence names no source, so no empty brackets follow it, and the audit chart says "not
    published" as the weekly charts do."""
    week = Weekly(AS_AT, 533, Source("lac_weekly", "children_looked_after", "309", AS_AT))
    written = report._written(ReportFigures("309", AS_AT, children_looked_after=[week]), tmp_path)
    html_text = written.html.read_text()
    assert "<p>No case audit has been published for this period.</p>" in html_text
    assert "[]" not in html_text
    assert "not published" in (written.html.parent / "audit_results.svg").read_text()
