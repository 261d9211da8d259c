"""Periods of care as episodes: how a period unfolds (orders, moves) and how it is written down."""

from dataclasses import dataclass
from datetime import date, timedelta

from csc_warehouse.demo.dates import ONE_DAY, add_years, eighteenth_birthday
from csc_warehouse.demo.dice import Dice
from csc_warehouse.demo.people import Child
from csc_warehouse.demo.placements import Placement, Placements

CIN_WEIGHTS = {"N1": 55, "N2": 4, "N3": 4, "N4": 8, "N5": 10, "N6": 10, "N7": 2, "N8": 7}
AGED_18_REASONS = ("E5", "E6", "E8")  # 2013/14 had no E17; staying put was recorded as E8
PLACEMENT_CHANGE_REASONS = ("CARPL", "CHILD", "LAREQ", "PLACE", "ALLEG", "CREQO")


@dataclass(frozen=True)
class Step:
    """A change in a child's care on a date: the start of an episode."""

    on: date
    rne: str
    legal_status: str
    placement: Placement
    why_moved: str = ""  # REASON_PLACE_CHANGE, written on the episode this step brings to an end


@dataclass(frozen=True)
class Episode:
    child_id: str
    decom: date
    rne: str
    legal_status: str
    cin: str
    placement: Placement
    home_post: str
    dec: date | None
    rec: str
    reason_place_change: str


class Periods:
    """Builds each period of care from its steps and keeps every episode the scenario has."""

    def __init__(self, dice: Dice, placements: Placements) -> None:
        self.dice = dice
        self.placements = placements
        self.episodes: list[Episode] = []

    def care_start(self, child: Child, latest: date, min_age: int = 0) -> date:
        """When a long-running period of care began: on or before `latest`, recent starts likelier.

        The child must be born by `latest`; `min_age` keeps teenagers' periods from starting at birth.
        """
        earliest = max(add_years(child.dob, min_age), child.dob, latest - timedelta(days=8 * 365))
        span = (latest - earliest).days
        return latest - timedelta(days=round(self.dice.triangular(0, span, min(300, span))))

    def first_step(self, child: Child, on: date, legal_status: str) -> Step:
        """The start of a period (RNE S) in a placement that fits the child and the legal status."""
        return Step(on, "S", legal_status, self.placements.placement(child, on, legal_status))

    def history(self, child: Child, start: date, until: date, legal_status: str) -> list[Step]:
        """How a period that began on `start` unfolded up to `until`: maybe a full care order, some moves."""
        events: dict[date, str] = {}
        if legal_status == "C1" and (until - start).days > 150:
            events[start + timedelta(days=self.dice.randint(90, 150))] = "L"
        if (until - start).days > 30:
            for _ in range(self.dice.choice((0, 0, 1, 1, 2))):
                events.setdefault(self.dice.day_between(start + ONE_DAY, until), "P")
        steps = [self.first_step(child, start, legal_status)]
        for on in sorted(events):
            if events[on] == "L":
                steps.append(self.status_change(steps[-1], on))
            else:
                steps.append(self.move(child, steps[-1], on))
        return steps

    def move(self, child: Child, current: Step, on: date) -> Step:
        """A change of placement and carer (RNE P), same legal status."""
        while True:
            placement = self.placements.placement(child, on, current.legal_status)
            if placement != current.placement:
                why = self.dice.choice(PLACEMENT_CHANGE_REASONS)
                return Step(on, "P", current.legal_status, placement, why)

    @staticmethod
    def status_change(current: Step, on: date, legal_status: str = "C2") -> Step:
        """A change of legal status only (RNE L): same placement, so no reason for a placement change."""
        return Step(on, "L", legal_status, current.placement)

    def add(self, child: Child, steps: list[Step], end: date | None, rec: str, cin: str = "") -> None:
        """Turn a period's steps into episodes: each runs until the next step (X1), the last until `end`."""
        cin = cin or self.dice.weighted(CIN_WEIGHTS)
        for step, following in zip(steps, [*steps[1:], None], strict=True):
            self.episodes.append(
                Episode(
                    child_id=child.child_id,
                    decom=step.on,
                    rne=step.rne,
                    legal_status=step.legal_status,
                    cin=cin,
                    placement=step.placement,
                    home_post=child.home_post,
                    dec=following.on if following else end,
                    rec="X1" if following else rec,
                    reason_place_change=following.why_moved if following else "",
                )
            )

    def add_until_18(self, child: Child, steps: list[Step]) -> None:
        """Still looked after after the last week: the period ends on the 18th birthday, unseen here."""
        self.add(child, steps, eighteenth_birthday(child.dob), self.dice.choice(AGED_18_REASONS))
