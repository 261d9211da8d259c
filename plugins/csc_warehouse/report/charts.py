"""The report's charts (SVG), drawn from the same figures as its sentences.

The weekly charts show the CHART_WEEKS weeks up to the as_at, each point labelled with its value:
a committee reads the recent trend, and the sentences compare the latest week with the month
before, which those weeks always hold. A chart of every week since the first delivery (a year and
more) labelled point by point was unreadable, and slow to draw.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from csc_warehouse.report.figures import ReportFigures, Weekly
from csc_warehouse.report.sources import Source
from csc_warehouse.report.svg import Drawing, nice_ticks, scale
from csc_warehouse.report.text import long_date

CHART_WEEKS = 13  # a quarter

WIDTH = 780
LEFT, RIGHT = 64, 20  # room for the y axis' labels; a margin
PANEL_TITLE, PLOT_HEIGHT, WEEK_LABELS = 26, 140, 34
PANEL_HEIGHT = PANEL_TITLE + PLOT_HEIGHT + WEEK_LABELS
HEADER, FOOTER = 40, 24
GRID, AXIS, MUTED = "#e4e4e4", "#888", "#888"
RED, BLUE = "#c0504d", "#4f81bd"


def weeks_shown(weeks: list[Weekly], as_at: date) -> list[Weekly]:
    """The weeks of the last CHART_WEEKS Mondays to as_at (a week within three days of the first
    Monday counts: an as_at may fall on another day than the deliveries)."""
    first = as_at - timedelta(weeks=CHART_WEEKS - 1)
    return [week for week in weeks if first - timedelta(days=3) <= week.as_at <= as_at]


def weekly_counts(figures: ReportFigures, path: Path) -> Path:
    """Two panels on one time axis: the counts differ too much in size to share a y axis."""
    drawing = Drawing(
        WIDTH,
        HEADER + 2 * PANEL_HEIGHT + FOOTER,
        f"Authority {figures.la_code}: children by week, the {CHART_WEEKS} weeks to {long_date(figures.as_at)}",
    )
    _header(drawing, drawing.title)
    panels = (
        ("Children on a child protection plan", figures.children_on_plan, RED),
        ("Looked-after children", figures.children_looked_after, BLUE),
    )
    for number, (label, weeks, colour) in enumerate(panels):
        _weekly_panel(drawing, HEADER + number * PANEL_HEIGHT, label, weeks, figures.as_at, colour, bars=False)
    _footer(drawing, "as at (the Monday of each weekly delivery)")
    return drawing.save(path)


def brief_returns(figures: ReportFigures, path: Path) -> Path:
    drawing = Drawing(
        WIDTH,
        HEADER + PANEL_HEIGHT + FOOTER,
        f"Authority {figures.la_code}: brief periods of care ending in a return home, by week",
    )
    _header(drawing, drawing.title)
    _weekly_panel(
        drawing,
        HEADER,
        "Periods of care of 3 days or less ending in a return home, by the week they ended in",
        figures.brief_returns_by_week,
        figures.as_at,
        RED,
        bars=True,
    )
    _footer(drawing, "week ending on the as_at (the Monday of each weekly delivery)")
    return drawing.save(path)


def front_door(figures: ReportFigures, path: Path) -> Path:
    """Referrals by week (bars) and children on a CIN plan (a line), from reporting.cin_weekly."""
    drawing = Drawing(
        WIDTH,
        HEADER + 2 * PANEL_HEIGHT + FOOTER,
        f"Authority {figures.la_code}: the front door and children in need, by week",
    )
    _header(drawing, drawing.title)
    panels = (
        ("Referrals received in the week", "referrals", RED, True),
        ("Children on a child in need plan", "children_on_cin_plan", BLUE, False),
    )
    for number, (label, column, colour, bars) in enumerate(panels):
        weeks = [
            Weekly(week.as_at, getattr(week, column), Source("cin_weekly", column, figures.la_code, week.as_at))
            for week in figures.cin_weeks
        ]
        _weekly_panel(drawing, HEADER + number * PANEL_HEIGHT, label, weeks, figures.as_at, colour, bars=bars)
    _footer(drawing, "as at (the Monday of each weekly delivery)")
    return drawing.save(path)


def audit_results(figures: ReportFigures, path: Path) -> Path:
    """One bar per question of the latest audits, as the percentage of applicable cases met."""
    row, label_right, bar_left, bar_length = 26, 390, 400, 280
    findings = figures.audits
    plot_top = HEADER
    plot_bottom = plot_top + row * max(len(findings), 1)
    drawing = Drawing(WIDTH, plot_bottom + 50, f"Authority {figures.la_code}: case audit results by question")
    _header(drawing, "Case audit results by question")
    if not findings:  # as the weekly charts say it, not an empty frame with a meaningless axis
        drawing.text(WIDTH / 2, plot_top + row / 2 + 4, "not published", anchor="middle", colour=MUTED)
        return drawing.save(path)
    x = scale((0, 100), (bar_left, bar_left + bar_length))
    for percent in range(0, 101, 25):
        drawing.line(x(percent), plot_top, x(percent), plot_bottom, colour=GRID)
        drawing.text(x(percent), plot_bottom + 16, f"{percent}", size=10, anchor="middle", colour="#444")
    for index, finding in enumerate(findings):
        middle = plot_top + row * index + row / 2
        question = finding.question_text
        label = question if len(question) < 60 else question[:57] + "..."
        drawing.text(label_right, middle + 4, label, anchor="end")
        drawing.rect(bar_left, middle - 8, x(finding.pct_met) - bar_left, 16, colour=BLUE)
        drawing.text(x(finding.pct_met) + 6, middle + 4, f"{finding.pct_met}% ({finding.ratio})", size=10)
    drawing.line(bar_left, plot_bottom, bar_left + bar_length, plot_bottom, colour=AXIS)
    drawing.text(x(50), plot_bottom + 36, "% of applicable cases met", anchor="middle", colour="#444")
    return drawing.save(path)


def _header(drawing: Drawing, title: str) -> None:
    drawing.text(WIDTH / 2, 24, title, size=14, anchor="middle", bold=True)


def _footer(drawing: Drawing, caption: str) -> None:
    drawing.text(LEFT + (WIDTH - LEFT - RIGHT) / 2, drawing.height - 8, caption, anchor="middle", colour="#444")


def _weekly_panel(
    drawing: Drawing, top: float, label: str, weeks: list[Weekly], as_at: date, colour: str, *, bars: bool
) -> None:
    """One series over the CHART_WEEKS weeks to as_at: a line of labelled points, or labelled bars."""
    plot_top, plot_bottom = top + PANEL_TITLE, top + PANEL_TITLE + PLOT_HEIGHT
    drawing.text(LEFT, top + 16, label, size=12, bold=True)
    first = as_at - timedelta(weeks=CHART_WEEKS - 1)
    slot = (WIDTH - LEFT - RIGHT) / CHART_WEEKS
    x = scale((-0.5, CHART_WEEKS - 0.5), (LEFT, WIDTH - RIGHT))

    def week_x(day: date) -> float:
        return x((day - first).days / 7)

    _week_labels(drawing, first, week_x, plot_bottom)
    drawing.line(LEFT, plot_bottom, WIDTH - RIGHT, plot_bottom, colour=AXIS)
    shown = weeks_shown(weeks, as_at)
    if not shown:
        drawing.text(
            LEFT + (WIDTH - LEFT - RIGHT) / 2,
            plot_top + PLOT_HEIGHT / 2,
            "not published",
            colour=MUTED,
            anchor="middle",
        )
        return
    values = [week.value for week in shown]
    if bars:
        ticks = nice_ticks(0, max(max(values), 1), most=4)
    else:  # room above the highest point for its label, and below the lowest
        pad = max(1.0, (max(values) - min(values)) * 0.15)
        ticks = nice_ticks(max(min(values) - pad, 0), max(values) + pad, most=4)
    y = scale((ticks[0], ticks[-1]), (plot_bottom, plot_top + 12))
    for tick in ticks:
        if tick != ticks[0]:
            drawing.line(LEFT, y(tick), WIDTH - RIGHT, y(tick), colour=GRID)
        drawing.text(LEFT - 8, y(tick) + 4, f"{tick:,}", size=10, anchor="end", colour="#444")
    if bars:
        for week in shown:
            drawing.rect(
                week_x(week.as_at) - slot * 0.3, y(week.value), slot * 0.6, plot_bottom - y(week.value), colour=colour
            )
    else:
        drawing.polyline([(week_x(week.as_at), y(week.value)) for week in shown], colour=colour)
        for week in shown:
            drawing.point(week_x(week.as_at), y(week.value), colour=colour)
    for week in shown:
        drawing.text(week_x(week.as_at), y(week.value) - 7, f"{week.value:,}", size=10, anchor="middle")


def _week_labels(drawing: Drawing, first: date, week_x, plot_bottom: float) -> None:
    """Each week's Monday under the axis; the year under the first week and under a new year's first."""
    for number in range(CHART_WEEKS):
        day = first + timedelta(weeks=number)
        drawing.line(week_x(day), plot_bottom, week_x(day), plot_bottom + 4, colour=AXIS)
        drawing.text(week_x(day), plot_bottom + 16, f"{day.day} {day:%b}", size=10, anchor="middle", colour="#444")
        if number == 0 or day.year != (day - timedelta(weeks=1)).year:
            drawing.text(week_x(day), plot_bottom + 29, str(day.year), size=10, anchor="middle", colour="#444")
