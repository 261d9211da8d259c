"""England's bank holidays, from the `holidays` package, materialised once as a dbt seed.

Working days (contract, section 2) are Monday to Friday except England's bank holidays, as the
`holidays` package's calendar has them. The dbt models join its dates as the seed
`bank_holidays_england` (dbt_project/seeds/bank_holidays_england.csv), written by this module, so
that no run imports the package or reaches for a calendar: `python -m csc_warehouse.bank_holidays`
writes it again, and tests/test_bank_holidays.py holds that it equals the package's calendar (after
upgrading the package, which learns of one-off bank holidays such as a coronation as they are
declared, write it again and commit it).

The span, 1989 to 2100: the weekly runs' as_at start in 1990 (the DAGs' start,
dag_parts.EARLIEST_WEEK), and a figure counts working days only up to a day in the week of as_at,
from a start a timescale (45 working days at most, about nine weeks) or more before it, so a year
before is more than enough; 2100 is the last year the package computes. The door accepts any
calendar date with a four-digit year, so a delivery can hold dates outside it: the models count no
working days across a date outside the calendar (unknown, never within a timescale).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from csc_warehouse import settings

FIRST_YEAR = 1989
LAST_YEAR = 2100
SEED_NAME = "bank_holidays_england"
COLUMNS = ("holiday_date", "holiday_name")


def seed_path() -> Path:
    return settings.dbt_project_dir() / "seeds" / f"{SEED_NAME}.csv"


def england_bank_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[tuple[date, str]]:
    """Every bank holiday in England from first_year to last_year, oldest first, as the package names it
    (a day moved off a weekend is its own holiday, e.g. "Christmas Day (observed)")."""
    import holidays

    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1), language="en_GB")
    return sorted(calendar.items())


def seed_text(bank_holidays: list[tuple[date, str]]) -> str:
    """The seed's CSV: a header, then one row per bank holiday (ISO date, name)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows((day.isoformat(), name) for day, name in bank_holidays)
    return out.getvalue()


def write_seed(path: Path | None = None) -> Path:
    """Write the seed from the package's calendar; returns its path."""
    path = path or seed_path()
    path.write_text(seed_text(england_bank_holidays()), encoding="utf-8")
    return path


if __name__ == "__main__":
    written = write_seed()
    print(f"wrote {written}: England's bank holidays {FIRST_YEAR} to {LAST_YEAR}")
