"""Child protection plans: running throughout, starting and ending in the weeks, ended before them."""

from dataclasses import dataclass
from datetime import date, timedelta

from csc_warehouse.demo.dice import Dice
from csc_warehouse.demo.people import PLAN_AGE_BANDS, People
from csc_warehouse.demo.story import HISTORIC_PLANS, ON_PLAN_ON_LAST_WEEK, REPEAT_PLAN_SHARE, Tally, Timeline

ABUSE_WEIGHTS = {"NEG": 45, "EMO": 35, "PHY": 8, "SAB": 4, "MUL": 8}


@dataclass(frozen=True)
class Plan:
    child_id: str
    start: date
    end: date | None
    initial_category: str
    latest_category: str
    previous_plans: int


class Plans:
    """Every plan of the scenario, and the weeks on whose as_at each plan's child is on a plan."""

    def __init__(self, dice: Dice, people: People, timeline: Timeline, tally: Tally) -> None:
        self.dice = dice
        self.people = people
        self.timeline = timeline
        self.tally = tally
        self.plans: list[Plan] = []

    def add_all(self) -> None:
        """Anchor: ON_PLAN_ON_LAST_WEEK on the last as_at = plans running throughout + plans started."""
        timeline = self.timeline
        throughout = ON_PLAN_ON_LAST_WEEK - sum(m.plan_starts for m in timeline.movements)
        if throughout < 0:
            raise ValueError(f"{len(timeline.weeks)} weeks are more than the demo scenario can fill")
        for _ in range(throughout):
            start = timeline.cutoff - timedelta(days=round(self.dice.triangular(0, 900, 90)))
            self._add(start, None, on_plan_in=timeline.every_week)
        for week in timeline.every_week:
            as_at, moves = timeline.weeks[week], timeline.movements[week]
            for end in self.dice.days_in_week(as_at, moves.plan_ends):
                start = end - timedelta(days=self.dice.randint(90, 700))
                self._add(start, end, on_plan_in=timeline.before_week(week))
                self.tally.counts[week].plan_ends += 1
            for start in self.dice.days_in_week(as_at, moves.plan_starts):
                repeat = self.dice.random() < REPEAT_PLAN_SHARE
                self._add(start, None, on_plan_in=timeline.from_week(week), repeat=repeat)
                self.tally.counts[week].plan_starts += 1
        for _ in range(HISTORIC_PLANS):
            end = self.dice.day_between(timeline.window_start, timeline.cutoff)
            self._add(end - timedelta(days=self.dice.randint(60, 600)), end, on_plan_in=range(0))

    def _add(self, start: date, end: date | None, on_plan_in: range, repeat: bool = False) -> None:
        """A child on a plan; a repeat plan also gets the earlier plan, ended before the first week."""
        dob = self.people.dob(PLAN_AGE_BANDS, on=start - timedelta(days=200) if repeat else start)
        child = self.people.plan_child(dob)
        previous = self.dice.choices((0, 1, 2), weights=(85, 12, 3))[0]
        if repeat:
            window_start, cutoff = self.timeline.window_start, self.timeline.cutoff
            earlier_end = self.dice.day_between(max(window_start, dob + timedelta(days=150)), cutoff)
            earlier_start = max(dob, earlier_end - timedelta(days=self.dice.randint(120, 400)))
            self.plans.append(self._plan(child.child_id, earlier_start, earlier_end, previous))
            previous += 1
        self.plans.append(self._plan(child.child_id, start, end, previous))
        self.tally.on_plan_in[child.child_id] = on_plan_in

    def _plan(self, child_id: str, start: date, end: date | None, previous: int) -> Plan:
        initial = self.dice.weighted(ABUSE_WEIGHTS)
        latest = initial if self.dice.random() < 0.85 else self.dice.weighted(ABUSE_WEIGHTS)
        return Plan(child_id, start, end, initial, latest, previous)
