"""The report's front door and children in need figures: each week of reporting.cin_weekly up to the
as_at, read for many authorities at once, and summed by month for the sentences.

A week counts in the month its as_at falls in (the mart's weeks end on their as_at), as the report's
child protection figures do. Only an authority that delivered a CIN census has weeks here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from csc_warehouse.report.sources import Source

if TYPE_CHECKING:
    from csc_warehouse.report.figures import ReportFigures

REPORTING_TABLES = ("cin_weekly",)
COLUMNS = (
    "referrals",
    "re_referrals_12m",
    "assessments_completed",
    "assessments_within_45wd",
    "icpcs",
    "icpcs_within_15wd",
    "children_on_cin_plan",
    "cin_plan_step_downs",
)


@dataclass
class CinWeek:
    as_at: date
    referrals: int
    re_referrals_12m: int
    assessments_completed: int
    assessments_within_45wd: int
    icpcs: int
    icpcs_within_15wd: int
    children_on_cin_plan: int
    cin_plan_step_downs: int


@dataclass
class CinMonth:
    """The weeks of one month summed; `source(column)` names the table, column and the weeks summed."""

    la_code: str
    month: date  # its first day
    weeks: list[CinWeek]

    def total(self, column: str) -> int:
        return sum(getattr(week, column) for week in self.weeks)

    def source(self, columns: str) -> Source:
        first, last = self.weeks[0].as_at, self.weeks[-1].as_at
        span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        return Source("cin_weekly", columns, self.la_code, None, f"summed over the weeks with as_at {span}")


def whole_percent(part: int, whole: int) -> int | None:
    """As the marts' whole_percent: rounded half up, None when there is nothing to take a percentage of."""
    return (part * 200 + whole) // (2 * whole) if whole > 0 else None


def month_of(weeks: list[CinWeek], la_code: str, year: int, month: int) -> CinMonth | None:
    chosen = [week for week in weeks if (week.as_at.year, week.as_at.month) == (year, month)]
    return CinMonth(la_code, date(year, month, 1), chosen) if chosen else None


def read_cin_weeks(conn, of: dict[str, ReportFigures], as_at: date, published: set[str]) -> None:
    if "cin_weekly" not in published:
        return
    for la_code, day, *values in conn.execute(
        f"select la_code, as_at, {', '.join(COLUMNS)} from reporting.cin_weekly"
        " where la_code = any(%s) and as_at <= %s order by la_code, as_at",
        [list(of), as_at],
    ):
        of[la_code].cin_weeks.append(CinWeek(day, *values))
