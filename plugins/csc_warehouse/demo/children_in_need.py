"""Children in need: the referrals, assessments, section 47 enquiries, ICPCs and CIN plans around the
demo's child protection plans, and the front door's other work (issue 18).

Every CP plan of the scenario has its referral: a section 47 enquiry, an assessment and an initial
child protection conference (ICPC) on the plan's start day. Most ICPCs are within 15 working days of
the enquiry's start, some are late. One plan ending in the demo weeks steps down to a CIN plan a few
days later. Besides, a steady stream of referrals arrives every week, before and during the weeks:
some end with no further action, the others are assessed (most within 45 working days, some beyond),
and some go on to a CIN plan or to a section 47 enquiry that needs no conference; some children come
back within the year (re-referrals).

Working days are counted here as Monday to Friday. Every duration is drawn at least three working
days away from its 15 or 45 boundary, so England's bank holidays (the contract's calendar) never
change which side of it a case falls.

The stories draw from a dice of their own, seeded from the scenario's seed, so the other files of
a delivery stay byte for byte what they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from csc_warehouse.demo.dice import Dice
from csc_warehouse.demo.people import ETHNIC_WEIGHTS, Child
from csc_warehouse.demo.plans import Plan
from csc_warehouse.demo.scenario import Scenario

REFERRALS_PER_WEEK = (14, 24)  # CIN-only referrals a week, before and during the demo weeks
HISTORY_DAYS = 500  # the stream starts this long before the first week
NFA_SHARE, CIN_PLAN_SHARE, S47_SHARE, RE_REFERRAL_SHARE = 0.3, 0.35, 0.1, 0.15
LATE_ASSESSMENT_SHARE, LATE_ICPC_SHARE = 0.12, 0.2
SOURCE_WEIGHTS = {"1A": 8, "2A": 16, "3A": 5, "3B": 4, "3E": 3, "4": 2, "5A": 4, "5D": 6, "6": 28, "8": 6, "10": 2}
NEED_WEIGHTS = {"N1": 50, "N2": 6, "N3": 6, "N4": 12, "N5": 14, "N6": 4, "N7": 2, "N8": 4, "N9": 2}
FACTORS = ("1B", "2B", "3A", "3B", "4B", "16A", "17A", "18C", "21")


@dataclass(frozen=True)
class Assessment:
    start: date
    authorised: date
    factors: tuple[str, ...]


@dataclass(frozen=True)
class Enquiry:
    start: date
    icpc: date | None  # None: no conference was needed


@dataclass(frozen=True)
class CinPlan:
    start: date
    end: date | None


@dataclass
class Referral:
    child_id: str
    referred: date
    source: str
    need: str
    nfa: bool
    closed: date | None = None
    reason: str | None = None
    assessments: list[Assessment] = field(default_factory=list)
    enquiries: list[Enquiry] = field(default_factory=list)
    cin_plans: list[CinPlan] = field(default_factory=list)
    cp_plans: list[Plan] = field(default_factory=list)


@dataclass(frozen=True)
class ChildrenInNeed:
    children: dict[str, Child]  # every child with a referral: the plan children and the CIN-only ones
    referrals: tuple[Referral, ...]
    step_down: Referral  # the referral whose CP plan steps down to a CIN plan in the demo weeks


def add_working_days(day: date, count: int) -> date:
    """The day `count` working days (Monday to Friday) after `day`; a negative count goes back."""
    step = timedelta(days=1 if count >= 0 else -1)
    for _ in range(abs(count)):
        day += step
        while day.weekday() >= 5:
            day += step
    return day


def children_in_need(scenario: Scenario, seed: int) -> ChildrenInNeed:
    return Story(scenario, Dice(f"children-in-need-{seed}")).tell()


class Story:
    def __init__(self, scenario: Scenario, dice: Dice) -> None:
        self.scenario, self.dice = scenario, dice
        self.weeks = sorted(scenario.figures)
        self.children: dict[str, Child] = dict(scenario.plan_children)
        self.referrals: list[Referral] = []

    def tell(self) -> ChildrenInNeed:
        step_down = self.plan_referrals()
        self.stream_of_referrals()
        referrals = sorted(self.referrals, key=lambda r: (r.child_id, r.referred))
        return ChildrenInNeed(self.children, tuple(referrals), step_down)

    # -- the CP plans' referrals ---------------------------------------------------------------------

    def plan_referrals(self) -> Referral:
        """A referral for each CP plan; the first plan ending in the second demo week steps down."""
        second_week = self.weeks[min(1, len(self.weeks) - 1)]
        ending = [p for p in self.scenario.plans if p.end and second_week - timedelta(days=6) <= p.end <= second_week]
        stepping_down = min(ending, key=lambda p: (p.end, p.child_id)) if ending else None
        step_down = None
        previous_end: dict[str, date] = {}
        for plan in sorted(self.scenario.plans, key=lambda p: (p.child_id, p.start)):
            referral = self.plan_referral(plan, after=previous_end.get(plan.child_id))
            previous_end[plan.child_id] = plan.end or plan.start
            if plan is stepping_down:
                cin_start = min(plan.end + timedelta(days=3), second_week)
                referral.cin_plans.append(CinPlan(cin_start, None))
                referral.closed = referral.reason = None
                step_down = referral
        if step_down is None:
            raise ValueError("no CP plan ends in the second demo week: nothing can step down")
        return step_down

    def plan_referral(self, plan: Plan, after: date | None) -> Referral:
        dice = self.dice
        late = dice.random() < LATE_ICPC_SHARE
        s47_start = add_working_days(plan.start, -(dice.randint(20, 30) if late else dice.randint(4, 12)))
        referred = s47_start - timedelta(days=dice.randint(0, 4))
        if after is not None and referred <= after:  # a repeat plan: referred again after the last one ended
            referred = s47_start = after + timedelta(days=1)
        referral = self.referral(plan.child_id, referred, need="N1")
        referral.enquiries.append(Enquiry(s47_start, plan.start))
        assessment_start = referred + timedelta(days=dice.randint(0, 2))
        referral.assessments.append(Assessment(assessment_start, self.authorised(assessment_start), self.factors()))
        referral.cp_plans.append(plan)
        if plan.end is not None:
            referral.closed, referral.reason = plan.end, "RC7"
        return referral

    # -- the front door's other referrals ----------------------------------------------------------------

    def stream_of_referrals(self) -> None:
        dice, first = self.dice, self.weeks[0] - timedelta(days=6)
        day = first - timedelta(days=HISTORY_DAYS)
        closed_children: list[tuple[str, date]] = []
        while day <= self.weeks[-1]:
            for referred in sorted(dice.day_between(day, day + timedelta(days=6)) for _ in range(self.weekly())):
                if referred > self.weeks[-1]:
                    continue
                earlier = [(c, d) for c, d in closed_children if referred - timedelta(days=330) < d < referred]
                if earlier and dice.random() < RE_REFERRAL_SHARE:
                    child_id, _closed = dice.choice(earlier)
                    closed_children = [(c, d) for c, d in closed_children if c != child_id]
                else:
                    child_id = self.new_child(referred)
                referral = self.referral(child_id, referred, need=dice.weighted(NEED_WEIGHTS))
                self.assess_and_decide(referral)
                if referral.closed is not None:
                    closed_children.append((child_id, referral.closed))
            day += timedelta(days=7)

    def weekly(self) -> int:
        return self.dice.randint(*REFERRALS_PER_WEEK)

    def assess_and_decide(self, referral: Referral) -> None:
        dice = self.dice
        if referral.nfa:
            referral.closed, referral.reason = referral.referred, "RC8"
            return
        start = referral.referred + timedelta(days=dice.randint(0, 3))
        authorised = self.authorised(start)
        referral.assessments.append(Assessment(start, authorised, self.factors()))
        if dice.random() < S47_SHARE:
            referral.enquiries.append(Enquiry(start + timedelta(days=dice.randint(0, 2)), None))
        if dice.random() < CIN_PLAN_SHARE:
            plan_start = authorised + timedelta(days=dice.randint(0, 5))
            plan_end = plan_start + timedelta(days=dice.randint(60, 300))
            referral.cin_plans.append(CinPlan(plan_start, plan_end))
            referral.closed, referral.reason = plan_end, "RC7"
        else:
            referral.closed, referral.reason = authorised, dice.choice(("RC8", "RC9"))

    # -- shared ---------------------------------------------------------------------------------------

    def referral(self, child_id: str, referred: date, need: str) -> Referral:
        dice = self.dice
        referral = Referral(child_id, referred, dice.weighted(SOURCE_WEIGHTS), need, nfa=False)
        referral.nfa = not self.children_on_plan(child_id) and dice.random() < NFA_SHARE
        self.referrals.append(referral)
        return referral

    def children_on_plan(self, child_id: str) -> bool:
        return child_id in self.scenario.plan_children

    def authorised(self, start: date) -> date:
        """Most assessments within 45 working days (10 to 42), some beyond (48 to 70)."""
        late = self.dice.random() < LATE_ASSESSMENT_SHARE
        return add_working_days(start, self.dice.randint(48, 70) if late else self.dice.randint(10, 42))

    def new_child(self, referred: date) -> str:
        dice = self.dice
        while True:
            child_id = str(dice.randint(100000, 999999))
            if child_id not in self.children and child_id not in self.scenario.children:
                break
        dob = referred - timedelta(days=dice.randint(30, 17 * 365))
        self.children[child_id] = Child(child_id, dice.choice("12"), dob, dice.weighted(ETHNIC_WEIGHTS))
        return child_id

    def factors(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.dice.choices(FACTORS, k=self.dice.randint(1, 3)))))
