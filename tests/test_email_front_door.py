"""The weekly email's headline figures: an authority that delivered a CIN census gets its week's front
door in one line after its looked-after and child protection figures; one that did not, no such line."""

from __future__ import annotations

from csc_warehouse import run_email
from csc_warehouse.handoffs import HeadlineFigure

WEEK = "2014-02-10"


def test_the_front_door_follows_the_authoritys_other_figures():
    with_census = HeadlineFigure(
        "309",
        WEEK,
        children_looked_after=533,
        lac_starts=4,
        lac_ceased=2,
        change_vs_previous=2,
        children_on_plan=192,
        cp_change_vs_previous=4,
        referrals=21,
        re_referrals_12m=3,
        assessments_completed=17,
        assessments_within_45wd=15,
        icpcs=4,
        icpcs_within_15wd=3,
        children_on_cin_plan=51,
        cin_plan_step_downs=1,
    )
    without_census = HeadlineFigure("310", WEEK, children_looked_after=80, lac_starts=1, lac_ceased=0)
    lines = run_email._headline_figures((with_census, without_census))
    assert lines == [
        "",
        "Headline figures:",
        "  309 2014-02-10: 533 children looked after (+2 on the previous week), 4 started, 2 ceased",
        "  309 2014-02-10: 192 children on a child protection plan (+4 on the previous week)",
        "  309 2014-02-10: 21 referrals (3 re-referrals within 12 months), 15 of 17 assessments within 45 working"
        " days, 3 of 4 ICPCs within 15 working days, 51 children on a CIN plan (1 stepped down from child"
        " protection this week)",
        "  310 2014-02-10: 80 children looked after (no previous week), 1 started, 0 ceased",
    ]


def test_the_front_door_figures_travel_through_xcom():
    figure = HeadlineFigure("309", WEEK, referrals=21, icpcs=4, icpcs_within_15wd=3)
    assert HeadlineFigure.from_xcom(figure.to_xcom()) == figure
