"""The committee report's "Front door and children in need" section from hand-made weeks of
reporting.cin_weekly: referrals last month against the month before and this month so far, the
re-referral rate, assessments and ICPCs in timescale with their percentages, children on a CIN plan,
step-downs from child protection; one sourceless sentence for an authority without a CIN census."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree

from csc_warehouse import report
from csc_warehouse.report import front_door_text
from csc_warehouse.report.figures import CinWeek, ReportFigures, Source, Weekly

AS_AT = date(2014, 2, 10)
SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def week(as_at, referrals, re_referrals, assessed, in_45, icpcs, in_15, on_plan, step_downs) -> CinWeek:
    return CinWeek(as_at, referrals, re_referrals, assessed, in_45, icpcs, in_15, on_plan, step_downs)


# December: 2 weeks, 30 referrals. January: 4 weeks (6, 13, 20, 27), 40 referrals, 6 re-referrals (15%),
# 9 assessments of which 7 within 45 working days (77.8%, 78%), 8 ICPCs of which 6 within 15 (75%),
# 1 step-down. February so far: 3 and 10 February, 23 referrals; 51 children on a CIN plan on 10 February.
WEEKS = [
    week(date(2013, 12, 23), 16, 2, 3, 3, 1, 1, 40, 0),
    week(date(2013, 12, 30), 14, 1, 2, 1, 2, 2, 41, 1),
    week(date(2014, 1, 6), 8, 1, 2, 2, 2, 1, 42, 0),
    week(date(2014, 1, 13), 12, 2, 3, 2, 2, 2, 44, 1),
    week(date(2014, 1, 20), 9, 2, 2, 2, 3, 2, 47, 0),
    week(date(2014, 1, 27), 11, 1, 2, 1, 1, 1, 48, 0),
    week(date(2014, 2, 3), 10, 1, 1, 1, 0, 0, 50, 0),
    week(AS_AT, 13, 3, 2, 1, 1, 0, 51, 1),
]
LOOKED_AFTER = Weekly(AS_AT, 533, Source("lac_weekly", "children_looked_after", "309", AS_AT))
JANUARY = "la_code 309, summed over the weeks with as_at 2014-01-06 to 2014-01-27"


def sentences(weeks=WEEKS, as_at=AS_AT) -> dict[str, list[str]]:
    said = front_door_text.front_door(ReportFigures("309", as_at, cin_weeks=list(weeks)))
    return {sentence: [str(source) for source in sources] for sentence, sources in said}


def test_referrals_last_month_against_the_month_before_and_this_month_so_far():
    said = sentences()
    assert said["In January 2014, 40 referrals were received, against 30 in December 2013."] == [
        f"reporting.cin_weekly.referrals ({JANUARY})",
        "reporting.cin_weekly.referrals (la_code 309, summed over the weeks with as_at 2013-12-23 to 2013-12-30)",
    ]
    assert said["In February 2014 so far (the weeks to 10 February 2014), 23 referrals have been received."] == [
        "reporting.cin_weekly.referrals (la_code 309, summed over the weeks with as_at 2014-02-03 to 2014-02-10)"
    ]


def test_the_re_referral_rate_and_the_timescales_with_their_percentages():
    said = sentences()
    assert said[
        "15% (6 of 40) of the referrals in January 2014 were re-referrals, within 12 months of a previous referral"
        " of the same child."
    ] == [f"reporting.cin_weekly.re_referrals_12m, referrals ({JANUARY})"]
    assert said["Of the 9 assessments completed in January 2014, 7 (78%) were completed within 45 working days."] == [
        f"reporting.cin_weekly.assessments_within_45wd, assessments_completed ({JANUARY})"
    ]
    assert said[
        "Of the 8 initial child protection conferences held in January 2014, 6 (75%) were held within 15 working"
        " days of the start of their section 47 enquiry."
    ] == [f"reporting.cin_weekly.icpcs_within_15wd, icpcs ({JANUARY})"]


def test_cin_plans_on_the_as_at_and_step_downs_of_last_month():
    said = sentences()
    assert said["As of 10 February 2014, 51 children were on a child in need plan."] == [
        "reporting.cin_weekly.children_on_cin_plan (la_code 309, as_at 2014-02-10)"
    ]
    assert said[
        "In January 2014, 1 child in need plan started within 7 days of the end of the child's child protection"
        " plan (a step-down from child protection)."
    ] == [f"reporting.cin_weekly.cin_plan_step_downs ({JANUARY})"]


def test_a_first_census_this_month_states_this_month_so_far_and_a_month_without_conferences_says_so():
    said = sentences(WEEKS[-2:])
    assert not any(sentence.startswith("In January") for sentence in said)
    assert "No initial child protection conference was held in February 2014." not in said  # one on 10 February
    assert "Of the 3 assessments completed in February 2014, 2 (67%) were completed within 45 working days." in said
    only_third = sentences(WEEKS[-2:-1], date(2014, 2, 3))
    assert "No initial child protection conference was held in February 2014." in only_third
    assert (
        "Of the 1 assessment completed in February 2014, 1 (100%) was completed within 45 working days." in only_third
    )


def test_no_census_delivered_is_one_sentence_without_a_source_and_the_chart_says_not_published(tmp_path):
    assert front_door_text.front_door(ReportFigures("309", AS_AT)) == [(front_door_text.NOT_DELIVERED, [])]
    written = report._written(ReportFigures("309", AS_AT, children_looked_after=[LOOKED_AFTER]), tmp_path)
    assert f"<p>{front_door_text.NOT_DELIVERED}</p>" in written.html.read_text()
    assert "not published" in (tmp_path / f"309-{AS_AT}" / "front_door_by_week.svg").read_text()


def test_the_chart_labels_the_weeks_referrals_and_cin_plans(tmp_path):
    figures = ReportFigures("309", AS_AT, children_looked_after=[LOOKED_AFTER], cin_weeks=WEEKS)
    written = report._written(figures, tmp_path)
    chart = ElementTree.parse(tmp_path / f"309-{AS_AT}" / "front_door_by_week.svg")
    labels = {text.text for text in chart.iter(SVG_TEXT)}
    assert {"13", "51"} <= labels  # referrals and children on a CIN plan on 10 February
    assert "![front door by week](front_door_by_week.svg)" in written.markdown.read_text()
