"""The demo's Children in Need census: what the front door did in each demo week, read back from the
XML with ElementTree and measured by the data contract's definitions (section 2), never through the
generator's internals; then one delivery through the real door.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from loading_fixtures import ingest, query

from csc_warehouse.demo import DEMO_LA_CODE, DEMO_WEEKS, generate

CENSUS = "cin_census.xml"
# England's bank holidays around the demo weeks (gov.uk), written by hand for the working-day counts.
BANK_HOLIDAYS = {date(2013, 8, 26), date(2013, 12, 25), date(2013, 12, 26), date(2014, 1, 1), date(2014, 4, 18)}


def working_days(first: date, last: date) -> int:
    """The contract's working days from first to last: Monday to Friday, no bank holiday, first < w <= last."""
    days = (first + timedelta(days=n) for n in range(1, (last - first).days + 1))
    return sum(day.weekday() < 5 and day not in BANK_HOLIDAYS for day in days)


def in_week(day: date | None, as_at: date) -> bool:
    return day is not None and as_at - timedelta(days=6) <= day <= as_at


def day(element, path: str) -> date | None:
    text = element.findtext(path)
    return date.fromisoformat(text) if text else None


@pytest.fixture(scope="module")
def censuses(tmp_path_factory) -> dict[date, ElementTree.Element]:
    landing = tmp_path_factory.mktemp("landing")
    generate(landing)
    return {
        as_at: ElementTree.parse(landing / DEMO_LA_CODE / as_at.isoformat() / CENSUS).getroot() for as_at in DEMO_WEEKS
    }


def referrals(census) -> list[tuple[str, ElementTree.Element]]:
    """(child, <CINdetails>) of every referral in the census."""
    return [
        (child.findtext("ChildIdentifiers/LAchildID"), r)
        for child in census.iter("Child")
        for r in child.iter("CINdetails")
    ]


def test_every_week_has_referrals_assessments_section_47s_icpcs_and_cin_plans(censuses):
    for as_at, census in censuses.items():
        assert sum(in_week(day(r, "CINreferralDate"), as_at) for _, r in referrals(census))
        assert sum(in_week(day(a, "AssessmentAuthorisationDate"), as_at) for a in census.iter("Assessments"))
        assert sum(in_week(day(s, "S47ActualStartDate"), as_at) for s in census.iter("Section47"))
        assert sum(in_week(day(s, "DateOfInitialCPC"), as_at) for s in census.iter("Section47"))
        open_cin_plans = [
            p
            for p in census.iter("CINPlanDates")
            if day(p, "CINPlanStartDate") <= as_at and (day(p, "CINPlanEndDate") or as_at + timedelta(1)) > as_at
        ]
        assert len(open_cin_plans) > 50


def test_most_assessments_finish_within_45_working_days_and_some_do_not(censuses):
    spans = [
        working_days(day(a, "AssessmentActualStartDate"), day(a, "AssessmentAuthorisationDate"))
        for as_at, census in censuses.items()
        for a in census.iter("Assessments")
        if in_week(day(a, "AssessmentAuthorisationDate"), as_at)
    ]
    late = [span for span in spans if span > 45]
    assert late and len(late) < len(spans) / 4


def test_most_icpcs_are_within_15_working_days_of_the_section_47_and_some_are_late(censuses):
    spans = [
        working_days(day(s, "S47ActualStartDate"), day(s, "DateOfInitialCPC"))
        for as_at, census in censuses.items()
        for s in census.iter("Section47")
        if in_week(day(s, "DateOfInitialCPC"), as_at)
    ]
    late = [span for span in spans if span > 15]
    assert late and len(late) < len(spans) / 2


def test_every_cp_plan_follows_a_section_47_whose_icpc_is_on_its_start_day(censuses):
    census = censuses[DEMO_WEEKS[-1]]
    for _, referral in referrals(census):
        icpcs = {day(s, "DateOfInitialCPC") for s in referral.iter("Section47")}
        for plan in referral.iter("ChildProtectionPlans"):
            assert day(plan, "CPPstartDate") in icpcs


def test_one_cin_plan_in_the_demo_weeks_steps_down_from_a_cp_plan(censuses):
    """A CIN plan starting in a demo week whose child's CP plan ended from 7 days before its start to
    its start day (the contract's cin_plan_step_downs)."""
    census = censuses[DEMO_WEEKS[-1]]
    plan_ends: dict[str, list[date]] = {}
    for child_id, referral in referrals(census):
        plan_ends.setdefault(child_id, []).extend(
            filter(None, (day(p, "CPPendDate") for p in referral.iter("ChildProtectionPlans")))
        )
    step_downs = [
        (child_id, start)
        for child_id, referral in referrals(census)
        for start in (day(p, "CINPlanStartDate") for p in referral.iter("CINPlanDates"))
        if any(in_week(start, as_at) for as_at in DEMO_WEEKS)
        and any(start - timedelta(days=7) <= end <= start for end in plan_ends.get(child_id, []))
    ]
    assert len(step_downs) == 1
    [(_, start)] = step_downs
    assert in_week(start, DEMO_WEEKS[1])


def test_some_referrals_in_the_demo_weeks_are_re_referrals_and_some_need_no_further_action(censuses):
    census = censuses[DEMO_WEEKS[-1]]
    by_child: dict[str, list[date]] = {}
    for child_id, referral in referrals(census):
        by_child.setdefault(child_id, []).append(day(referral, "CINreferralDate"))
    in_weeks = [
        (child_id, referred)
        for child_id, dates in by_child.items()
        for referred in dates
        if referred > DEMO_WEEKS[0] - timedelta(days=7)
    ]
    re_referrals = [
        (child_id, referred)
        for child_id, referred in in_weeks
        if any(referred.replace(year=referred.year - 1) <= other < referred for other in by_child[child_id])
    ]
    assert re_referrals and len(re_referrals) < len(in_weeks) / 3
    nfa = [r for _, r in referrals(census) if r.findtext("ReferralNFA") == "1"]
    assert nfa and all(r.findtext("CINclosureDate") == r.findtext("CINreferralDate") for r in nfa)


def test_the_last_demo_delivery_loads_every_census_element_through_the_door(fresh_warehouse, tmp_path):
    generate(tmp_path)
    folder: Path = tmp_path / DEMO_LA_CODE / DEMO_WEEKS[-1].isoformat()
    outcome, _ = ingest(fresh_warehouse, folder)
    assert outcome.status == "loaded", outcome.findings
    census = ElementTree.parse(folder / CENSUS).getroot()
    for table, element in [
        ("cin_referrals", "CINdetails"),
        ("cin_assessments", "Assessments"),
        ("cin_section47", "Section47"),
        ("cin_plans", "CINPlanDates"),
        ("cin_cp_plans", "ChildProtectionPlans"),
    ]:
        assert query(fresh_warehouse, f"select count(*) from raw.{table}") == [(sum(1 for _ in census.iter(element)),)]
