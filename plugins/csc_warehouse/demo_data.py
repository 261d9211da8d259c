"""Demo deliveries: six weekly extracts for one authority that reproduce a real committee report.

Real case records never leave an authority, yet the warehouse needs data to demonstrate and to be
tested end to end. This module invents an authority (Haringey's code, 309) and writes what its
case-management system would drop each Monday from 6 January to 10 February 2014: the SSDA903
Header and Episodes tables and the child protection plans under Children in Need census names,
each a full snapshot as at its extract date (data contract, section 1).

The figures are decided, not left to chance. The scenario says who is looked after and who is on a
plan on each Monday, how many children start and leave care in each week, and so on (the table
`WEEKLY_MOVEMENTS`, anchored on the committee report: 164, 184 and 192 children on a plan, 533 looked
after, 40 about to turn 18). Random choices only dress those decisions in dates and codes, so
`intended_figures` can report them from the construction itself, while the tests recompute them
from the written files with the contract's definitions.

Everything is drawn from one seeded `random.Random`, in a fixed order, and written sorted: the same
seed gives byte-identical files, and writing again overwrites them with the same bytes.
"""

import calendar
import csv
import io
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from csc_warehouse import demo_audit

DEMO_LA_CODE = "309"
DEMO_WEEKS: tuple[date, ...] = tuple(date(2014, 1, 6) + timedelta(weeks=i) for i in range(6))

HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODE_COLUMNS = (
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
)
PLAN_COLUMNS = (
    "LAchildID",
    "PersonBirthDate",
    "Sex",
    "Ethnicity",
    "CPPstartDate",
    "CPPendDate",
    "InitialCategoryOfAbuse",
    "LatestCategoryOfAbuse",
    "NumberOfPreviousCPP",
)
DATE_FORMAT = "%d/%m/%Y"

ONE_DAY = timedelta(days=1)


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

# Age bands (youngest, oldest, weight), roughly the national shape of each population.
LAC_AGE_BANDS = ((0, 0, 5), (1, 4, 14), (5, 9, 20), (10, 15, 39), (16, 17, 22))
PLAN_AGE_BANDS = ((0, 0, 12), (1, 4, 28), (5, 9, 28), (10, 15, 27), (16, 17, 5))
POLICE_PROTECTION_AGE_BANDS = ((0, 4, 20), (5, 11, 30), (12, 17, 50))

ETHNIC_WEIGHTS = {
    "WBRI": 25,
    "WOTH": 14,
    "WIRI": 1,
    "WROM": 1,
    "BAFR": 14,
    "BCRB": 8,
    "BOTH": 6,
    "MWBC": 8,
    "MWBA": 3,
    "MOTH": 6,
    "AOTH": 3,
    "ABAN": 1,
    "OOTH": 5,
    "REFU": 1,
    "NOBT": 1,
}
CIN_WEIGHTS = {"N1": 55, "N2": 4, "N3": 4, "N4": 8, "N5": 10, "N6": 10, "N7": 2, "N8": 7}
ABUSE_WEIGHTS = {"NEG": 45, "EMO": 35, "PHY": 8, "SAB": 4, "MUL": 8}
LEAVING_REASON_WEIGHTS = {"E4A": 30, "E4B": 4, "E13": 10, "E41": 8, "E45": 6, "E46": 6, "E3": 3, "E8": 5}
AGED_18_REASONS = ("E5", "E6", "E8")  # 2013/14 had no E17; staying put was recorded as E8
PLACEMENT_CHANGE_REASONS = ("CARPL", "CHILD", "LAREQ", "PLACE", "ALLEG", "CREQO")

LOCAL_OUTWARD_CODES = ("N4", "N6", "N8", "N10", "N11", "N15", "N17", "N22")
DISTANT_OUTWARD_CODES = ("EN1", "EN3", "N9", "N18", "E17", "IG1", "RM8", "SG1", "LU1", "ME7", "CM20", "SS1")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # postcode inward letters never use C, I, K, M, O, V
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
NOT_OFSTED_REGISTERED = "XXXXXXX"


# --- records the scenario is made of -------------------------------------------------------------


@dataclass(frozen=True)
class _Child:
    child_id: str
    sex: str
    dob: date
    ethnic: str
    upn: str = ""
    home_post: str = ""
    mother: str = ""
    mc_dob: date | None = None


@dataclass(frozen=True)
class _Placement:
    place: str
    provider: str
    postcode: str
    urn: str


@dataclass(frozen=True)
class _Step:
    """A change in a child's care on a date: the start of an episode."""

    on: date
    rne: str
    legal_status: str
    placement: _Placement
    why_moved: str = ""  # REASON_PLACE_CHANGE, written on the episode this step brings to an end


@dataclass(frozen=True)
class _Episode:
    child_id: str
    decom: date
    rne: str
    legal_status: str
    cin: str
    placement: _Placement
    home_post: str
    dec: date | None
    rec: str
    reason_place_change: str


@dataclass(frozen=True)
class _Plan:
    child_id: str
    start: date
    end: date | None
    initial_category: str
    latest_category: str
    previous_plans: int


@dataclass(frozen=True)
class _Scenario:
    """Everything that happened (the truth), and the figures the scenario was built to give."""

    children: dict[str, _Child]
    episodes: tuple[_Episode, ...]
    plan_children: dict[str, _Child]
    plans: tuple[_Plan, ...]
    figures: dict[date, WeekFigures]


# --- public API ------------------------------------------------------------------------------------


def generate(
    landing_dir: Path, la_code: str = DEMO_LA_CODE, weeks: Sequence[date] = DEMO_WEEKS, seed: int = 309
) -> dict[date, WeekFigures]:
    """Write one delivery folder per week under `landing_dir/<la_code>/<YYYY-MM-DD>/`.

    Returns the figures each delivery was built to give. Files are overwritten, never appended to,
    so running twice leaves the same bytes.
    """
    scenario = _build_scenario(la_code, weeks, seed)
    for extract_date in scenario.figures:
        folder = Path(landing_dir) / la_code / extract_date.isoformat()
        _write_delivery(folder, scenario, extract_date)
    # The domestic abuse audit arrives with the first delivery after it was done.
    audit_week = next((week for week in scenario.figures if week >= demo_audit.AUDIT_DATE), None)
    if audit_week is not None:
        demo_audit.write_audit_return(Path(landing_dir) / la_code / audit_week.isoformat(), la_code)
    return scenario.figures


def intended_figures(
    la_code: str = DEMO_LA_CODE, weeks: Sequence[date] = DEMO_WEEKS, seed: int = 309
) -> dict[date, WeekFigures]:
    """The figures `generate` would return, without writing anything."""
    return _build_scenario(la_code, weeks, seed).figures


# --- dates -----------------------------------------------------------------------------------------


def _add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March, as the contract says."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def eighteenth_birthday(dob: date) -> date:
    """The contract's 18th birthday: 29 February births turn 18 on 1 March."""
    return _add_years(dob, 18)


def _end_of_month_after(day: date, months: int) -> date:
    """Last day of the calendar month `months` after `day`'s month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def turning_18_window_end(as_at: date) -> date:
    """care_leavers_turning_18 counts 18th birthdays up to the end of the 5th calendar month after as_at's."""
    return _end_of_month_after(as_at, 5)


def _age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def extract_window_start(extract_date: date) -> date:
    """A delivery reaches back to 1 April of the previous year (the contract's minimum)."""
    return date(extract_date.year - 1, 4, 1)


def _check_weeks(weeks: Sequence[date]) -> tuple[date, ...]:
    """Weeks must not overlap, or an event would count in two weeks and the plan would not hold."""
    weeks = tuple(weeks)
    if not weeks:
        raise ValueError("at least one week is needed")
    for earlier, later in zip(weeks, weeks[1:], strict=False):
        if (later - earlier).days < 7:
            raise ValueError(f"weeks must be at least 7 days apart: {earlier} then {later}")
    return weeks


# --- building the scenario -------------------------------------------------------------------------


def _build_scenario(la_code: str, weeks: Sequence[date], seed: int) -> _Scenario:
    builder = _ScenarioBuilder(la_code, _check_weeks(weeks), seed)
    builder.add_looked_after_children()
    builder.add_short_breaks()
    builder.add_history()
    builder.add_plans()
    return builder.scenario()


class _ScenarioBuilder:
    """Decides who is looked after / on a plan in each week, then invents records that say so.

    Every child is created by a method that knows the child's part in the story, and records the
    weeks on whose as_at the child is looked after (`looked_after_in`) or on a plan (`on_plan_in`)
    and what it adds to each week's starts and endings (`tally`). The figures come from those.
    """

    def __init__(self, la_code: str, weeks: tuple[date, ...], seed: int) -> None:
        self.rng = random.Random(seed)
        self.la_code = la_code
        self.weeks = weeks
        self.movements = [WEEKLY_MOVEMENTS[i % len(WEEKLY_MOVEMENTS)] for i in range(len(weeks))]
        # The last day before the first week: anything "historic" happens on or before it.
        self.cutoff = weeks[0] - timedelta(days=7)
        self.window_start = extract_window_start(weeks[0])
        # Children born on or after this day are 18 only after every turning-18 window closes, so
        # the only children counted there are the ones the scenario puts there.
        after_last_window = turning_18_window_end(weeks[-1]) + ONE_DAY
        self.dob_floor = date(after_last_window.year - 18, after_last_window.month, 1)
        self.children: dict[str, _Child] = {}
        self.plan_children: dict[str, _Child] = {}
        self.episodes: list[_Episode] = []
        self.plans: list[_Plan] = []
        self.looked_after_in: dict[str, range] = {}
        self.on_plan_in: dict[str, range] = {}
        self.tally = [Counter() for _ in weeks]
        self._ids: set[str] = set()
        self._upns: set[str] = set()
        self.homes = [self._new_childrens_home() for _ in range(16)]

    # random helpers ----------------------------------------------------------------------------

    def _weighted(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def _days_in_week(self, as_at: date, count: int) -> list[date]:
        """`count` dates in the week of as_at; the first two sit on its edges (as_at, as_at - 6)."""
        edges = [as_at, as_at - timedelta(days=6)]
        return (edges + [self._day_between(edges[1], as_at) for _ in range(count - 2)])[:count]

    def _dob(self, bands: tuple[tuple[int, int, int], ...], on: date) -> date:
        """A date of birth for an age drawn from `bands` on `on`, never before the DOB floor."""
        while True:
            youngest, oldest, _ = self.rng.choices(bands, weights=[band[2] for band in bands])[0]
            earliest = max(_add_years(on, -(oldest + 1)) + ONE_DAY, self.dob_floor)
            latest = min(_add_years(on, -youngest), on - ONE_DAY)
            if earliest <= latest:
                return self._day_between(earliest, latest)

    def _child_id(self) -> str:
        """Six-digit text ids, unique across looked-after children and children on plans."""
        while True:
            child_id = str(self.rng.randint(100000, 999999))
            if child_id not in self._ids:
                self._ids.add(child_id)
                return child_id

    def _postcode(self, outward_codes: tuple[str, ...]) -> str:
        inward = "".join(self.rng.choice(INWARD_LETTERS) for _ in range(2))
        return f"{self.rng.choice(outward_codes)} {self.rng.randint(0, 9)}{inward}"

    def _upn(self, dob: date) -> str:
        """A well-formed UPN: check letter, LA code, school number, year, serial. UN1 for toddlers."""
        if _age_on(dob, self.weeks[-1]) < 4:
            return "UN1"
        while True:
            school = self.rng.randint(2000, 5999)
            body = f"{self.la_code[-3:]:0>3}{school}{(dob.year + 5) % 100:02d}{self.rng.randint(0, 999):03d}"
            check = sum(int(digit) * weight for digit, weight in zip(body, range(2, 14), strict=True))
            upn = UPN_CHECK_LETTERS[check % 23] + body
            if upn not in self._upns:
                self._upns.add(upn)
                return upn

    def _new_childrens_home(self) -> tuple[str, str]:
        """An Ofsted-registered home (URN, postcode): several children can live in the same one."""
        urn = f"SC{self.rng.randint(0, 999999):06d}"
        return urn, self._postcode(DISTANT_OUTWARD_CODES + LOCAL_OUTWARD_CODES)

    # children and placements -------------------------------------------------------------------

    def _new_child(self, dob: date, short_breaks: bool = False) -> _Child:
        """A looked-after child. Girls get MOTHER 0; short-break children have no mother field or postcode."""
        sex = self.rng.choice("12")
        child = _Child(
            child_id=self._child_id(),
            sex=sex,
            dob=dob,
            ethnic=self._weighted(ETHNIC_WEIGHTS),
            upn=self._upn(dob),
            home_post="" if short_breaks else self._postcode(LOCAL_OUTWARD_CODES),
            mother="0" if sex == "2" and not short_breaks else "",
        )
        self.children[child.child_id] = child
        return child

    def _placement(self, child: _Child, on: date, legal_status: str) -> _Placement:
        """A placement that fits the child's age and legal status on `on`."""
        age = _age_on(child.dob, on)
        if legal_status == "L1":
            place = self.rng.choice(("U4", "U5", "U6"))
        elif age >= 16:
            place = self._weighted({"H5": 30, "U4": 15, "U5": 15, "U6": 15, "K2": 20, "U1": 5})
        elif age >= 12:
            place = self._weighted({"U4": 20, "U5": 20, "U6": 20, "K2": 22, "U1": 8, "U3": 7, "P1": 3})
        else:
            place = self._weighted({"U4": 25, "U5": 22, "U6": 23, "U1": 12, "U3": 13, "P1": 5})
        if place == "P1" and legal_status not in ("C1", "C2"):
            place = "U4"  # placement with parents needs a care order
        return self._placement_at(child, place)

    def _placement_at(self, child: _Child, place: str) -> _Placement:
        """Provider, postcode and URN for a type of placement; homes reuse their URN and postcode."""
        if place == "P1":
            return _Placement(place, "PR0", child.home_post, NOT_OFSTED_REGISTERED)
        if place in ("K2", "R1"):
            urn, postcode = self.rng.choice(self.homes)
            return _Placement(place, self._weighted({"PR4": 70, "PR1": 20, "PR5": 10}), postcode, urn)
        if place in ("U1", "U2", "U3"):
            provider = "PR1"
        elif place in ("A5", "A6"):
            provider = self._weighted({"PR1": 60, "PR2": 15, "PR5": 25})
        elif place == "H5":
            provider = self._weighted({"PR4": 70, "PR5": 30})
        else:
            provider = self._weighted({"PR1": 60, "PR4": 40})
        while True:
            local = provider == "PR1" and self.rng.random() < 0.7
            postcode = self._postcode(LOCAL_OUTWARD_CODES if local else DISTANT_OUTWARD_CODES)
            if postcode != child.home_post:  # the same postcode is for placements with parents only
                return _Placement(place, provider, postcode, NOT_OFSTED_REGISTERED)

    def _care_start(self, child: _Child, latest: date, min_age: int = 0) -> date:
        """When a long-running period of care began: on or before `latest`, recent starts likelier.

        The child must be born by `latest`; `min_age` keeps teenagers' periods from starting at birth.
        """
        earliest = max(_add_years(child.dob, min_age), child.dob, latest - timedelta(days=8 * 365))
        span = (latest - earliest).days
        return latest - timedelta(days=round(self.rng.triangular(0, span, min(300, span))))

    # periods of care ---------------------------------------------------------------------------

    def _history(self, child: _Child, start: date, until: date, legal_status: str) -> list[_Step]:
        """How a period that began on `start` unfolded up to `until`: maybe a full care order, some moves."""
        events: dict[date, str] = {}
        if legal_status == "C1" and (until - start).days > 150:
            events[start + timedelta(days=self.rng.randint(90, 150))] = "L"
        if (until - start).days > 30:
            for _ in range(self.rng.choice((0, 0, 1, 1, 2))):
                events.setdefault(self._day_between(start + ONE_DAY, until), "P")
        steps = [_Step(start, "S", legal_status, self._placement(child, start, legal_status))]
        for on in sorted(events):
            if events[on] == "L":
                steps.append(self._status_change(steps[-1], on))
            else:
                steps.append(self._move(child, steps[-1], on))
        return steps

    def _move(self, child: _Child, current: _Step, on: date) -> _Step:
        """A change of placement and carer (RNE P), same legal status."""
        while True:
            placement = self._placement(child, on, current.legal_status)
            if placement != current.placement:
                why = self.rng.choice(PLACEMENT_CHANGE_REASONS)
                return _Step(on, "P", current.legal_status, placement, why)

    def _status_change(self, current: _Step, on: date, legal_status: str = "C2") -> _Step:
        """A change of legal status only (RNE L): same placement, so no reason for a placement change."""
        return _Step(on, "L", legal_status, current.placement)

    def _add_period(self, child: _Child, steps: list[_Step], end: date | None, rec: str, cin: str = "") -> None:
        """Turn a period's steps into episodes: each runs until the next step (X1), the last until `end`."""
        cin = cin or self._weighted(CIN_WEIGHTS)
        for step, following in zip(steps, [*steps[1:], None], strict=True):
            self.episodes.append(
                _Episode(
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

    def _stays_until_18(self, child: _Child, steps: list[_Step]) -> None:
        """Still looked after after the last week: the period ends on the 18th birthday, unseen here."""
        self._add_period(child, steps, eighteenth_birthday(child.dob), self.rng.choice(AGED_18_REASONS))

    # looked-after children ---------------------------------------------------------------------

    def add_looked_after_children(self) -> None:
        """Anchor: LOOKED_AFTER_ON_LAST_WEEK on the last as_at = children in care throughout + starters."""
        weeks = range(len(self.weeks))
        throughout = LOOKED_AFTER_ON_LAST_WEEK - sum(m.care_starts for m in self.movements)
        movers = sum(m.placement_moves + m.status_changes for m in self.movements)
        if throughout < TURNING_18_ON_LAST_WEEK + movers:
            raise ValueError(f"{len(self.weeks)} weeks are more than the demo scenario can fill")
        self.add_turning_18_soon()
        for week in weeks:
            as_at, moves = self.weeks[week], self.movements[week]
            for on in self._days_in_week(as_at, moves.placement_moves):
                self.add_child_in_care_throughout(move_on=on)
            for on in self._days_in_week(as_at, moves.status_changes):
                self.add_child_in_care_throughout(full_care_order_on=on)
        for _ in range(throughout - TURNING_18_ON_LAST_WEEK - movers):
            self.add_child_in_care_throughout()
        for week in weeks:
            as_at, moves = self.weeks[week], self.movements[week]
            for on in self._days_in_week(as_at, moves.care_starts):
                self.add_care_start(week, on)
            for number, on in enumerate(self._days_in_week(as_at, moves.care_leavers)):
                self.add_care_leaver(week, on, turning_18=number == 0)
            for _ in range(moves.brief_returns):
                self.add_brief_return(week)
        self.add_police_protection_chain(min(L1_CHAIN_WEEK, len(self.weeks) - 1))

    def _in_care(self, child: _Child, weeks: range) -> None:
        self.looked_after_in[child.child_id] = weeks

    def add_turning_18_soon(self) -> None:
        """TURNING_18_ON_LAST_WEEK children whose 18th birthday falls within 4 months of the last as_at.

        Four, not five: the committee report counted to 30 June from 10 February, while the contract's
        rule (end of the fifth calendar month after as_at's month) reaches 31 July. Nobody else looked
        after turns 18 by then (the DOB floor), so both readings give the same count. One is born on a
        29 February where the range has one (they turn 18 on 1 March); another is a young mother.
        """
        last = self.weeks[-1]
        first_dob = _add_years(last, -18) + ONE_DAY
        last_dob = _add_years(_end_of_month_after(last, 4), -18)
        leap_days = [date(y, 2, 29) for y in range(first_dob.year, last_dob.year + 1) if calendar.isleap(y)]
        dobs = [day for day in leap_days if first_dob <= day <= last_dob][:1]
        dobs += [self._day_between(first_dob, last_dob) for _ in range(TURNING_18_ON_LAST_WEEK - len(dobs))]
        mother_found = False
        for number, dob in enumerate(dobs):
            child = self._new_child(dob)
            if number > 0 and child.sex == "2" and not mother_found:
                first = self.weeks[0]
                born = self._day_between(first - timedelta(days=330), first - timedelta(days=30))
                child = replace(child, mother="1", mc_dob=born)
                self.children[child.child_id] = child
                mother_found = True
            start = self._care_start(child, self.cutoff, min_age=10)
            legal_status = self._weighted({"C1": 60, "V2": 40})
            self._stays_until_18(child, self._history(child, start, self.cutoff, legal_status))
            self._in_care(child, range(len(self.weeks)))

    def add_child_in_care_throughout(self, move_on: date | None = None, full_care_order_on: date | None = None) -> None:
        """Looked after before the first week and after the last; maybe a move or a new order in a week."""
        child = self._new_child(self._dob(LAC_AGE_BANDS, on=self.cutoff))
        if full_care_order_on:
            # An interim care order recent enough not to have become a full one yet.
            start = self.cutoff - timedelta(days=self.rng.randint(30, 140))
            start = max(start, child.dob)
            steps = [_Step(start, "S", "C1", self._placement(child, start, "C1"))]
            steps.append(self._status_change(steps[-1], full_care_order_on))
        else:
            start = self._care_start(child, self.cutoff)
            steps = self._history(child, start, self.cutoff, self._weighted({"C1": 65, "V2": 35}))
        if move_on:
            steps.append(self._move(child, steps[-1], move_on))
        self._stays_until_18(child, steps)
        self._in_care(child, range(len(self.weeks)))

    def add_care_start(self, week: int, on: date) -> None:
        """A child who starts to be looked after in the week and stays; some via 1-3 days of L1."""
        child = self._new_child(self._dob(LAC_AGE_BANDS, on=on))
        route = self._weighted({"V2": 55, "C1": 30, "L1": 15})
        if route == "L1":
            steps = [_Step(on, "S", "L1", self._placement(child, on, "L1"))]
            order_on = on + timedelta(days=self.rng.randint(1, 3))
            steps.append(self._status_change(steps[0], order_on, self.rng.choice(("C1", "V2"))))
        else:
            steps = [_Step(on, "S", route, self._placement(child, on, route))]
        self._stays_until_18(child, steps)
        self._in_care(child, range(week, len(self.weeks)))
        self.tally[week]["lac_starts"] += 1

    def add_care_leaver(self, week: int, on: date, turning_18: bool) -> None:
        """A child in care at the previous as_at who leaves in the week: on turning 18, adopted, or else."""
        if on.month == 2 and on.day == 29:
            on -= ONE_DAY  # a birthday that comes round every year
        if turning_18:
            child = self._new_child(_add_years(on, -18))
            start = self._care_start(child, self.cutoff, min_age=8)
            steps = self._history(child, start, self.cutoff, self._weighted({"C1": 60, "V2": 40}))
            rec = self.rng.choice(AGED_18_REASONS)
        elif week % 2 == 1 and self.rng.random() < 0.5:
            child, steps, rec = self._adoption(on)
        else:
            long_enough = self.cutoff - timedelta(days=30)
            child = self._new_child(self._dob(LAC_AGE_BANDS, on=long_enough))
            start = self._care_start(child, long_enough)
            steps = self._history(child, start, self.cutoff, self._weighted({"C1": 60, "V2": 40}))
            rec = self._weighted(LEAVING_REASON_WEIGHTS)
        self._add_period(child, steps, on, rec)
        self._in_care(child, range(0, week))
        self.tally[week]["lac_ceased"] += 1

    def _adoption(self, adopted_on: date) -> tuple[_Child, list[_Step], str]:
        """A young child's road to adoption, worked back from the adoption order: C1, E1, placed, E11."""
        placed_on = adopted_on - timedelta(days=self.rng.randint(70, 200))
        order_on = placed_on - timedelta(days=self.rng.randint(30, 120))
        start = order_on - timedelta(days=self.rng.randint(150, 400))
        child = self._new_child(start - timedelta(days=self.rng.randint(1, 400)))
        steps = [_Step(start, "S", "C1", self._placement_at(child, self.rng.choice(("U4", "U5", "U6"))))]
        steps.append(self._status_change(steps[-1], order_on, "E1"))
        adopters = self._placement_at(child, self.rng.choice(("A5", "A6")))
        steps.append(_Step(placed_on, "P", "E1", adopters, "CARPL"))
        return child, steps, "E11"

    def _police_protection(self, decom: date) -> tuple[_Child, _Step]:
        child = self._new_child(self._dob(POLICE_PROTECTION_AGE_BANDS, on=decom))
        return child, _Step(decom, "S", "L1", self._placement(child, decom, "L1"))

    def add_brief_return(self, week: int) -> None:
        """A brief return home in the week: a start, a ceasing and a period of 3 days.

        It starts on as_at - 6 .. as_at - 3, so it begins and ends inside the week and is never open
        on an as_at.
        """
        self._add_three_days_then_home(self.weeks[week] - timedelta(days=self.rng.randint(3, 6)))
        self.tally[week].update(("lac_starts", "lac_ceased", "brief_returned_home"))

    def _add_three_days_then_home(self, decom: date) -> None:
        """72 hours of police protection (L1), then home (E4A/E4B): 3 days, so not over 72 hours."""
        child, step = self._police_protection(decom)
        self._add_period(child, [step], decom + timedelta(days=3), self.rng.choice(("E4A", "E4B")), cin="N1")

    def add_police_protection_chain(self, week: int) -> None:
        """Two L1 episodes of 2 days each (X1, then RNE L): a 4-day chain, over 72 hours, so not brief."""
        decom = self.weeks[week] - timedelta(days=6)
        child, first = self._police_protection(decom)
        second = _Step(decom + timedelta(days=2), "L", "L1", first.placement)
        self._add_period(child, [first, second], decom + timedelta(days=4), "E4B", cin="N1")
        self.tally[week].update(("lac_starts", "lac_ceased"))

    # short breaks and history ------------------------------------------------------------------

    def add_short_breaks(self) -> None:
        """Short breaks (V3/V4), which every looked-after figure must leave out.

        One child has a V4 agreement open across every week. V3 children have 3-night breaks
        from Saturday to Tuesday, one of them over each as_at: started in one week, ended
        (E4A, 3 days) in the next, so counting them would move every figure.
        """
        agreement = self._new_child(self._dob(((5, 15, 1),), on=self.cutoff), short_breaks=True)
        agreed_on = self.cutoff - timedelta(days=self.rng.randint(60, 150))
        agreed_until = self.weeks[-1] + timedelta(days=200)
        self._add_period(agreement, [self._short_break(agreed_on, "V4")], agreed_until, "E13", cin="N4")
        v3_children = [
            self._new_child(self._dob(((5, 15, 1),), on=self.cutoff), short_breaks=True) for _ in range(V3_CHILDREN)
        ]
        for number, child in enumerate(v3_children):  # two earlier breaks each, in the autumn
            for weeks_before in (9 + 3 * number, 5 + 3 * number):
                self._add_v3_break(child, self.weeks[0] - timedelta(weeks=weeks_before))
        for week, as_at in enumerate(self.weeks):
            self._add_v3_break(v3_children[week % V3_CHILDREN], as_at)

    def _short_break(self, on: date, legal_status: str) -> _Step:
        """A stay at the borough's short-break home; no postcodes, as DfE rule 398 asks for V3/V4."""
        urn, _ = self.homes[0]
        return _Step(on, "S", legal_status, _Placement("K2", "PR1", "", urn))

    def _add_v3_break(self, child: _Child, monday: date) -> None:
        saturday = monday - timedelta(days=2)
        self._add_period(child, [self._short_break(saturday, "V3")], monday + ONE_DAY, "E4A", cin="N4")

    def add_history(self) -> None:
        """Periods that ended after 1 April and before the first week: in every snapshot, in no week."""
        for _ in range(HISTORIC_CARE_LEAVERS):
            ended_on = self._day_between(self.window_start, self.cutoff)
            long_enough = ended_on - timedelta(days=30)
            child = self._new_child(self._dob(LAC_AGE_BANDS, on=long_enough))
            start = self._care_start(child, long_enough)
            steps = self._history(child, start, ended_on - ONE_DAY, self._weighted({"C1": 60, "V2": 40}))
            self._add_period(child, steps, ended_on, self._weighted(LEAVING_REASON_WEIGHTS))
        for _ in range(HISTORIC_BRIEF_RETURNS):
            decom = self._day_between(self.window_start, self.cutoff - timedelta(days=3))
            self._add_three_days_then_home(decom)

    # child protection plans --------------------------------------------------------------------

    def add_plans(self) -> None:
        """Anchor: ON_PLAN_ON_LAST_WEEK on the last as_at = plans running throughout + plans started."""
        weeks = range(len(self.weeks))
        throughout = ON_PLAN_ON_LAST_WEEK - sum(m.plan_starts for m in self.movements)
        if throughout < 0:
            raise ValueError(f"{len(self.weeks)} weeks are more than the demo scenario can fill")
        for _ in range(throughout):
            start = self.cutoff - timedelta(days=round(self.rng.triangular(0, 900, 90)))
            self._add_plan(start, None, on_plan_in=weeks)
        for week in weeks:
            as_at, moves = self.weeks[week], self.movements[week]
            for end in self._days_in_week(as_at, moves.plan_ends):
                start = end - timedelta(days=self.rng.randint(90, 700))
                self._add_plan(start, end, on_plan_in=range(0, week))
                self.tally[week]["plan_ends"] += 1
            for start in self._days_in_week(as_at, moves.plan_starts):
                repeat = self.rng.random() < REPEAT_PLAN_SHARE
                self._add_plan(start, None, on_plan_in=range(week, len(self.weeks)), repeat=repeat)
                self.tally[week]["plan_starts"] += 1
        for _ in range(HISTORIC_PLANS):
            end = self._day_between(self.window_start, self.cutoff)
            self._add_plan(end - timedelta(days=self.rng.randint(60, 600)), end, on_plan_in=range(0))

    def _add_plan(self, start: date, end: date | None, on_plan_in: range, repeat: bool = False) -> None:
        """A child on a plan; a repeat plan also gets the earlier plan, ended before the first week."""
        dob = self._dob(PLAN_AGE_BANDS, on=start - timedelta(days=200) if repeat else start)
        child = _Child(self._child_id(), self.rng.choice("12"), dob, self._weighted(ETHNIC_WEIGHTS))
        self.plan_children[child.child_id] = child
        previous = self.rng.choices((0, 1, 2), weights=(85, 12, 3))[0]
        if repeat:
            earlier_end = self._day_between(max(self.window_start, dob + timedelta(days=150)), self.cutoff)
            earlier_start = max(dob, earlier_end - timedelta(days=self.rng.randint(120, 400)))
            self.plans.append(self._plan(child, earlier_start, earlier_end, previous))
            previous += 1
        self.plans.append(self._plan(child, start, end, previous))
        self.on_plan_in[child.child_id] = on_plan_in

    def _plan(self, child: _Child, start: date, end: date | None, previous: int) -> _Plan:
        initial = self._weighted(ABUSE_WEIGHTS)
        latest = initial if self.rng.random() < 0.85 else self._weighted(ABUSE_WEIGHTS)
        return _Plan(child.child_id, start, end, initial, latest, previous)

    # the figures -------------------------------------------------------------------------------

    def scenario(self) -> _Scenario:
        figures = {}
        for week, as_at in enumerate(self.weeks):
            looked_after = [child_id for child_id, weeks in self.looked_after_in.items() if week in weeks]
            window_end = turning_18_window_end(as_at)
            birthdays = [eighteenth_birthday(self.children[child_id].dob) for child_id in looked_after]
            figures[as_at] = WeekFigures(
                as_at=as_at,
                children_looked_after=len(looked_after),
                lac_starts=self.tally[week]["lac_starts"],
                lac_ceased=self.tally[week]["lac_ceased"],
                children_on_plan=sum(week in weeks for weeks in self.on_plan_in.values()),
                brief_returned_home=self.tally[week]["brief_returned_home"],
                plan_starts=self.tally[week]["plan_starts"],
                plan_ends=self.tally[week]["plan_ends"],
                turning_18=sum(as_at < birthday <= window_end for birthday in birthdays),
            )
        return _Scenario(self.children, tuple(self.episodes), self.plan_children, tuple(self.plans), figures)


# --- writing deliveries ----------------------------------------------------------------------------


def _format(day: date | None) -> str:
    return day.strftime(DATE_FORMAT) if day else ""


def _episode_rows(scenario: _Scenario, extract_date: date) -> list[list[str]]:
    """Episodes as the extract shows them: begun by the extract date, not ended before 1 April.

    An episode that ends after the extract date had not ended when the extract was taken, so it is
    shown open (no DEC, REC or reason for a placement change): the next delivery shows the ending.
    """
    window_start = extract_window_start(extract_date)
    rows = []
    for episode in sorted(scenario.episodes, key=lambda e: (e.child_id, e.decom)):
        if episode.decom > extract_date or (episode.dec and episode.dec < window_start):
            continue
        ended = episode.dec is not None and episode.dec <= extract_date
        placement = episode.placement
        rows.append(
            [
                episode.child_id,
                _format(episode.decom),
                episode.rne,
                episode.legal_status,
                episode.cin,
                placement.place,
                placement.provider,
                _format(episode.dec) if ended else "",
                episode.rec if ended else "",
                episode.reason_place_change if ended else "",
                episode.home_post,
                placement.postcode,
                placement.urn,
            ]
        )
    return rows


def _header_rows(scenario: _Scenario, child_ids: set[str]) -> list[list[str]]:
    """One Header row for each child with an episode in the delivery, and no one else."""
    rows = []
    for child_id in sorted(child_ids):
        child = scenario.children[child_id]
        rows.append(
            [child_id, child.sex, _format(child.dob), child.ethnic, child.upn, child.mother, _format(child.mc_dob)]
        )
    return rows


def _plan_rows(scenario: _Scenario, extract_date: date) -> list[list[str]]:
    """Plans as the extract shows them; a plan ending after the extract date is still open in it."""
    window_start = extract_window_start(extract_date)
    rows = []
    for plan in sorted(scenario.plans, key=lambda p: (p.child_id, p.start)):
        if plan.start > extract_date or (plan.end and plan.end < window_start):
            continue
        child = scenario.plan_children[plan.child_id]
        ended = plan.end is not None and plan.end <= extract_date
        rows.append(
            [
                child.child_id,
                _format(child.dob),
                child.sex,
                child.ethnic,
                _format(plan.start),
                _format(plan.end) if ended else "",
                plan.initial_category,
                plan.latest_category,
                str(plan.previous_plans),
            ]
        )
    return rows


def _write_csv(path: Path, columns: Sequence[str], rows: list[list[str]]) -> None:
    """UTF-8 without a byte-order mark, \\n line ends: the same rows always give the same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def _write_delivery(folder: Path, scenario: _Scenario, extract_date: date) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    episodes = _episode_rows(scenario, extract_date)
    _write_csv(folder / "header.csv", HEADER_COLUMNS, _header_rows(scenario, {row[0] for row in episodes}))
    _write_csv(folder / "episodes.csv", EPISODE_COLUMNS, episodes)
    _write_csv(folder / "cp_plans.csv", PLAN_COLUMNS, _plan_rows(scenario, extract_date))
