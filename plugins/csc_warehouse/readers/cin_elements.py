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

from lxml import etree

from csc_warehouse import tables
from csc_warehouse.tables import TableSpec

REFERRAL = "CINdetails"
FACTORS, FACTOR = "FactorsIdentifiedAtAssessment", "AssessmentFactors"
# The census element each column about the child is read from; Sex was GenderCurrent until 2024/25.
IDENTIFIERS = {"LACHILDID": ("LAchildID",), "PERSONBIRTHDATE": ("PersonBirthDate",), "SEX": ("Sex", "GenderCurrent")}
CHARACTERISTICS = {"ETHNICITY": ("Ethnicity",)}
READ_IN_CHILD = {"ChildIdentifiers", "ChildCharacteristics", REFERRAL}


@dataclass(frozen=True)
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
# What a <CINdetails> holds that is read: the referral's values and the elements that are rows.
READ_IN_REFERRAL = set(REFERRALS.columns.values()) | {e.element for e in ELEMENTS if e is not REFERRALS}


def name(element) -> str:
    return etree.QName(element).localname


def text(element) -> str | None:
    value = (element.text or "").strip() if element is not None else ""
    return value or None


def elements(parent, *names: str) -> Iterator:
    """The child elements of `parent` (no comments), only those with one of the names when names are given."""
    if parent is None:
        return iter(())
    return (e for e in parent if isinstance(e.tag, str) and (not names or name(e) in names))


def first(parent, *names: str):
    """The first child element of `parent` with one of the names, in the order the names are given."""
    for wanted in names:
        for element in elements(parent, wanted):
            return element
    return None


def _values(element, census_element: CensusElement) -> dict[str, str | None]:
    values = {column: text(first(element, child)) for column, child in census_element.columns.items()}
    if census_element is ASSESSMENTS:
        factors = [text(f) for f in elements(first(element, FACTORS), FACTOR)]
        values["ASSESSMENTFACTORS"] = ",".join(f for f in factors if f) or None
    return values


def _about_child(child, census_element: CensusElement) -> dict[str, str | None]:
    identifiers = first(child, "ChildIdentifiers")
    if census_element is not CP_PLANS:
        return {"LACHILDID": text(first(identifiers, *IDENTIFIERS["LACHILDID"]))}
    characteristics = first(child, "ChildCharacteristics")
    about = {column: text(first(identifiers, *names)) for column, names in IDENTIFIERS.items()}
    return about | {column: text(first(characteristics, *names)) for column, names in CHARACTERISTICS.items()}


def child_rows(child, census_element: CensusElement) -> Iterator[list[str | None]]:
    """The rows one <Child> gives the element's table, in the table's column order."""
    columns, about_child = census_element.table.columns, _about_child(child, census_element)
    for referral in elements(child, REFERRAL):
        if census_element is REFERRALS:
            values = about_child | _values(referral, REFERRALS)
            yield [values.get(column) for column in columns]
            continue
        about_referral = about_child | {"CINREFERRALDATE": text(first(referral, "CINreferralDate"))}
        for element in elements(referral, census_element.element):
            values = about_referral | _values(element, census_element)
            yield [values.get(column) for column in columns]


def unread_elements(child) -> set[str]:
    """The elements of a <Child> that no table reads (named in a warning, so nothing is lost unsaid)."""
    unread = {name(e) for e in elements(child) if name(e) not in READ_IN_CHILD}
    for referral in elements(child, REFERRAL):
        unread |= {f"{name(e)} (in {REFERRAL})" for e in elements(referral) if name(e) not in READ_IN_REFERRAL}
    return unread
