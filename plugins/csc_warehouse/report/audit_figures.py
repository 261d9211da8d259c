"""The report's audit figures beyond audit_results: each agency's findings in the latest audits, the
audit programme and the audit actions, read from `reporting` for many authorities at once.

Their statuses are as at each authority's newest as_at (the marts' `as_at` column), which the
sources name: a report for an earlier as_at leaves them out rather than state a later date's
statuses. An action's own words are not read: the report counts actions by lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from csc_warehouse.report.sources import Source

if TYPE_CHECKING:
    from csc_warehouse.report.figures import ReportFigures

REPORTING_TABLES = ("audit_results_by_agency", "audit_programme_status", "audit_actions_status")


@dataclass
class AgencyFinding:
    theme: str
    period: date
    question_id: str
    question_text: str
    agency: str
    cases: int
    pct_met: int | None
    ratio: str
    source: Source


@dataclass
class PlannedAudit:
    theme: str
    planned_month: date
    sample_size: int | None
    lead: str | None
    cases_audited: int
    status: str
    source: Source


@dataclass
class AuditAction:
    theme: str
    period: date
    action_id: str
    lead: str | None
    due_date: date
    status: str
    overdue: bool
    source: Source


def read_agencies_programme_and_actions(conn, of: dict[str, ReportFigures], as_at: date, published: set[str]) -> None:
    codes = list(of)
    if "audit_results_by_agency" in published:
        for la_code, theme, period, question_id, text, agency, cases, pct, ratio in conn.execute(
            "with latest as (select la_code, audit_theme, max(audit_period) as audit_period"
            " from reporting.audit_results_by_agency where la_code = any(%s) and audit_period <= %s"
            " group by la_code, audit_theme)"
            " select r.la_code, r.audit_theme, r.audit_period, r.question_id, r.question_text, r.agency, r.cases,"
            " r.pct_met, r.ratio from reporting.audit_results_by_agency r join latest"
            " using (la_code, audit_theme, audit_period) order by r.la_code, r.audit_theme, r.question_id, r.agency",
            [codes, as_at],
        ):
            source = Source(
                "audit_results_by_agency", "pct_met, ratio", la_code, None, f"{theme}, audit_period {period}"
            )
            of[la_code].audit_agencies.append(
                AgencyFinding(theme, period, question_id, text, agency, cases, pct, ratio, source)
            )
    if "audit_programme_status" in published:
        for la_code, theme, month, sample, lead, cases, status, status_as_at in conn.execute(
            "select la_code, audit_theme, planned_month, sample_size, lead, cases_audited, status, as_at"
            " from reporting.audit_programme_status where la_code = any(%s) and as_at <= %s"
            " order by la_code, planned_month, audit_theme",
            [codes, as_at],
        ):
            source = Source(
                "audit_programme_status", "status", la_code, status_as_at, f"{theme}, planned_month {month}"
            )
            of[la_code].planned_audits.append(PlannedAudit(theme, month, sample, lead, cases, status, source))
    if "audit_actions_status" in published:
        for la_code, theme, period, action_id, lead, due, status, overdue, status_as_at in conn.execute(
            "select la_code, audit_theme, audit_period, action_id, lead, due_date, status, overdue, as_at"
            " from reporting.audit_actions_status where la_code = any(%s) and as_at <= %s"
            " order by la_code, lead, due_date, action_id",
            [codes, as_at],
        ):
            source = Source("audit_actions_status", "status, overdue", la_code, status_as_at, "by lead")
            of[la_code].audit_actions.append(AuditAction(theme, period, action_id, lead, due, status, overdue, source))
