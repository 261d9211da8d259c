"""Writing the Children in Need census XML of a delivery: every referral in the extract window with its
assessments, section 47 enquiries, CIN plans and CP plans, as the extract on its date shows them.

The census's CP plans are the demo's plans, filtered exactly as a delivery shows them: begun by
the extract date, not ended before 1 April of the previous year, a plan ending after the extract
date shown open. A referral is in the census when its plan is, or when it was made by the extract
date and not closed before that 1 April; anything dated after the extract date is not yet known
(a closure, an authorisation, a conference), so it is left out. Dates are the census's YYYY-MM-DD.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lxml import etree

from csc_warehouse.demo.children_in_need import ChildrenInNeed, Referral
from csc_warehouse.demo.dates import extract_window_start
from csc_warehouse.demo.people import Child

CENSUS_FILE = "cin_census.xml"


def _known(day: date | None, extract_date: date) -> str | None:
    return day.isoformat() if day is not None and day <= extract_date else None


def _add(parent, name: str, value: str | None):
    if value is not None:
        etree.SubElement(parent, name).text = value


def in_extract(referral: Referral, extract_date: date) -> bool:
    window_start = extract_window_start(extract_date)
    return referral.referred <= extract_date and (referral.closed is None or referral.closed >= window_start)


def _referral(parent, referral: Referral, extract_date: date) -> None:
    window_start, known = extract_window_start(extract_date), lambda day: _known(day, extract_date)
    details = etree.SubElement(parent, "CINdetails")
    _add(details, "CINreferralDate", referral.referred.isoformat())
    _add(details, "ReferralSource", referral.source)
    _add(details, "PrimaryNeedCode", referral.need)
    _add(details, "CINclosureDate", known(referral.closed))
    _add(details, "ReasonForClosure", referral.reason if known(referral.closed) else None)
    for assessment in [a for a in referral.assessments if a.start <= extract_date]:
        element = etree.SubElement(details, "Assessments")
        _add(element, "AssessmentActualStartDate", assessment.start.isoformat())
        _add(element, "AssessmentAuthorisationDate", known(assessment.authorised))
        if known(assessment.authorised):
            factors = etree.SubElement(element, "FactorsIdentifiedAtAssessment")
            for factor in assessment.factors:
                _add(factors, "AssessmentFactors", factor)
    for plan in [p for p in referral.cin_plans if p.start <= extract_date]:
        element = etree.SubElement(details, "CINPlanDates")
        _add(element, "CINPlanStartDate", plan.start.isoformat())
        _add(element, "CINPlanEndDate", known(plan.end))
    for enquiry in [e for e in referral.enquiries if e.start <= extract_date]:
        element = etree.SubElement(details, "Section47")
        _add(element, "S47ActualStartDate", enquiry.start.isoformat())
        _add(element, "DateOfInitialCPC", known(enquiry.icpc))
        _add(element, "ICPCnotRequired", "1" if enquiry.icpc is None else "0")
    _add(details, "ReferralNFA", "1" if referral.nfa else "0")
    for plan in referral.cp_plans:
        if plan.start > extract_date or (plan.end and plan.end < window_start):
            continue
        element = etree.SubElement(details, "ChildProtectionPlans")
        _add(element, "CPPstartDate", plan.start.isoformat())
        _add(element, "CPPendDate", known(plan.end))
        _add(element, "InitialCategoryOfAbuse", plan.initial_category)
        _add(element, "LatestCategoryOfAbuse", plan.latest_category)
        _add(element, "NumberOfPreviousCPP", str(plan.previous_plans))


def _child(parent, child: Child, referrals: list[Referral], extract_date: date) -> None:
    element = etree.SubElement(parent, "Child")
    identifiers = etree.SubElement(element, "ChildIdentifiers")
    _add(identifiers, "LAchildID", child.child_id)
    _add(identifiers, "PersonBirthDate", child.dob.isoformat())
    _add(identifiers, "GenderCurrent", child.sex)  # 2013/14: GenderCurrent 1 or 2 (Sex M/F from 2024/25)
    _add(etree.SubElement(element, "ChildCharacteristics"), "Ethnicity", child.ethnic)
    for referral in referrals:
        _referral(element, referral, extract_date)


def write_census(path: Path, in_need: ChildrenInNeed, la_code: str, extract_date: date) -> None:
    """The census as at the extract date; the same records always give the same bytes."""
    message = etree.Element("Message")
    header = etree.SubElement(message, "Header")
    details = etree.SubElement(header, "CollectionDetails")
    year = extract_date.year + (extract_date.month > 3)  # the census year ends on 31 March
    _add(details, "Collection", "CIN")
    _add(details, "Year", str(year))
    _add(details, "ReferenceDate", f"{year}-03-31")
    source = etree.SubElement(header, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", la_code)
    _add(source, "SoftwareCode", "csc_warehouse demo")
    _add(source, "DateTime", f"{extract_date.isoformat()}T06:00:00")
    children = etree.SubElement(message, "Children")
    by_child: dict[str, list[Referral]] = {}
    for referral in in_need.referrals:
        if in_extract(referral, extract_date):
            by_child.setdefault(referral.child_id, []).append(referral)
    for child_id in sorted(by_child):
        _child(children, in_need.children[child_id], by_child[child_id], extract_date)
    path.write_bytes(etree.tostring(message, xml_declaration=True, encoding="UTF-8", pretty_print=True))
