"""What the demo scenario decides: its weeks, what happens in each, and the figures it must give.

The anchors come from the committee report the demo reproduces: 164, 184 and 192 children on a
plan, 533 looked after, 40 about to turn 18.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from csc_warehouse.demo.dates import ONE_DAY, checked_weeks, extract_window_start, turning_18_window_end

DEMO_LA_CODE = "309"
DEMO_WEEKS: tuple[date, ...] = tuple(date(2014, 1, 6) + timedelta(weeks=i) for i in range(6))


@dataclass(frozen=True)
class WeekFigures:
    """The figures one delivery should give as at its extract date, by the contract's definitions."""

    as_at: date
    children_looked_after: int
    lac_starts: int
    lac_ceased: int
    children_on_plan: int
    brief_returned_home: int
    plan_starts: int
    plan_ends: int
    turning_18: int  # looked after on as_at, 18th birthday after as_at and by the end of the 5th month after


@dataclass(frozen=True)
class WeekMovements:
    """What the scenario makes happen in one week (as_at - 6 .. as_at)."""

    care_starts: int  # children who start to be looked after and are still looked after at as_at
    care_leavers: int  # children looked after at the previous as_at who leave care (the first on turning 18)
    brief_returns: int  # 72 hours of police protection (L1), then home (E4A/E4B)
    placement_moves: int  # X1 and a same-day RNE P episode: neither a ceasing nor a start
    status_changes: int  # interim to full care order (X1 and RNE L): neither a ceasing nor a start
    plan_starts: int
    plan_ends: int


# One row per week; weeks beyond the sixth repeat the table. With the anchors below this gives
# 520, 523, 526, 528, 531, 533 children looked after and 164, 170, 178, 184, 188, 192 on a plan.
WEEKLY_MOVEMENTS = (
    #             care   care   brief  place. status plan   plan
    #             starts leave  return moves  change starts ends
    WeekMovements(5, 4, 2, 3, 1, 6, 3),
    WeekMovements(6, 3, 3, 4, 1, 8, 2),
    WeekMovements(7, 4, 2, 2, 1, 10, 2),
    WeekMovements(5, 3, 3, 4, 1, 8, 2),
    WeekMovements(7, 4, 2, 3, 1, 7, 3),
    WeekMovements(6, 4, 3, 3, 1, 6, 2),
)
LOOKED_AFTER_ON_LAST_WEEK = 533
ON_PLAN_ON_LAST_WEEK = 192
TURNING_18_ON_LAST_WEEK = 40
L1_CHAIN_WEEK = 3  # the week (index) with the one police-protection chain of 2 + 2 days
HISTORIC_CARE_LEAVERS = 45  # periods of care that ended between 1 April and the first week
HISTORIC_BRIEF_RETURNS = 4
HISTORIC_PLANS = 35  # plans that ended between 1 April and the first week
V3_CHILDREN = 3
REPEAT_PLAN_SHARE = 0.25  # share of new plans whose child had a plan ending earlier in the year


@dataclass(frozen=True)
class Timeline:
    """The demo weeks and the days every story measures from."""

    weeks: tuple[date, ...]
    movements: tuple[WeekMovements, ...]
    cutoff: date  # the as_at before the first week: anything "historic" happens on or before it
    window_start: date  # 1 April before the first week: the oldest day the first delivery reaches
    # Children born on or after this day are 18 only after every turning-18 window closes, so
    # the only children counted there are the ones the scenario puts there.
    dob_floor: date

    @classmethod
    def of(cls, weeks: Sequence[date]) -> "Timeline":
        weeks = checked_weeks(weeks)
        after_last_window = turning_18_window_end(weeks[-1]) + ONE_DAY
        return cls(
            weeks=weeks,
            movements=tuple(WEEKLY_MOVEMENTS[i % len(WEEKLY_MOVEMENTS)] for i in range(len(weeks))),
            cutoff=weeks[0] - timedelta(days=7),
            window_start=extract_window_start(weeks[0]),
            dob_floor=date(after_last_window.year - 18, after_last_window.month, 1),
        )

    @property
    def every_week(self) -> range:
        return range(len(self.weeks))

    def from_week(self, week: int) -> range:
        """The weeks from `week` to the last: a child who arrives in `week` and stays."""
        return range(week, len(self.weeks))

    def before_week(self, week: int) -> range:
        """The weeks before `week`: a child who leaves in `week`."""
        return range(0, week)


@dataclass
class WeekCounts:
    """A week's starts and endings, as the stories add them."""

    lac_starts: int = 0
    lac_ceased: int = 0
    brief_returned_home: int = 0
    plan_starts: int = 0
    plan_ends: int = 0


@dataclass
class Tally:
    """Where each child counts: the weeks on whose as_at it is looked after or on a plan, and what it
    adds to each week's starts and endings. The figures are read from here, not from the records."""

    week_count: int
    looked_after_in: dict[str, range] = field(default_factory=dict)
    on_plan_in: dict[str, range] = field(default_factory=dict)
    counts: list[WeekCounts] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = [WeekCounts() for _ in range(self.week_count)]
