"""Stays that every looked-after figure must treat with care: brief police protection and short breaks."""

from datetime import date, timedelta

from csc_warehouse.demo.dates import ONE_DAY
from csc_warehouse.demo.dice import Dice
from csc_warehouse.demo.people import POLICE_PROTECTION_AGE_BANDS, SCHOOL_AGE_BANDS, Child, People
from csc_warehouse.demo.periods import Periods, Step
from csc_warehouse.demo.story import HISTORIC_BRIEF_RETURNS, V3_CHILDREN, Tally, Timeline


class ShortStays:
    """Police protection of a few days (brief returns home, one longer chain) and short breaks (V3/V4)."""

    def __init__(self, dice: Dice, people: People, periods: Periods, timeline: Timeline, tally: Tally) -> None:
        self.dice = dice
        self.people = people
        self.periods = periods
        self.timeline = timeline
        self.tally = tally

    def brief_return(self, week: int) -> None:
        """A brief return home in the week: a start, a ceasing and a period of 3 days.

        It starts on as_at - 6 .. as_at - 3, so it begins and ends inside the week and is never open
        on an as_at.
        """
        self._three_days_then_home(self.timeline.weeks[week] - timedelta(days=self.dice.randint(3, 6)))
        counts = self.tally.counts[week]
        counts.lac_starts += 1
        counts.lac_ceased += 1
        counts.brief_returned_home += 1

    def historic_brief_returns(self) -> None:
        """Brief returns between 1 April and the first week: in every snapshot, in no week."""
        for _ in range(HISTORIC_BRIEF_RETURNS):
            decom = self.dice.day_between(self.timeline.window_start, self.timeline.cutoff - timedelta(days=3))
            self._three_days_then_home(decom)

    def police_protection_chain(self, week: int) -> None:
        """Two L1 episodes of 2 days each (X1, then RNE L): a 4-day chain, over 72 hours, so not brief."""
        decom = self.timeline.weeks[week] - timedelta(days=6)
        child, first = self._police_protection(decom)
        second = Step(decom + timedelta(days=2), "L", "L1", first.placement)
        self.periods.add(child, [first, second], decom + timedelta(days=4), "E4B", cin="N1")
        counts = self.tally.counts[week]
        counts.lac_starts += 1
        counts.lac_ceased += 1

    def short_breaks(self) -> None:
        """Short breaks (V3/V4), which every looked-after figure must leave out.

        One child has a V4 agreement open across every week. V3 children have 3-night breaks
        from Saturday to Tuesday, one of them over each as_at: started in one week, ended
        (E4A, 3 days) in the next, so counting them would move every figure.
        """
        cutoff, weeks = self.timeline.cutoff, self.timeline.weeks
        agreement = self._short_break_child()
        agreed_on = cutoff - timedelta(days=self.dice.randint(60, 150))
        agreed_until = weeks[-1] + timedelta(days=200)
        self.periods.add(agreement, [self._short_break(agreed_on, "V4")], agreed_until, "E13", cin="N4")
        v3_children = [self._short_break_child() for _ in range(V3_CHILDREN)]
        for number, child in enumerate(v3_children):  # two earlier breaks each, in the autumn
            for weeks_before in (9 + 3 * number, 5 + 3 * number):
                self._v3_break(child, weeks[0] - timedelta(weeks=weeks_before))
        for week, as_at in enumerate(weeks):
            self._v3_break(v3_children[week % V3_CHILDREN], as_at)

    def _police_protection(self, decom: date) -> tuple[Child, Step]:
        child = self.people.looked_after_child(self.people.dob(POLICE_PROTECTION_AGE_BANDS, on=decom))
        return child, self.periods.first_step(child, decom, "L1")

    def _three_days_then_home(self, decom: date) -> None:
        """72 hours of police protection (L1), then home (E4A/E4B): 3 days, so not over 72 hours."""
        child, step = self._police_protection(decom)
        self.periods.add(child, [step], decom + timedelta(days=3), self.dice.choice(("E4A", "E4B")), cin="N1")

    def _short_break_child(self) -> Child:
        dob = self.people.dob(SCHOOL_AGE_BANDS, on=self.timeline.cutoff)
        return self.people.looked_after_child(dob, short_breaks=True)

    def _short_break(self, on: date, legal_status: str) -> Step:
        return Step(on, "S", legal_status, self.periods.placements.short_break_home())

    def _v3_break(self, child: Child, monday: date) -> None:
        saturday = monday - timedelta(days=2)
        self.periods.add(child, [self._short_break(saturday, "V3")], monday + ONE_DAY, "E4A", cin="N4")
