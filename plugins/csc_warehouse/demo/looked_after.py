"""Looked-after children: those in care throughout, those about to turn 18, who starts and who leaves."""

import calendar
from datetime import date, timedelta

from csc_warehouse.demo.dates import ONE_DAY, add_years, end_of_month_after
from csc_warehouse.demo.dice import Dice
from csc_warehouse.demo.people import LAC_AGE_BANDS, Child, People
from csc_warehouse.demo.periods import AGED_18_REASONS, Periods, Step
from csc_warehouse.demo.story import HISTORIC_CARE_LEAVERS, TURNING_18_ON_LAST_WEEK, Tally, Timeline

LEAVING_REASON_WEIGHTS = {"E4A": 30, "E4B": 4, "E13": 10, "E41": 8, "E45": 6, "E46": 6, "E3": 3, "E8": 5}


class LookedAfter:
    """Each method adds one child whose part in the story it knows, and records the weeks on whose
    as_at the child is looked after and what it adds to each week's starts and endings."""

    def __init__(self, dice: Dice, people: People, periods: Periods, timeline: Timeline, tally: Tally) -> None:
        self.dice = dice
        self.people = people
        self.periods = periods
        self.timeline = timeline
        self.tally = tally

    def turning_18_soon(self) -> None:
        """TURNING_18_ON_LAST_WEEK children whose 18th birthday falls within 4 months of the last as_at.

        Four, not five: the committee report counted to 30 June from 10 February, while the contract's
        rule (end of the fifth calendar month after as_at's month) reaches 31 July. Nobody else looked
        after turns 18 by then (the DOB floor), so both readings give the same count. One is born on a
        29 February where the range has one (they turn 18 on 1 March); another is a young mother.
        """
        last = self.timeline.weeks[-1]
        first_dob = add_years(last, -18) + ONE_DAY
        last_dob = add_years(end_of_month_after(last, 4), -18)
        leap_days = [date(y, 2, 29) for y in range(first_dob.year, last_dob.year + 1) if calendar.isleap(y)]
        dobs = [day for day in leap_days if first_dob <= day <= last_dob][:1]
        dobs += [self.dice.day_between(first_dob, last_dob) for _ in range(TURNING_18_ON_LAST_WEEK - len(dobs))]
        mother_found = False
        for number, dob in enumerate(dobs):
            child = self.people.looked_after_child(dob)
            if number > 0 and child.sex == "2" and not mother_found:
                first = self.timeline.weeks[0]
                born = self.dice.day_between(first - timedelta(days=330), first - timedelta(days=30))
                child = self.people.young_mother(child, born)
                mother_found = True
            start = self.periods.care_start(child, self.timeline.cutoff, min_age=10)
            legal_status = self.dice.weighted({"C1": 60, "V2": 40})
            self.periods.add_until_18(child, self.periods.history(child, start, self.timeline.cutoff, legal_status))
            self._in_care(child, self.timeline.every_week)

    def in_care_throughout(self, move_on: date | None = None, full_care_order_on: date | None = None) -> None:
        """Looked after before the first week and after the last; maybe a move or a new order in a week."""
        cutoff = self.timeline.cutoff
        child = self.people.looked_after_child(self.people.dob(LAC_AGE_BANDS, on=cutoff))
        if full_care_order_on:
            # An interim care order recent enough not to have become a full one yet.
            start = cutoff - timedelta(days=self.dice.randint(30, 140))
            start = max(start, child.dob)
            steps = [self.periods.first_step(child, start, "C1")]
            steps.append(self.periods.status_change(steps[-1], full_care_order_on))
        else:
            start = self.periods.care_start(child, cutoff)
            steps = self.periods.history(child, start, cutoff, self.dice.weighted({"C1": 65, "V2": 35}))
        if move_on:
            steps.append(self.periods.move(child, steps[-1], move_on))
        self.periods.add_until_18(child, steps)
        self._in_care(child, self.timeline.every_week)

    def care_start(self, week: int, on: date) -> None:
        """A child who starts to be looked after in the week and stays; some via 1-3 days of L1."""
        child = self.people.looked_after_child(self.people.dob(LAC_AGE_BANDS, on=on))
        route = self.dice.weighted({"V2": 55, "C1": 30, "L1": 15})
        if route == "L1":
            steps = [self.periods.first_step(child, on, "L1")]
            order_on = on + timedelta(days=self.dice.randint(1, 3))
            steps.append(self.periods.status_change(steps[0], order_on, self.dice.choice(("C1", "V2"))))
        else:
            steps = [self.periods.first_step(child, on, route)]
        self.periods.add_until_18(child, steps)
        self._in_care(child, self.timeline.from_week(week))
        self.tally.counts[week].lac_starts += 1

    def care_leaver(self, week: int, on: date, turning_18: bool) -> None:
        """A child in care at the previous as_at who leaves in the week: on turning 18, adopted, or else."""
        cutoff = self.timeline.cutoff
        if on.month == 2 and on.day == 29:
            on -= ONE_DAY  # a birthday that comes round every year
        if turning_18:
            child = self.people.looked_after_child(add_years(on, -18))
            start = self.periods.care_start(child, cutoff, min_age=8)
            steps = self.periods.history(child, start, cutoff, self.dice.weighted({"C1": 60, "V2": 40}))
            rec = self.dice.choice(AGED_18_REASONS)
        elif week % 2 == 1 and self.dice.random() < 0.5:
            child, steps, rec = self._adoption(on)
        else:
            long_enough = cutoff - timedelta(days=30)
            child = self.people.looked_after_child(self.people.dob(LAC_AGE_BANDS, on=long_enough))
            start = self.periods.care_start(child, long_enough)
            steps = self.periods.history(child, start, cutoff, self.dice.weighted({"C1": 60, "V2": 40}))
            rec = self.dice.weighted(LEAVING_REASON_WEIGHTS)
        self.periods.add(child, steps, on, rec)
        self._in_care(child, self.timeline.before_week(week))
        self.tally.counts[week].lac_ceased += 1

    def historic_care_leavers(self) -> None:
        """Periods that ended after 1 April and before the first week: in every snapshot, in no week."""
        for _ in range(HISTORIC_CARE_LEAVERS):
            ended_on = self.dice.day_between(self.timeline.window_start, self.timeline.cutoff)
            long_enough = ended_on - timedelta(days=30)
            child = self.people.looked_after_child(self.people.dob(LAC_AGE_BANDS, on=long_enough))
            start = self.periods.care_start(child, long_enough)
            steps = self.periods.history(child, start, ended_on - ONE_DAY, self.dice.weighted({"C1": 60, "V2": 40}))
            self.periods.add(child, steps, ended_on, self.dice.weighted(LEAVING_REASON_WEIGHTS))

    def _adoption(self, adopted_on: date) -> tuple[Child, list[Step], str]:
        """A young child's road to adoption, worked back from the adoption order: C1, E1, placed, E11."""
        placed_on = adopted_on - timedelta(days=self.dice.randint(70, 200))
        order_on = placed_on - timedelta(days=self.dice.randint(30, 120))
        start = order_on - timedelta(days=self.dice.randint(150, 400))
        child = self.people.looked_after_child(start - timedelta(days=self.dice.randint(1, 400)))
        placements = self.periods.placements
        steps = [Step(start, "S", "C1", placements.placement_at(child, self.dice.choice(("U4", "U5", "U6"))))]
        steps.append(self.periods.status_change(steps[-1], order_on, "E1"))
        adopters = placements.placement_at(child, self.dice.choice(("A5", "A6")))
        steps.append(Step(placed_on, "P", "E1", adopters, "CARPL"))
        return child, steps, "E11"

    def _in_care(self, child: Child, weeks: range) -> None:
        self.tally.looked_after_in[child.child_id] = weeks
