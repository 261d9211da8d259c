"""Children-in-need figures against a real PostgreSQL: two hand-made CIN census deliveries (the census's
tables as CSV files with its names) through the door, the quality gate and dbt, and cin_weekly compared
with figures worked out by hand; then published, readable by an analyst of the authority only.

Every expected figure below is worked out by hand from the deliveries in this file. England's bank
holidays near them: Christmas Day and Boxing Day 2013 (Wednesday and Thursday), New Year's Day 2014
(a Wednesday).
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from conftest import empty_warehouse
from loading_fixtures import deliver, ingest

from csc_warehouse import access, publishing, quality, transforming

pytestmark = pytest.mark.slow  # a dbt build of cin_weekly and what it reads

AS_AT_1, AS_AT_2 = date(2014, 2, 3), date(2014, 2, 10)

REFERRALS_HEADER = (
    "LAchildID,CINreferralDate,ReferralSource,PrimaryNeedCode,CINclosureDate,ReasonForClosure,ReferralNFA\n"
)
ASSESSMENTS_HEADER = (
    "LAchildID,CINreferralDate,AssessmentActualStartDate,AssessmentInternalReviewDate,"
    "AssessmentAuthorisationDate,AssessmentFactors\n"
)
SECTION47_HEADER = "LAchildID,CINreferralDate,S47ActualStartDate,InitialCPCtarget,DateOfInitialCPC,ICPCnotRequired\n"
CIN_PLANS_HEADER = "LAchildID,CINreferralDate,CINPlanStartDate,CINPlanEndDate\n"
CP_PLANS_HEADER = (
    "LAchildID,PersonBirthDate,Sex,Ethnicity,CPPstartDate,CPPendDate,InitialCategoryOfAbuse,"
    "LatestCategoryOfAbuse,NumberOfPreviousCPP\n"
)

# The census of 3 February: A referred twice and both open, B open, C referred and closed in the week
# (no further action); C's assessment authorised on 3 February; C on a CIN plan; A's and B's CP plans
# ended in the days before it.
CENSUS_1 = {
    "referrals.csv": REFERRALS_HEADER
    + "A,01/06/2013,1A,N1,,,false\n"
    + "A,03/02/2014,1A,N1,,,false\n"
    + "B,01/09/2013,3A,N2,,,0\n"
    + "C,30/01/2014,5A,N9,31/01/2014,RC8,true\n",
    "assessments.csv": ASSESSMENTS_HEADER + "C,30/01/2014,20/01/2014,,03/02/2014,2A\n",
    "section47.csv": SECTION47_HEADER,
    "cin_plans.csv": CIN_PLANS_HEADER + "C,01/09/2013,01/10/2013,\n",
    "cp_plans.csv": CP_PLANS_HEADER
    + "A,01/01/2010,1,WBRI,01/06/2013,03/02/2014,NEG,NEG,0\n"
    + "B,01/01/2010,1,WBRI,01/06/2013,01/02/2014,NEG,NEG,0\n",
}

# The census of 10 February: the same, B closed on as_at, F's referral of 31 January recorded late (only
# here), D and E referred in the week, each a year after an earlier referral; two assessments and two
# ICPCs on the timescales' edges; A's and B's CIN plans starting after their CP plans ended.
CENSUS_2 = {
    "referrals.csv": REFERRALS_HEADER
    + "A,01/06/2013,1A,N1,,,false\n"
    + "A,03/02/2014,1A,N1,,,false\n"
    + "B,01/09/2013,3A,N2,10/02/2014,RC1,0\n"
    + "C,30/01/2014,5A,N9,31/01/2014,RC8,true\n"
    + "D,10/02/2013,1A,N1,01/03/2013,RC1,0\n"  # exactly 12 months before D's next referral
    + "D,10/02/2014,1A,N1,,,0\n"
    + "E,04/02/2013,1A,N1,01/03/2013,RC1,0\n"  # 12 months and a day before E's next referral
    + "E,05/02/2014,1A,N1,,,0\n"
    + "F,31/01/2014,2A,N3,,,0\n",
    "assessments.csv": ASSESSMENTS_HEADER
    + "C,30/01/2014,20/01/2014,,03/02/2014,2A\n"
    + "A,03/02/2014,04/12/2013,,10/02/2014,3A\n"  # 45 working days
    + "B,01/09/2013,03/12/2013,,10/02/2014,3A\n"  # 46 working days
    + "D,10/02/2014,10/02/2014,,,\n",  # open
    "section47.csv": SECTION47_HEADER
    + "A,03/02/2014,16/01/2014,06/02/2014,06/02/2014,false\n"  # ICPC 15 working days after
    + "B,01/09/2013,16/01/2014,06/02/2014,07/02/2014,false\n"  # 16 working days after
    + "E,05/02/2014,05/02/2014,26/02/2014,,\n",  # started in the week, no ICPC yet
    "cin_plans.csv": CIN_PLANS_HEADER
    + "C,01/09/2013,01/10/2013,\n"
    + "A,03/02/2014,10/02/2014,\n"  # 7 days after A's CP plan ended: a step-down
    + "B,01/09/2013,09/02/2014,\n",  # 8 days after B's: not
    "cp_plans.csv": CP_PLANS_HEADER
    + "A,01/01/2010,1,WBRI,01/06/2013,03/02/2014,NEG,NEG,0\n"
    + "B,01/01/2010,1,WBRI,01/06/2013,01/02/2014,NEG,NEG,0\n",
}

# Worked out by hand.
#   3 February (week 28 January - 3 February), as reported (census 1): referrals A (3 February), C = 2,
#   A's a re-referral (its June 2013 referral is within 12 months), C's no further action; in need on
#   3 February A (once, two open referrals), B = 2 (C closed on 31 January); C's assessment, 10 working
#   days (20 January to 3 February), within; no enquiry; on a CIN plan C = 1; no step-down.
#   Restated from census 2: F's referral of 31 January too, so 3 referrals and 3 in need (B's closure on
#   10 February is after 3 February).
#   10 February (week 4 - 10 February), census 2: referrals D (10 February, a re-referral: its earlier one
#   is exactly 12 months before), E (5 February: its earlier one 12 months and a day before, not) = 2; in
#   need A, D, E, F = 4 (B closed on as_at), +2 on 3 February; assessments authorised on 10 February: A's
#   from 4 December, 45 working days (6 in February, 22 in January without New Year's Day, 17 in December
#   after the 4th without Christmas and Boxing Day), within; B's from 3 December, 46, not: 1 of 2, 50%;
#   enquiries started: E = 1; ICPCs A (6 February, 15 working days after 16 January: 17 and 20-24, 27-31
#   January, 3-6 February), within, and B (7 February, 16), not; on a CIN plan A, B, C = 3; step-downs A
#   (its CP plan ended 7 days before its CIN plan started) = 1, not B (8 days).
CIN_WEEKLY_309 = {
    # as_at: (referrals, re-referrals, nfa, in need, assessments, within 45wd, pct, s47 started, icpcs,
    #         within 15wd, on a CIN plan, step-downs, change_vs_previous, change_vs_4_weeks,
    #         referrals restated, in need restated, pct restated)
    AS_AT_1: (2, 1, 1, 2, 1, 1, 100, 0, 0, 0, 1, 0, None, None, 3, 3, 100),
    AS_AT_2: (2, 1, 0, 4, 2, 1, 50, 1, 2, 1, 3, 1, 2, None, 2, 4, 50),
}


def query(url, statement, params=()):
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


@pytest.fixture(scope="module")
def built(warehouse_url, tmp_path_factory):
    """309 delivers two CIN censuses, 310 CP plans only: loaded, gated, cin_weekly built and published."""
    empty_warehouse(warehouse_url)
    root = tmp_path_factory.mktemp("cin-landing")
    for as_at, census in ((AS_AT_1, CENSUS_1), (AS_AT_2, CENSUS_2)):
        outcome, _ = ingest(warehouse_url, deliver(root, "309", as_at.isoformat(), census))
        assert outcome.status == "loaded", outcome.reason
    ingest(warehouse_url, deliver(root, "310", AS_AT_2.isoformat(), {"cp_plans.csv": CENSUS_2["cp_plans.csv"]}))
    verdict = quality.check_deliveries("test-cin-marts", url=warehouse_url)
    assert [v.status for v in verdict.versions] == ["accepted"] * 3
    transforming.build("+cin_weekly")
    publishing.publish("test-cin-marts", ["cin_weekly"], url=warehouse_url)
    return warehouse_url


def test_cin_weekly_gives_the_figures_worked_out_by_hand(built):
    rows = query(
        built,
        "select as_at, referrals, re_referrals_12m, referrals_nfa, children_in_need, assessments_completed,"
        " assessments_within_45wd, pct_assessments_within_45wd::int, s47_started, icpcs, icpcs_within_15wd,"
        " children_on_cin_plan, cin_plan_step_downs, change_vs_previous, change_vs_4_weeks, referrals_restated,"
        " children_in_need_restated, pct_assessments_within_45wd_restated::int"
        " from build.cin_weekly where la_code = '309' order by as_at",
    )
    assert {row[0]: row[1:] for row in rows} == CIN_WEEKLY_309


def test_a_folder_without_a_census_makes_no_cin_row(built):
    assert query(built, "select distinct la_code from build.cin_weekly") == [("309",)]


def test_cin_weekly_is_published_and_an_analyst_reads_only_their_authoritys_rows(built):
    assert "cin_weekly" in publishing.published_tables()
    analysts = {"test_cin_analyst_309": "309", "test_cin_analyst_310": "310"}
    for login, la_code in analysts.items():
        access.grant_analyst(login, [la_code], url=built)
    try:
        for login, expected in (("test_cin_analyst_309", [("309", 2)]), ("test_cin_analyst_310", [])):
            with psycopg.connect(built) as conn:
                conn.execute(f"set role {login}")
                rows = conn.execute("select la_code, count(*) from reporting.cin_weekly group by la_code").fetchall()
            assert rows == expected
    finally:
        with psycopg.connect(built, autocommit=True) as conn:
            for login in analysts:
                conn.execute("delete from access.analyst_authorities where login = %s", [login])
                conn.execute(f"drop owned by {login}")
                conn.execute(f"drop role {login}")


def test_the_mart_gate_warns_when_children_in_need_jumps_and_passes_the_counts(built):
    """Children in need went from 2 to 4 on 10 February (+100%, more than the 10% allowed): a warning
    for 309, which publishes. Every count is at least 0, and no part exceeds its whole."""
    [suite] = [suite for suite in quality.load_suites() if suite.name == "cin_weekly"]
    verdict = quality.check_marts("test-cin-gate", AS_AT_2.isoformat(), url=built, suites=[suite])
    outcomes = {result.expectation: (result.success, result.failing_la_codes) for result in verdict.results}
    assert outcomes == {
        "counts_are_never_negative": (True, []),
        "parts_never_exceed_the_whole": (True, []),
        "children_in_need_jumped": (False, ["309"]),
    }
    assert verdict.kept_la_codes == () and not verdict.blocked_everywhere
