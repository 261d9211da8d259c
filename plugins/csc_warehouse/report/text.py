"""The committee report's sentences, in the plain words a monthly quality-assurance report uses."""

from __future__ import annotations

from datetime import date

from csc_warehouse.report.figures import ReportFigures, Weekly


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def month_name(day: date) -> str:
    return f"{day:%B %Y}"


def _previous_month(day: date) -> tuple[int, int]:
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def _at(weeks: list[Weekly], as_at: date) -> Weekly | None:
    earlier = [week for week in weeks if week.as_at <= as_at]
    return earlier[-1] if earlier else None


def child_protection(figures: ReportFigures) -> list[tuple[str, list]]:
    """[(sentence, its sources)] about children subject to a child protection plan."""
    latest = _at(figures.children_on_plan, figures.as_at)
    if latest is None:
        return [("No child protection figures have been published for this date.", [])]
    year, month = _previous_month(latest.as_at)
    last_month = [week for week in figures.children_on_plan if (week.as_at.year, week.as_at.month) == (year, month)]
    sentences = []
    if last_month:
        month_figure, early = last_month[-1], last_month[0]
        label = month_name(month_figure.as_at)
        sentences.append(
            (
                f"The number of children subject to a child protection plan in {label} was {month_figure.value}.",
                [month_figure.source],
            )
        )
        if latest.value > month_figure.value:
            sentences.append(
                (
                    f"However this number is rising and as of week beginning {long_date(latest.as_at)} "
                    f"this had risen to {latest.value}.",
                    [latest.source],
                )
            )
        elif latest.value < month_figure.value:
            sentences.append(
                (
                    f"This number is falling: as of week beginning {long_date(latest.as_at)} it had "
                    f"fallen to {latest.value}.",
                    [latest.source],
                )
            )
        else:
            sentences.append(
                (f"As of week beginning {long_date(latest.as_at)} it was unchanged at {latest.value}.", [latest.source])
            )
        if early.as_at != latest.as_at:
            direction = (
                "increased"
                if latest.value > early.value
                else "decreased"
                if latest.value < early.value
                else "not changed"
            )
            sentences.append(
                (
                    f"This has {direction} since early {label.split()[0]} from {early.value} to {latest.value}.",
                    [early.source, latest.source],
                )
            )
    else:
        sentences.append(
            (
                f"As of week beginning {long_date(latest.as_at)} {latest.value} children were subject to "
                "a child protection plan.",
                [latest.source],
            )
        )
    return sentences


def looked_after(figures: ReportFigures) -> list[tuple[str, list]]:
    latest = _at(figures.children_looked_after, figures.as_at)
    if latest is None:
        return [("No looked-after children figures have been published for this date.", [])]
    sentences = [
        (f"As of {long_date(latest.as_at)} the number of looked-after children was {latest.value}.", [latest.source])
    ]
    if figures.turning_18:
        sentences.append(
            (
                f"{figures.turning_18} young people will cease to be looked after by "
                f"{month_name(figures.turning_18_by)} as they will by then have reached their 18th "
                "birthday.",
                [figures.turning_18_source],
            )
        )
    if figures.brief_returns_source is not None:
        count = figures.brief_returns_police_protection
        sentences.append(
            (
                f"In the four weeks to {long_date(figures.as_at)}, {count} "
                f"{'child was' if count == 1 else 'children were'} placed under police protection for about 72 hours "
                "or less and then returned home. They are counted in the looked-after starts and ceasings of those "
                "weeks, so the looked-after figures move for reasons the totals alone do not show.",
                [figures.brief_returns_source],
            )
        )
    return sentences
