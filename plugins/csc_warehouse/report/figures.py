"""The committee report's figures, read from the published `reporting` tables only.

Each figure remembers where it came from (table, column, la_code, as_at), so the report can say.
`read_figures_of` reads many authorities' figures at once: one query per table for all of them
(the weekly run drafts 150 reports; a query per table and authority scanned each table 150 times).
"""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from csc_warehouse import warehouse
from csc_warehouse.report import audit_figures, front_door_figures
from csc_warehouse.report.audit_figures import AgencyFinding, AuditAction, PlannedAudit
from csc_warehouse.report.front_door_figures import CinWeek
from csc_warehouse.report.sources import Source

__all__ = [
    "AgencyFinding",
    "AuditAction",
    "CinWeek",
    "PlannedAudit",
    "ReportFigures",
    "Source",
    "Weekly",
    "read_figures_of",
]

# What the report reads; a table not published yet (a new warehouse, a week before any audit) is skipped.
REPORTING_TABLES = (
    "cp_weekly",
    "lac_weekly",
    "care_leavers_turning_18",
    "lac_brief_episodes",
    "audit_results",
    *audit_figures.REPORTING_TABLES,
    *front_door_figures.REPORTING_TABLES,
)


@dataclass
class Weekly:
    as_at: date
    value: int
    source: Source


@dataclass
class AuditFinding:
    theme: str
    period: date
    question_text: str
    met: int
    applicable: int
    pct_met: int
    ratio: str
    source: Source
    cases: int = 0  # distinct cases answered (any agency)
    previous_pct_met: int | None = None  # the same question at the theme's previous audit


@dataclass
class ReportFigures:
    la_code: str
    as_at: date
    children_on_plan: list[Weekly] = field(default_factory=list)
    children_looked_after: list[Weekly] = field(default_factory=list)
    turning_18: int | None = None
    turning_18_by: date | None = None
    turning_18_source: Source | None = None
    brief_returns_by_week: list[Weekly] = field(default_factory=list)
    brief_returns_police_protection: int = 0
    brief_returns_source: Source | None = None
    audits: list[AuditFinding] = field(default_factory=list)
    audit_agencies: list[AgencyFinding] = field(default_factory=list)  # the latest audits', by agency
    planned_audits: list[PlannedAudit] = field(default_factory=list)
    audit_actions: list[AuditAction] = field(default_factory=list)
    cin_weeks: list[CinWeek] = field(default_factory=list)  # empty: no CIN census delivered


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def read_figures(la_code: str, as_at: date, *, url: str | None = None) -> ReportFigures:
    return read_figures_of([la_code], as_at, url=url)[la_code]


def read_figures_of(la_codes: Sequence[str], as_at: date, *, url: str | None = None) -> dict[str, ReportFigures]:
    """Each authority's figures up to as_at (an authority with nothing published gets empty figures)."""
    of = {la_code: ReportFigures(la_code=la_code, as_at=as_at) for la_code in la_codes}
    codes = list(of)
    with warehouse.connect(url) as conn:
        published = warehouse.published_tables(conn, REPORTING_TABLES)
        for table, column, attribute in (
            ("cp_weekly", "children_on_plan", "children_on_plan"),
            ("lac_weekly", "children_looked_after", "children_looked_after"),
        ):
            if table in published:
                for la_code, day, value in conn.execute(
                    f"select la_code, as_at, {column} from reporting.{table}"
                    " where la_code = any(%s) and as_at <= %s order by la_code, as_at",
                    [codes, as_at],
                ):
                    getattr(of[la_code], attribute).append(Weekly(day, value, Source(table, column, la_code, day)))
        if "care_leavers_turning_18" in published:
            _read_turning_18(conn, of, as_at)
        if "lac_brief_episodes" in published:
            _read_brief_returns(conn, of, as_at)
        if "audit_results" in published:
            _read_audits(conn, of, as_at)
        audit_figures.read_agencies_programme_and_actions(conn, of, as_at, published)
        front_door_figures.read_cin_weeks(conn, of, as_at, published)
    return of


def _read_turning_18(conn, of: dict[str, ReportFigures], as_at: date) -> None:
    for la_code, children, last_month in conn.execute(
        "select la_code, sum(children), max(month_turning_18) from reporting.care_leavers_turning_18"
        " where la_code = any(%s) and as_at = %s group by la_code",
        [list(of), as_at],
    ):
        if children is not None:
            figures = of[la_code]
            figures.turning_18, figures.turning_18_by = int(children), month_end(last_month)
            figures.turning_18_source = Source(
                "care_leavers_turning_18", "children", la_code, as_at, "summed over month_turning_18"
            )


def _read_brief_returns(conn, of: dict[str, ReportFigures], as_at: date) -> None:
    """Brief periods of care ending in a return home, from each authority's newest flagging (the
    periods of its newest delivery): counted by the week they ended in, and those under police
    protection (legal status L1) in the four weeks to as_at."""
    newest: dict[str, date] = {}
    period_ends: dict[str, list[date]] = {}
    police_protection_ends: dict[str, list[date]] = {}
    for la_code, newest_as_at, period_end, statuses in conn.execute(
        "with newest as (select la_code, max(as_at) as as_at from reporting.lac_brief_episodes"
        " where la_code = any(%s) group by la_code)"
        " select newest.la_code, newest.as_at, flagged.period_end, flagged.legal_statuses"
        " from newest left join reporting.lac_brief_episodes as flagged"
        " on flagged.la_code = newest.la_code and flagged.as_at = newest.as_at"
        " and flagged.flag = 'BRIEF_RETURNED_HOME' and flagged.period_end <= %s",
        [list(of), as_at],
    ):
        newest[la_code] = newest_as_at
        if period_end is not None:
            period_ends.setdefault(la_code, []).append(period_end)
            if "L1" in (statuses or ""):
                police_protection_ends.setdefault(la_code, []).append(period_end)
    for la_code, newest_as_at in newest.items():
        figures = of[la_code]
        source = Source("lac_brief_episodes", "flag = BRIEF_RETURNED_HOME", la_code, newest_as_at)
        ends = sorted(period_ends.get(la_code, []))
        weeks = [w.as_at for w in figures.children_looked_after] or [as_at]
        figures.brief_returns_by_week = [
            Weekly(week, _ended_in(ends, week - timedelta(days=6), week), source) for week in weeks
        ]
        figures.brief_returns_police_protection = _ended_in(
            sorted(police_protection_ends.get(la_code, [])), as_at - timedelta(days=27), as_at
        )
        figures.brief_returns_source = source


def _ended_in(sorted_ends: list[date], first: date, last: date) -> int:
    return bisect_right(sorted_ends, last) - bisect_left(sorted_ends, first)


def _read_audits(conn, of: dict[str, ReportFigures], as_at: date) -> None:
    """Each authority's latest audit of each theme up to as_at, question by question."""
    for la_code, theme, period, text, met, applicable, pct, ratio, cases, previous in conn.execute(
        "with latest as (select la_code, audit_theme, max(audit_period) as audit_period"
        " from reporting.audit_results where la_code = any(%s) and audit_period <= %s group by la_code, audit_theme)"
        " select r.la_code, r.audit_theme, r.audit_period, r.question_text, r.met, r.applicable, r.pct_met, r.ratio,"
        " r.cases, r.previous_pct_met"
        " from reporting.audit_results r join latest using (la_code, audit_theme, audit_period)"
        " order by r.la_code, r.audit_theme, r.question_id",
        [list(of), as_at],
    ):
        source = Source("audit_results", "pct_met, ratio", la_code, None, f"{theme}, audit_period {period}")
        of[la_code].audits.append(
            AuditFinding(theme, period, text, met, applicable, pct, ratio, source, cases, previous)
        )
