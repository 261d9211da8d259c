"""What each element of a CIN census <Child> becomes: rows of the five CIN tables (contracts 1.2, 1.4).

A <Child> has <ChildIdentifiers> (LAchildID, PersonBirthDate, Sex, or GenderCurrent before 2025),
<ChildCharacteristics> (Ethnicity) and one or more <CINdetails>, one per referral. Inside a
<CINdetails>, besides the referral's own values, sit any number of <Assessments>, <CINPlanDates>,
<Section47> and <ChildProtectionPlans>. Each of those elements is a row of its table, carrying the
child's LAchildID and its referral's CINreferralDate (which, with its own start date, identifies
it); a CP plan carries the child's identifiers instead, as the CP plans table always has.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from csc_warehouse import tables
from csc_warehouse.tables import TableSpec

REFERRAL = "CINdetails"
FACTORS, FACTOR = "FactorsIdentifiedAtAssessment", "AssessmentFactors"
# The census element each column about the child is read from; Sex was GenderCurrent until 2024/25.
IDENTIFIERS = {"LACHILDID": ("LAchildID",), "PERSONBIRTHDATE": ("PersonBirthDate",), "SEX": ("Sex", "GenderCurrent")}
CHARACTERISTICS = {"ETHNICITY": ("Ethnicity",)}
READ_IN_CHILD = {"ChildIdentifiers", "ChildCharacteristics", REFERRAL}


@dataclass(frozen=True, eq=False)  # compared and hashed as itself: one per element
class CensusElement:
    """One census element that is one row of a table, and the element each of its columns comes from."""

    table: TableSpec
    element: str  # the element holding one row, e.g. Section47
    columns: dict[str, str]  # canonical column -> the child element holding its value

    @property
    def row_label(self) -> str:
        """What a finding's row number counts: the element, in the <Child> at that position in the file."""
        return f"<{self.element}> in Child element"


REFERRALS = CensusElement(
    tables.CIN_REFERRALS,
    REFERRAL,
    {
        "CINREFERRALDATE": "CINreferralDate",
        "REFERRALSOURCE": "ReferralSource",
        "PRIMARYNEEDCODE": "PrimaryNeedCode",
        "CINCLOSUREDATE": "CINclosureDate",
        "REASONFORCLOSURE": "ReasonForClosure",
        "REFERRALNFA": "ReferralNFA",
    },
)
ASSESSMENTS = CensusElement(
    tables.CIN_ASSESSMENTS,
    "Assessments",
    {
        "ASSESSMENTACTUALSTARTDATE": "AssessmentActualStartDate",
        "ASSESSMENTINTERNALREVIEWDATE": "AssessmentInternalReviewDate",
        "ASSESSMENTAUTHORISATIONDATE": "AssessmentAuthorisationDate",
    },
)
CIN_PLANS = CensusElement(
    tables.CIN_PLANS, "CINPlanDates", {"CINPLANSTARTDATE": "CINPlanStartDate", "CINPLANENDDATE": "CINPlanEndDate"}
)
SECTION47 = CensusElement(
    tables.CIN_SECTION47,
    "Section47",
    {
        "S47ACTUALSTARTDATE": "S47ActualStartDate",
        "INITIALCPCTARGET": "InitialCPCtarget",
        "DATEOFINITIALCPC": "DateOfInitialCPC",
        "ICPCNOTREQUIRED": "ICPCnotRequired",
    },
)
CP_PLANS = CensusElement(
    tables.CIN_CP_PLANS,
    "ChildProtectionPlans",
    {
        "CPPSTARTDATE": "CPPstartDate",
        "CPPENDDATE": "CPPendDate",
        "INITIALCATEGORYOFABUSE": "InitialCategoryOfAbuse",
        "LATESTCATEGORYOFABUSE": "LatestCategoryOfAbuse",
        "NUMBEROFPREVIOUSCPP": "NumberOfPreviousCPP",
    },
)
ELEMENTS = (CP_PLANS, REFERRALS, ASSESSMENTS, CIN_PLANS, SECTION47)
# The elements inside a <CINdetails> that are rows of their own.
BY_ELEMENT = {e.element: e for e in ELEMENTS if e is not REFERRALS}
# What a <CINdetails> holds that is read: the referral's values and the elements that are rows.
READ_IN_REFERRAL = set(REFERRALS.columns.values()) | set(BY_ELEMENT)


def name(element) -> str:
    """The element's name without its namespace ("" for a comment); lxml's QName costs ten times more."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def text(element) -> str | None:
    value = (element.text or "").strip() if element is not None else ""
    return value or None


def elements(parent, *names: str) -> Iterator:
    """The child elements of `parent` (no comments), only those with one of the names when names are given."""
    if parent is None:
        return iter(())
    return (e for e in parent if name(e) and (not names or name(e) in names))


def leaves(parent) -> dict[str, str | None]:
    """The text of each child element of `parent` by name (the first, when a name repeats)."""
    found: dict[str, str | None] = {}
    for element in elements(parent):
        found.setdefault(name(element), text(element))
    return found


def _first(found: dict[str, str | None], names: tuple[str, ...]) -> str | None:
    """The value of the first of the names that is there, in the order the names are given."""
    return next((found[n] for n in names if n in found), None)


def _values(element, census_element: CensusElement) -> dict[str, str | None]:
    found = leaves(element)
    values = {column: found.get(child) for column, child in census_element.columns.items()}
    if census_element is ASSESSMENTS:
        factors = [text(f) for group in elements(element, FACTORS) for f in elements(group, FACTOR)]
        values["ASSESSMENTFACTORS"] = ",".join(f for f in factors if f) or None
    return values


def _about_child(child) -> dict[str, str | None]:
    """What the CP plans rows carry of their child: its identifiers and ethnicity."""
    parts = {name(e): e for e in elements(child, "ChildIdentifiers", "ChildCharacteristics")}
    identifiers, characteristics = leaves(parts.get("ChildIdentifiers")), leaves(parts.get("ChildCharacteristics"))
    about = {column: _first(identifiers, names) for column, names in IDENTIFIERS.items()}
    return about | {column: _first(characteristics, names) for column, names in CHARACTERISTICS.items()}


def child_rows(child) -> dict[CensusElement, list[list[str | None]]]:
    """The rows one <Child> gives each table, each row in its table's column order."""
    about_child = _about_child(child)
    identity = {"LACHILDID": about_child["LACHILDID"]}
    rows: dict[CensusElement, list[list[str | None]]] = {census_element: [] for census_element in ELEMENTS}
    for referral in elements(child, REFERRAL):
        values = identity | _values(referral, REFERRALS)
        rows[REFERRALS].append([values.get(column) for column in REFERRALS.table.columns])
        about_referral = identity | {"CINREFERRALDATE": values["CINREFERRALDATE"]}
        for element in elements(referral, *BY_ELEMENT):
            census_element = BY_ELEMENT[name(element)]
            about = about_child if census_element is CP_PLANS else about_referral
            values = about | _values(element, census_element)
            rows[census_element].append([values.get(column) for column in census_element.table.columns])
    return rows


def unread_elements(child) -> set[str]:
    """The elements of a <Child> that no table reads (named in a warning, so nothing is lost unsaid)."""
    unread = {name(e) for e in elements(child) if name(e) not in READ_IN_CHILD}
    for referral in elements(child, REFERRAL):
        unread |= {f"{name(e)} (in {REFERRAL})" for e in elements(referral) if name(e) not in READ_IN_REFERRAL}
    return unread
