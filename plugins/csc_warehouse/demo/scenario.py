"""The scenario: the stories told in a fixed order over one seeded dice, and the figures they give."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from csc_warehouse.demo.dates import eighteenth_birthday, turning_18_window_end
from csc_warehouse.demo.dice import Dice
from csc_warehouse.demo.looked_after import LookedAfter
from csc_warehouse.demo.people import Child, People
from csc_warehouse.demo.periods import Episode, Periods
from csc_warehouse.demo.placements import Placements
from csc_warehouse.demo.plans import Plan, Plans
from csc_warehouse.demo.short_stays import ShortStays
from csc_warehouse.demo.story import (
    L1_CHAIN_WEEK,
    LOOKED_AFTER_ON_LAST_WEEK,
    TURNING_18_ON_LAST_WEEK,
    Tally,
    Timeline,
    WeekFigures,
)


@dataclass(frozen=True)
class Scenario:
    """Everything that happened (the truth), and the figures the scenario was built to give."""

    children: dict[str, Child]
    episodes: tuple[Episode, ...]
    plan_children: dict[str, Child]
    plans: tuple[Plan, ...]
    figures: dict[date, WeekFigures]


def build_scenario(la_code: str, weeks: Sequence[date], seed: int) -> Scenario:
    return ScenarioBuilder(la_code, Timeline.of(weeks), seed).build()


class ScenarioBuilder:
    """Decides who is looked after / on a plan in each week, then has the stories invent records that say so.

    The order of the stories is part of the output: each draws from the same dice.
    """

    def __init__(self, la_code: str, timeline: Timeline, seed: int) -> None:
        self.timeline = timeline
        self.tally = Tally(len(timeline.weeks))
        dice = Dice(seed)
        self.people = People(dice, la_code, timeline)
        self.periods = Periods(dice, Placements(dice, self.people))
        self.looked_after = LookedAfter(dice, self.people, self.periods, timeline, self.tally)
        self.short_stays = ShortStays(dice, self.people, self.periods, timeline, self.tally)
        self.plans = Plans(dice, self.people, timeline, self.tally)

    def build(self) -> Scenario:
        self.add_looked_after_children()
        self.short_stays.short_breaks()
        self.looked_after.historic_care_leavers()
        self.short_stays.historic_brief_returns()
        self.plans.add_all()
        return Scenario(
            self.people.children,
            tuple(self.periods.episodes),
            self.people.plan_children,
            tuple(self.plans.plans),
            self.figures(),
        )

    def add_looked_after_children(self) -> None:
        """Anchor: LOOKED_AFTER_ON_LAST_WEEK on the last as_at = children in care throughout + starters."""
        timeline, looked_after, dice = self.timeline, self.looked_after, self.looked_after.dice
        throughout = LOOKED_AFTER_ON_LAST_WEEK - sum(m.care_starts for m in timeline.movements)
        movers = sum(m.placement_moves + m.status_changes for m in timeline.movements)
        if throughout < TURNING_18_ON_LAST_WEEK + movers:
            raise ValueError(f"{len(timeline.weeks)} weeks are more than the demo scenario can fill")
        looked_after.turning_18_soon()
        for week in timeline.every_week:
            as_at, moves = timeline.weeks[week], timeline.movements[week]
            for on in dice.days_in_week(as_at, moves.placement_moves):
                looked_after.in_care_throughout(move_on=on)
            for on in dice.days_in_week(as_at, moves.status_changes):
                looked_after.in_care_throughout(full_care_order_on=on)
        for _ in range(throughout - TURNING_18_ON_LAST_WEEK - movers):
            looked_after.in_care_throughout()
        for week in timeline.every_week:
            as_at, moves = timeline.weeks[week], timeline.movements[week]
            for on in dice.days_in_week(as_at, moves.care_starts):
                looked_after.care_start(week, on)
            for number, on in enumerate(dice.days_in_week(as_at, moves.care_leavers)):
                looked_after.care_leaver(week, on, turning_18=number == 0)
            for _ in range(moves.brief_returns):
                self.short_stays.brief_return(week)
        self.short_stays.police_protection_chain(min(L1_CHAIN_WEEK, len(timeline.weeks) - 1))

    def figures(self) -> dict[date, WeekFigures]:
        """Each week's figures, read from where the stories said each child counts."""
        figures = {}
        tally = self.tally
        for week, as_at in enumerate(self.timeline.weeks):
            looked_after = [child_id for child_id, weeks in tally.looked_after_in.items() if week in weeks]
            window_end = turning_18_window_end(as_at)
            birthdays = [eighteenth_birthday(self.people.children[child_id].dob) for child_id in looked_after]
            counts = tally.counts[week]
            figures[as_at] = WeekFigures(
                as_at=as_at,
                children_looked_after=len(looked_after),
                lac_starts=counts.lac_starts,
                lac_ceased=counts.lac_ceased,
                children_on_plan=sum(week in weeks for weeks in tally.on_plan_in.values()),
                brief_returned_home=counts.brief_returned_home,
                plan_starts=counts.plan_starts,
                plan_ends=counts.plan_ends,
                turning_18=sum(as_at < birthday <= window_end for birthday in birthdays),
            )
        return figures
