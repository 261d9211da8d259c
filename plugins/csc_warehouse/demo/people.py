"""The demo's children: ids, dates of birth, ethnicity, UPNs and home postcodes."""

from dataclasses import dataclass, replace
from datetime import date

from csc_warehouse.demo.dates import ONE_DAY, add_years, age_on
from csc_warehouse.demo.dice import Dice
from csc_warehouse.demo.story import Timeline

AgeBands = tuple[tuple[int, int, int], ...]

# Age bands (youngest, oldest, weight), roughly the national shape of each population.
LAC_AGE_BANDS: AgeBands = ((0, 0, 5), (1, 4, 14), (5, 9, 20), (10, 15, 39), (16, 17, 22))
PLAN_AGE_BANDS: AgeBands = ((0, 0, 12), (1, 4, 28), (5, 9, 28), (10, 15, 27), (16, 17, 5))
POLICE_PROTECTION_AGE_BANDS: AgeBands = ((0, 4, 20), (5, 11, 30), (12, 17, 50))
SCHOOL_AGE_BANDS: AgeBands = ((5, 15, 1),)

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

LOCAL_OUTWARD_CODES = ("N4", "N6", "N8", "N10", "N11", "N15", "N17", "N22")
DISTANT_OUTWARD_CODES = ("EN1", "EN3", "N9", "N18", "E17", "IG1", "RM8", "SG1", "LU1", "ME7", "CM20", "SS1")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # postcode inward letters never use C, I, K, M, O, V
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass(frozen=True)
class Child:
    child_id: str
    sex: str
    dob: date
    ethnic: str
    upn: str = ""
    home_post: str = ""
    mother: str = ""
    mc_dob: date | None = None


class People:
    """Every child of the scenario, looked after (`children`) or on a plan (`plan_children`).

    Ids are unique across both groups, and UPNs across the looked-after children.
    """

    def __init__(self, dice: Dice, la_code: str, timeline: Timeline) -> None:
        self.dice = dice
        self.la_code = la_code
        self.timeline = timeline
        self.children: dict[str, Child] = {}
        self.plan_children: dict[str, Child] = {}
        self._ids: set[str] = set()
        self._upns: set[str] = set()

    def dob(self, bands: AgeBands, on: date) -> date:
        """A date of birth for an age drawn from `bands` on `on`, never before the DOB floor."""
        while True:
            youngest, oldest, _ = self.dice.choices(bands, weights=[band[2] for band in bands])[0]
            earliest = max(add_years(on, -(oldest + 1)) + ONE_DAY, self.timeline.dob_floor)
            latest = min(add_years(on, -youngest), on - ONE_DAY)
            if earliest <= latest:
                return self.dice.day_between(earliest, latest)

    def postcode(self, outward_codes: tuple[str, ...]) -> str:
        inward = "".join(self.dice.choice(INWARD_LETTERS) for _ in range(2))
        return f"{self.dice.choice(outward_codes)} {self.dice.randint(0, 9)}{inward}"

    def looked_after_child(self, dob: date, short_breaks: bool = False) -> Child:
        """A looked-after child. Girls get MOTHER 0; short-break children have no mother field or postcode."""
        sex = self.dice.choice("12")
        child = Child(
            child_id=self._child_id(),
            sex=sex,
            dob=dob,
            ethnic=self.dice.weighted(ETHNIC_WEIGHTS),
            upn=self._upn(dob),
            home_post="" if short_breaks else self.postcode(LOCAL_OUTWARD_CODES),
            mother="0" if sex == "2" and not short_breaks else "",
        )
        self.children[child.child_id] = child
        return child

    def young_mother(self, child: Child, baby_born: date) -> Child:
        """The same looked-after child, now recorded as a mother (MOTHER 1 and her child's birth date)."""
        mother = replace(child, mother="1", mc_dob=baby_born)
        self.children[child.child_id] = mother
        return mother

    def plan_child(self, dob: date) -> Child:
        """A child on a child protection plan (the plans extract has no UPN, postcode or mother columns)."""
        child = Child(self._child_id(), self.dice.choice("12"), dob, self.dice.weighted(ETHNIC_WEIGHTS))
        self.plan_children[child.child_id] = child
        return child

    def _child_id(self) -> str:
        """Six-digit text ids, unique across looked-after children and children on plans."""
        while True:
            child_id = str(self.dice.randint(100000, 999999))
            if child_id not in self._ids:
                self._ids.add(child_id)
                return child_id

    def _upn(self, dob: date) -> str:
        """A well-formed UPN: check letter, LA code, school number, year, serial. UN1 for toddlers."""
        if age_on(dob, self.timeline.weeks[-1]) < 4:
            return "UN1"
        while True:
            school = self.dice.randint(2000, 5999)
            body = f"{self.la_code[-3:]:0>3}{school}{(dob.year + 5) % 100:02d}{self.dice.randint(0, 999):03d}"
            check = sum(int(digit) * weight for digit, weight in zip(body, range(2, 14), strict=True))
            upn = UPN_CHECK_LETTERS[check % 23] + body
            if upn not in self._upns:
                self._upns.add(upn)
                return upn
