"""Child protection figures against a real PostgreSQL: hand-made CP deliveries through the door, the
quality gate and dbt, and cp_weekly / cp_weekly_by_category compared with figures worked out by hand.
Also: a folder that delivered only CP plans, or only an audit return, makes no looked-after row, and
an audit-only folder no CP row. And the CP delivery checks flag exactly the plans counted by hand.

Every expected figure below is worked out by hand from the deliveries in this file.
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from conftest import empty_warehouse
from loading_fixtures import GOOD_EPISODES, GOOD_HEADER, deliver, ingest

from csc_warehouse import quality, transforming

PLAN_HEADER = (
    "LAchildID,PersonBirthDate,Sex,Ethnicity,CPPstartDate,CPPendDate,InitialCategoryOfAbuse,"
    "LatestCategoryOfAbuse,NumberOfPreviousCPP\n"
)
AS_AT_1, AS_AT_2 = date(2014, 2, 3), date(2014, 2, 10)

# The plans as the newest delivery (10 February) has them: child, start, end, latest category.
PLANS = [
    ("A", "01/06/2013", "", "NEG"),  # open
    ("B", "01/09/2013", "10/02/2014", "PHY"),  # ends on as_at (10 February): not open then
    ("C", "01/11/2013", "", "NEG"),  # two open plans: counts once,
    ("C", "05/02/2014", "", "EMO"),  # under the later one (EMO), a start in the week
    ("D", "01/01/2012", "15/02/2012", "NEG"),  # ended 723 days before
    ("D", "07/02/2014", "", "SAB"),  # this start: a repeat plan
    ("E", "01/12/2011", "", "MUL"),  # on a plan since before 10 February 2012: 2 years or more
    ("F", "01/06/2011", "06/02/2012", "NEG"),  # ended 733 days before
    ("F", "08/02/2014", "", "NEG"),  # this start: not a repeat
    ("G", "30/01/2014", "", "PHY"),  # started 30 January, recorded late: only in the 10 February delivery
]
RECORDED_LATE = {"G"}


def plan_rows(as_at: date, late: bool) -> str:
    """The plans as a delivery of as_at shows them: begun by then, ended only if by then."""
    rows = []
    for child, start, end, category in PLANS:
        day, month, year = map(int, start.split("/"))
        if date(year, month, day) > as_at or (child in RECORDED_LATE and not late):
            continue
        shown_end = end
        if end:
            day, month, year = map(int, end.split("/"))
            shown_end = end if date(year, month, day) <= as_at else ""
        rows.append(f"{child},01/01/2010,1,WBRI,{start},{shown_end},{category},{category},0\n")
    return PLAN_HEADER + "".join(rows)


# Worked out by hand.
#   3 February (week 28 January - 3 February), as reported: on a plan A, B (ends later), C (its first
#   plan, NEG), E = 4; no start (G is not in this delivery), no end; E on a plan 2 years or more.
#   Restated from 10 February: G too = 5, and G's start on 30 January. Rate: 4 * 10,000 / 57,900 = 0.69 -> 0.7.
#   10 February (week 4 - 10 February): A, C (EMO), D, E, F, G = 6 (B's plan ended on as_at); starts C, D,
#   F = 3; ends B = 1; 2 years or more E = 1; repeat starts D = 1; rate 6 * 10,000 / 57,900 = 1.04 -> 1.0;
#   change on 3 February: 6 - 4 = +2.
CP_WEEKLY_309 = {
    # as_at: (on a plan, starts, ends, rate, 2y+, repeat starts, change_vs_previous, change_vs_4_weeks,
    #         on a plan restated, starts restated, ends restated, 2y+ restated, repeat starts restated)
    AS_AT_1: (4, 0, 0, 0.7, 1, 0, None, None, 5, 1, 0, 1, 0),
    AS_AT_2: (6, 3, 1, 1.0, 1, 1, 2, None, 6, 3, 1, 1, 1),
}
BY_CATEGORY_309 = [
    # 3 February: reported A NEG, B PHY, C NEG, E MUL; restated the same and G PHY.
    (AS_AT_1, "MUL", 1, 1),
    (AS_AT_1, "NEG", 2, 2),
    (AS_AT_1, "PHY", 1, 2),
    # 10 February: A NEG, C EMO, D SAB, E MUL, F NEG, G PHY.
    (AS_AT_2, "EMO", 1, 1),
    (AS_AT_2, "MUL", 1, 1),
    (AS_AT_2, "NEG", 2, 2),
    (AS_AT_2, "PHY", 1, 1),
    (AS_AT_2, "SAB", 1, 1),
]
AUDIT = (
    "audit_theme,audit_date,case_ref,auditor,question_id,question_text,answer,comment\n"
    "Neglect,05/02/2014,C1,A,q1,Q1,Yes,\n"
)


def query(url, statement, params=()):
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


@pytest.fixture(scope="module")
def built(warehouse_url, tmp_path_factory):
    """309 delivers only CP plans (twice), 310 only an audit return, 311 only SSDA903 tables: loaded,
    gated, and the CP, LAC and audit marts built (a dbt build: the tests reading it are marked slow)."""
    empty_warehouse(warehouse_url)
    root = tmp_path_factory.mktemp("cp-landing")
    for as_at, late in ((AS_AT_1, False), (AS_AT_2, True)):
        ingest(warehouse_url, deliver(root, "309", as_at.isoformat(), {"cp_plans.csv": plan_rows(as_at, late)}))
    ingest(warehouse_url, deliver(root, "310", AS_AT_2.isoformat(), {"audit.csv": AUDIT}))
    ingest(
        warehouse_url,
        deliver(root, "311", AS_AT_2.isoformat(), {"header.csv": GOOD_HEADER, "episodes.csv": GOOD_EPISODES}),
    )
    verdict = quality.check_deliveries("test-cp-marts", url=warehouse_url)
    assert [v.status for v in verdict.versions] == ["accepted"] * 4
    transforming.build("+cp_weekly +cp_weekly_by_category +lac_weekly +audit_results")
    return warehouse_url


@pytest.mark.slow
def test_cp_weekly_gives_the_figures_worked_out_by_hand(built):
    rows = query(
        built,
        "select as_at, children_on_plan, plan_starts, plan_ends, rate_per_10k::float, on_plan_2y_plus,"
        " repeat_plan_starts_2y, change_vs_previous, change_vs_4_weeks, children_on_plan_restated,"
        " plan_starts_restated, plan_ends_restated, on_plan_2y_plus_restated,"
        " repeat_plan_starts_2y_restated from build.cp_weekly where la_code = '309' order by as_at",
    )
    assert {row[0]: row[1:] for row in rows} == CP_WEEKLY_309


@pytest.mark.slow
def test_a_plan_ending_on_as_at_is_not_open_and_two_open_plans_count_once(built):
    """history.cp_figures for the 10 February version at 10 February: A, C, D, E, F and G (B's plan ends
    that day), C once and under its later plan (EMO), so NEG has only A and F."""
    ((on_plan, by_category),) = query(
        built,
        "select figures.children_on_plan, figures.children_by_latest_category from history.cp_figures figures"
        " join build.int_versions_reported versions using (delivery_version_id, as_at)"
        " where versions.figures = 'CP' and versions.la_code = '309' and versions.as_at = %s",
        [AS_AT_2],
    )
    assert on_plan == 6
    assert {entry["latest_category"]: entry["children"] for entry in by_category} == {
        "EMO": 1,
        "MUL": 1,
        "NEG": 2,
        "PHY": 1,
        "SAB": 1,
    }


@pytest.mark.slow
def test_cp_weekly_by_category_counts_each_child_under_its_latest_plan_and_sums_to_cp_weekly(built):
    rows = query(
        built,
        "select as_at, latest_category, children_on_plan, children_on_plan_restated"
        " from build.cp_weekly_by_category where la_code = '309' order by as_at, latest_category",
    )
    assert rows == BY_CATEGORY_309
    for as_at, (on_plan, *_rest) in CP_WEEKLY_309.items():
        assert sum(row[2] for row in rows if row[0] == as_at) == on_plan


@pytest.mark.slow
def test_a_folder_without_episodes_makes_no_looked_after_row_and_one_without_plans_no_cp_row(built):
    assert query(built, "select la_code, as_at from build.lac_weekly order by 1, 2") == [("311", AS_AT_2)]
    assert query(built, "select distinct la_code from build.cp_weekly") == [("309",)]
    assert query(built, "select la_code, audit_theme, ratio from build.audit_results") == [("310", "Neglect", "1:1")]


@pytest.mark.slow
def test_no_cp_or_audit_mart_holds_a_child_id_date_of_birth_or_case_reference(built):
    sensitive = {
        value
        for (value,) in query(
            built,
            """
        select lachildid from raw.cin_cp_plans union select raw.clean_id(lachildid) from raw.cin_cp_plans
        union select personbirthdate from raw.cin_cp_plans union select raw.parse_date(personbirthdate)::text
        from raw.cin_cp_plans union select case_ref from raw.audit_answers union select auditor from raw.audit_answers
        """,
        )
        if value
    }
    assert len(sensitive) >= 9
    for table in ("cp_weekly", "cp_weekly_by_category", "audit_results"):
        columns = query(
            built,
            "select column_name from information_schema.columns where table_schema = 'build' and table_name = %s",
            [table],
        )
        assert columns
        for (column,) in columns:
            held = {value for (value,) in query(built, f'select distinct "{column}"::text from build."{table}"')}
            assert not held & sensitive, f"{table}.{column}: {sorted(held & sensitive)}"


# -- the CP delivery checks ---------------------------------------------------------------------------

RULE_BREAKERS = PLAN_HEADER + "".join(
    f"{row}\n"
    for row in (
        "P1,01/01/2010,1,WBRI,01/06/2013,01/05/2013,NEG,NEG,0",  # ends before it starts: 8925 (block)
        "P2,01/01/2010,1,WBRI,01/06/2013,01/06/2013,NEG,NEG,0",  # starts and ends the same day: 8840
        "P3,01/01/2010,1,WBRI,01/06/2013,,NEG,NEG,0",  # two open plans: 8935 on both;
        "P3,01/01/2010,1,WBRI,01/09/2013,,NEG,NEG,0",  # the later starts while the first is open: 8940
        "P4,01/01/2010,1,WBRI,01/01/2013,01/06/2013,NEG,NEG,0",  # plans overlapping in May:
        "P4,01/01/2010,1,WBRI,01/05/2013,01/08/2013,NEG,NEG,0",  # the later one, 8940
        "P5,01/01/2010,1,WBRI,01/06/2013,,,,",  # no categories: 8905, 8910; no previous plans: 8730
        "P6,01/01/2010,1,WBRI,01/01/2012,01/06/2012,PHY,EMO,0",  # a plan, then a later one after it ended:
        "P6,01/01/2010,1,WBRI,01/06/2012,,EMO,EMO,1",  # no overlap (ends the day the next starts)
    )
)
# Worked out by hand from the rows above.
FLAGGED = {"8925": 1, "8840": 1, "8935": 2, "8940": 2, "8905": 1, "8910": 1, "8730": 1}


def test_each_cp_rule_flags_the_plans_counted_by_hand(fresh_warehouse, tmp_path):
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2014-02-10", {"cp_plans.csv": RULE_BREAKERS}))
    assert outcome.status == "loaded", outcome.findings
    verdict = quality.check_deliveries("test-cp-rules", url=fresh_warehouse)
    [version] = verdict.versions
    assert version.status == "rejected" and "plan_ends_before_it_starts (DfE rule 8925)" in version.reason
    flagged = dict(
        query(
            fresh_warehouse,
            "select rule_code, unexpected_count from dq.validations"
            " where run_id = 'test-cp-rules' and suite = 'cin_cp_plans'",
        )
    )
    assert flagged == FLAGGED
    severities = dict(
        query(
            fresh_warehouse,
            "select rule_code, severity from dq.validations where run_id = 'test-cp-rules' and suite = 'cin_cp_plans'",
        )
    )
    assert {rule for rule, severity in severities.items() if severity == "block"} == {"8925"}
    records = [row[0] for row in query(fresh_warehouse, "select record::text from dq.flagged_records")]
    assert records and not any('"P1"' in record or "2010-01-01" in record for record in records)
