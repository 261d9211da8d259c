"""The committee report's "Front door and children in need" section: referrals last month against the
month before and this month so far, the re-referral rate, assessments within 45 working days and
initial child protection conferences (ICPCs) within 15 working days of their section 47 enquiry, with
their percentages, children on a CIN plan and step-downs from child protection. Each sentence cites
reporting.cin_weekly and the weeks it sums.

The rates are those of the last whole month (the month before the as_at's), as a monthly report
states them; an authority whose first CIN census falls in the as_at's month gets that month so far.
"""

from __future__ import annotations

from datetime import date

from csc_warehouse.report.figures import ReportFigures
from csc_warehouse.report.front_door_figures import CinMonth, month_of, whole_percent
from csc_warehouse.report.sources import Source
from csc_warehouse.report.text import long_date, month_name

Sentences = list[tuple[str, list]]
NOT_DELIVERED = "No CIN census has been delivered for this authority, so there are no front door figures for this date."


def front_door(figures: ReportFigures) -> Sentences:
    """[(sentence, its sources)]; one sentence without a source when no CIN census was delivered."""
    weeks, la_code, as_at = figures.cin_weeks, figures.la_code, figures.as_at
    if not weeks:
        return [(NOT_DELIVERED, [])]
    this_month = month_of(weeks, la_code, as_at.year, as_at.month)
    last_month = month_of(weeks, la_code, *_month_before(as_at))
    month_before = month_of(weeks, la_code, *_month_before(last_month.month)) if last_month else None
    sentences = _referrals(last_month, month_before, this_month, as_at)
    stated = last_month or this_month
    if stated is not None:
        sentences += _rates(stated)
    latest = weeks[-1]
    sentences.append(
        (
            f"As of {long_date(latest.as_at)}, {_count(latest.children_on_cin_plan, 'child was', 'children were')}"
            " on a child in need plan.",
            [Source("cin_weekly", "children_on_cin_plan", la_code, latest.as_at)],
        )
    )
    if stated is not None:
        steps = stated.total("cin_plan_step_downs")
        sentences.append(
            (
                f"In {_named(stated)}, {_count(steps, 'child in need plan', 'child in need plans')} started within"
                " 7 days of the end of the child's child protection plan (a step-down from child protection).",
                [stated.source("cin_plan_step_downs")],
            )
        )
    return sentences


def _referrals(last: CinMonth | None, before: CinMonth | None, this: CinMonth | None, as_at: date) -> Sentences:
    sentences: Sentences = []
    if last is not None:
        against = f", against {before.total('referrals')} in {_named(before)}" if before else ""
        sentences.append(
            (
                f"In {_named(last)}, {_count(last.total('referrals'), 'referral was', 'referrals were')}"
                f" received{against}.",
                [last.source("referrals")] + ([before.source("referrals")] if before else []),
            )
        )
    if this is not None:
        received = _count(this.total("referrals"), "referral has", "referrals have")
        sentences.append(
            (
                f"In {_named(this)} so far (the weeks to {long_date(this.weeks[-1].as_at)}), {received} been received.",
                [this.source("referrals")],
            )
        )
    return sentences


def _rates(month: CinMonth) -> Sentences:
    name, sentences = _named(month), []
    referrals, re_referrals = month.total("referrals"), month.total("re_referrals_12m")
    if referrals:
        sentences.append(
            (
                f"{whole_percent(re_referrals, referrals)}% ({re_referrals} of {referrals}) of the referrals in"
                f" {name} were re-referrals, within 12 months of a previous referral of the same child.",
                [month.source("re_referrals_12m, referrals")],
            )
        )
    completed, in_time = month.total("assessments_completed"), month.total("assessments_within_45wd")
    sentences.append(
        (
            f"Of the {_count(completed, 'assessment', 'assessments')} completed in {name}, {in_time}"
            f" ({whole_percent(in_time, completed)}%) {_was(in_time)} completed within 45 working days."
            if completed
            else f"No assessment was completed in {name}.",
            [month.source("assessments_within_45wd, assessments_completed")],
        )
    )
    icpcs, icpcs_in_time = month.total("icpcs"), month.total("icpcs_within_15wd")
    sentences.append(
        (
            f"Of the {_count(icpcs, 'initial child protection conference', 'initial child protection conferences')}"
            f" held in {name}, {icpcs_in_time} ({whole_percent(icpcs_in_time, icpcs)}%) {_was(icpcs_in_time)} held"
            " within 15 working"
            " days of the start of their section 47 enquiry."
            if icpcs
            else f"No initial child protection conference was held in {name}.",
            [month.source("icpcs_within_15wd, icpcs")],
        )
    )
    return sentences


def _was(number: int) -> str:
    return "was" if number == 1 else "were"


def _named(month: CinMonth) -> str:
    return month_name(month.month)


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _month_before(day: date) -> tuple[int, int]:
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
