"""The calendar rules the demo scenario is built on, as the data contract states them."""

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March, as the contract says."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def eighteenth_birthday(dob: date) -> date:
    """The contract's 18th birthday: 29 February births turn 18 on 1 March."""
    return add_years(dob, 18)


def end_of_month_after(day: date, months: int) -> date:
    """Last day of the calendar month `months` after `day`'s month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def turning_18_window_end(as_at: date) -> date:
    """care_leavers_turning_18 counts 18th birthdays up to the end of the 5th calendar month after as_at's."""
    return end_of_month_after(as_at, 5)


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def extract_window_start(extract_date: date) -> date:
    """A delivery reaches back to 1 April of the previous year (the contract's minimum)."""
    return date(extract_date.year - 1, 4, 1)


def checked_weeks(weeks: Sequence[date]) -> tuple[date, ...]:
    """Weeks must not overlap, or an event would count in two weeks and the plan would not hold."""
    weeks = tuple(weeks)
    if not weeks:
        raise ValueError("at least one week is needed")
    for earlier, later in zip(weeks, weeks[1:], strict=False):
        if (later - earlier).days < 7:
            raise ValueError(f"weeks must be at least 7 days apart: {earlier} then {later}")
    return weeks
