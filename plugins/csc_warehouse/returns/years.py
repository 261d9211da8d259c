"""Which collection year a delivery belongs to, and which of a validator's rulesets checks it.

A return covers the year from 1 April to 31 March; a weekly extract belongs to the collection that
ends on the first 31 March on or after its extract date (an extract of 31/03/2025 is 2024/25's, one
of 01/04/2025 is 2025/26's). The validators name that year by its end ("2025", so that their
collection_end becomes 31/03/2025) and their rulesets by both years (lac2024_25, cin2024_25). They
hold rulesets from 2022/23 on: an earlier extract is checked with the earliest one, and says so; a
year later than the newest is checked with the newest, and says so too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

RULESET = re.compile(r"^(?P<prefix>[a-z]+)(?P<start>\d{4})_(?P<end>\d{2})$")


def collection_year(extract_date: date) -> int:
    """The calendar year in which the extract's collection ends (on 31 March)."""
    return extract_date.year if (extract_date.month, extract_date.day) <= (3, 31) else extract_date.year + 1


def ruleset_name(prefix: str, year: int) -> str:
    """The validators' name of the ruleset of the collection ending in `year`: lac2024_25 for 2025."""
    return f"{prefix}{year - 1}_{year % 100:02d}"


@dataclass(frozen=True)
class RulesetChoice:
    """The ruleset a delivery is checked with, and why when it is not its own year's."""

    collection_year: int
    ruleset: str
    note: str | None

    @property
    def metadata_year(self) -> str:
        """The validators' collectionYear: the year the collection ends, as text."""
        return str(self.collection_year)


def choose_ruleset(extract_date: date, prefix: str, available: Iterable[str]) -> RulesetChoice:
    """The ruleset of the extract's collection year among `available` (a validator's ruleset names)."""
    years = sorted(
        2000 + int(match["end"]) for name in available if (match := RULESET.match(name)) and match["prefix"] == prefix
    )
    if not years:
        raise ValueError(f"no {prefix} rulesets among {sorted(available)}")
    year = collection_year(extract_date)
    season = f"{year - 1}/{year % 100:02d}"
    if year < years[0]:
        earliest = ruleset_name(prefix, years[0])
        return RulesetChoice(year, earliest, f"{season} predates the validator's rulesets: checked with {earliest}")
    if year > years[-1]:
        newest = ruleset_name(prefix, years[-1])
        return RulesetChoice(year, newest, f"{season} is newer than the validator's rulesets: checked with {newest}")
    if year not in years:
        nearest = ruleset_name(prefix, max(y for y in years if y < year))
        return RulesetChoice(year, nearest, f"the validator has no ruleset for {season}: checked with {nearest}")
    return RulesetChoice(year, ruleset_name(prefix, year), None)
