"""The bank-holiday seed the working days are counted with: the `holidays` package's calendar of
England, written once into dbt_project/seeds/bank_holidays_england.csv (csc_warehouse.bank_holidays)."""

from __future__ import annotations

import csv
from datetime import date

from csc_warehouse import bank_holidays


def seed_rows() -> list[tuple[date, str]]:
    with bank_holidays.seed_path().open(encoding="utf-8", newline="") as seed:
        return [(date.fromisoformat(row["holiday_date"]), row["holiday_name"]) for row in csv.DictReader(seed)]


def test_the_seed_equals_the_packages_calendar_of_england():
    """After upgrading `holidays`, `python -m csc_warehouse.bank_holidays` writes the seed again."""
    assert seed_rows() == bank_holidays.england_bank_holidays()


def test_the_seed_covers_1989_to_2100_with_one_row_per_day():
    rows = seed_rows()
    assert (rows[0][0], rows[-1][0]) == (date(1989, 1, 1), date(2100, 12, 28))
    assert len({day for day, _ in rows}) == len(rows)
    assert {day.year for day, _ in rows} == set(range(1989, 2101))


def test_the_seed_holds_englands_bank_holidays_of_2014_and_the_one_off_days_of_2022_and_2023():
    """Checked by hand against the government's list: eight days in 2014; 2022's jubilee (and the spring
    holiday moved to 2 June) and the Queen's funeral; 2023's coronation. Scotland's 2 January is not here."""
    days = dict(seed_rows())
    assert [day for day in days if day.year == 2014] == [
        date(2014, 1, 1),
        date(2014, 4, 18),
        date(2014, 4, 21),
        date(2014, 5, 5),
        date(2014, 5, 26),
        date(2014, 8, 25),
        date(2014, 12, 25),
        date(2014, 12, 26),
    ]
    assert days[date(2022, 6, 2)] == "Spring Bank Holiday"
    assert days[date(2022, 6, 3)] == "Platinum Jubilee of Elizabeth II"
    assert days[date(2022, 9, 19)] == "State Funeral of Queen Elizabeth II"
    assert days[date(2023, 5, 8)] == "Coronation of Charles III"
    assert date(2015, 1, 2) not in days


def test_a_bank_holiday_on_a_weekend_is_kept_and_its_weekday_substitute_is_a_holiday_of_its_own():
    """Christmas 2021 fell on a Saturday: the seed keeps the 25th (a weekend day, no working day anyway)
    and the substitute days, Monday 27 and Tuesday 28 December."""
    days = dict(seed_rows())
    assert days[date(2021, 12, 25)] == "Christmas Day"
    assert days[date(2021, 12, 27)] == "Christmas Day (observed)"
    assert days[date(2021, 12, 28)] == "Boxing Day (observed)"
