"""Where looked-after children live: placement types, providers, postcodes and children's homes."""

from dataclasses import dataclass
from datetime import date

from csc_warehouse.demo.dates import age_on
from csc_warehouse.demo.dice import Dice
from csc_warehouse.demo.people import DISTANT_OUTWARD_CODES, LOCAL_OUTWARD_CODES, Child, People

NOT_OFSTED_REGISTERED = "XXXXXXX"
CHILDRENS_HOMES = 16


@dataclass(frozen=True)
class Placement:
    place: str
    provider: str
    postcode: str
    urn: str


class Placements:
    """Placements that fit a child's age and legal status; children's homes are shared by several children."""

    def __init__(self, dice: Dice, people: People) -> None:
        self.dice = dice
        self.people = people
        # (URN, postcode) of each Ofsted-registered home; the first is also the short-break home.
        self.homes = [self._new_childrens_home() for _ in range(CHILDRENS_HOMES)]

    def placement(self, child: Child, on: date, legal_status: str) -> Placement:
        """A placement that fits the child's age and legal status on `on`."""
        age = age_on(child.dob, on)
        if legal_status == "L1":
            place = self.dice.choice(("U4", "U5", "U6"))
        elif age >= 16:
            place = self.dice.weighted({"H5": 30, "U4": 15, "U5": 15, "U6": 15, "K2": 20, "U1": 5})
        elif age >= 12:
            place = self.dice.weighted({"U4": 20, "U5": 20, "U6": 20, "K2": 22, "U1": 8, "U3": 7, "P1": 3})
        else:
            place = self.dice.weighted({"U4": 25, "U5": 22, "U6": 23, "U1": 12, "U3": 13, "P1": 5})
        if place == "P1" and legal_status not in ("C1", "C2"):
            place = "U4"  # placement with parents needs a care order
        return self.placement_at(child, place)

    def placement_at(self, child: Child, place: str) -> Placement:
        """Provider, postcode and URN for a type of placement; homes reuse their URN and postcode."""
        if place == "P1":
            return Placement(place, "PR0", child.home_post, NOT_OFSTED_REGISTERED)
        if place in ("K2", "R1"):
            urn, postcode = self.dice.choice(self.homes)
            return Placement(place, self.dice.weighted({"PR4": 70, "PR1": 20, "PR5": 10}), postcode, urn)
        if place in ("U1", "U2", "U3"):
            provider = "PR1"
        elif place in ("A5", "A6"):
            provider = self.dice.weighted({"PR1": 60, "PR2": 15, "PR5": 25})
        elif place == "H5":
            provider = self.dice.weighted({"PR4": 70, "PR5": 30})
        else:
            provider = self.dice.weighted({"PR1": 60, "PR4": 40})
        while True:
            local = provider == "PR1" and self.dice.random() < 0.7
            postcode = self.people.postcode(LOCAL_OUTWARD_CODES if local else DISTANT_OUTWARD_CODES)
            if postcode != child.home_post:  # the same postcode is for placements with parents only
                return Placement(place, provider, postcode, NOT_OFSTED_REGISTERED)

    def short_break_home(self) -> Placement:
        """The borough's short-break home; no postcodes, as DfE rule 398 asks for V3/V4."""
        urn, _ = self.homes[0]
        return Placement("K2", "PR1", "", urn)

    def _new_childrens_home(self) -> tuple[str, str]:
        """An Ofsted-registered home (URN, postcode): several children can live in the same one."""
        urn = f"SC{self.dice.randint(0, 999999):06d}"
        return urn, self.people.postcode(DISTANT_OUTWARD_CODES + LOCAL_OUTWARD_CODES)
