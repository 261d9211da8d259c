"""The committee report's figures, read from the published `reporting` tables only.

Each figure remembers where it came from (table, column, la_code, as_at), so the report can say.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from csc_warehouse import warehouse


@dataclass(frozen=True)
class Source:
    table: str
    column: str
    la_code: str
    as_at: date | None = None
    detail: str = ""

    def __str__(self) -> str:
        where = f"la_code {self.la_code}" + (f", as_at {self.as_at.isoformat()}" if self.as_at else "")
        return f"reporting.{self.table}.{self.column} ({where}{', ' + self.detail if self.detail else ''})"


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


def _table_exists(conn, table: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", [f"reporting.{table}"]).fetchone()[0]


def _weekly(conn, table: str, column: str, la_code: str, as_at: date) -> list[Weekly]:
    if not _table_exists(conn, table):
        return []
    rows = conn.execute(
        f"select as_at, {column} from reporting.{table} where la_code = %s and as_at <= %s order by as_at",
        [la_code, as_at],
    ).fetchall()
    return [Weekly(day, value, Source(table, column, la_code, day)) for day, value in rows]


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def read_figures(la_code: str, as_at: date, *, url: str | None = None) -> ReportFigures:
    figures = ReportFigures(la_code=la_code, as_at=as_at)
    with warehouse.connect(url) as conn:
        figures.children_on_plan = _weekly(conn, "cp_weekly", "children_on_plan", la_code, as_at)
        figures.children_looked_after = _weekly(conn, "lac_weekly", "children_looked_after", la_code, as_at)
        if _table_exists(conn, "care_leavers_turning_18"):
            row = conn.execute(
                "select sum(children), max(month_turning_18) from reporting.care_leavers_turning_18"
                " where la_code = %s and as_at = %s",
                [la_code, as_at],
            ).fetchone()
            if row and row[0] is not None:
                figures.turning_18, figures.turning_18_by = int(row[0]), month_end(row[1])
                figures.turning_18_source = Source(
                    "care_leavers_turning_18", "children", la_code, as_at, "summed over month_turning_18"
                )
        if _table_exists(conn, "lac_brief_episodes"):
            newest = conn.execute(
                "select max(as_at) from reporting.lac_brief_episodes where la_code = %s", [la_code]
            ).fetchone()[0]
            if newest is not None:
                rows = conn.execute(
                    "select period_end, legal_statuses from reporting.lac_brief_episodes"
                    " where la_code = %s and as_at = %s and flag = 'BRIEF_RETURNED_HOME' and period_end <= %s",
                    [la_code, newest, as_at],
                ).fetchall()
                source = Source("lac_brief_episodes", "flag = BRIEF_RETURNED_HOME", la_code, newest)
                weeks = [w.as_at for w in figures.children_looked_after] or [as_at]
                for week in weeks:
                    count = sum(1 for end, _statuses in rows if week - timedelta(days=6) <= end <= week)
                    figures.brief_returns_by_week.append(Weekly(week, count, source))
                four_weeks_ago = as_at - timedelta(days=27)
                figures.brief_returns_police_protection = sum(
                    1 for end, statuses in rows if four_weeks_ago <= end <= as_at and "L1" in (statuses or "")
                )
                figures.brief_returns_source = source
        if _table_exists(conn, "audit_results"):
            rows = conn.execute(
                "with latest as (select audit_theme, max(audit_period) as audit_period from reporting.audit_results"
                " where la_code = %s and audit_period <= %s group by audit_theme)"
                " select r.audit_theme, r.audit_period, r.question_text, r.met, r.applicable, r.pct_met, r.ratio"
                " from reporting.audit_results r join latest using (audit_theme, audit_period)"
                " where r.la_code = %s order by r.audit_theme, r.question_id",
                [la_code, as_at, la_code],
            ).fetchall()
            for theme, period, text, met, applicable, pct, ratio in rows:
                figures.audits.append(
                    AuditFinding(
                        theme,
                        period,
                        text,
                        met,
                        applicable,
                        pct,
                        ratio,
                        Source("audit_results", "pct_met, ratio", la_code, None, f"{theme}, audit_period {period}"),
                    )
                )
    return figures
