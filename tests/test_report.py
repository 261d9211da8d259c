"""The committee report's data section, drafted from the demo's published tables: the sentences of
the March 2014 report, with its figures, and nothing that identifies a child."""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree

import pytest
from conftest import body_text, identifying_values, run_csc

from csc_warehouse.demo import audit as demo_audit

pytestmark = pytest.mark.e2e

AS_AT = date(2014, 2, 10)
SVG_TEXT = "{http://www.w3.org/2000/svg}text"


@pytest.fixture(scope="module")
def report(demo_weeks, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = run_csc(
        "report", "--la", "309", "--as-at", AS_AT.isoformat(), "--out", str(out), CSC_WAREHOUSE_URL=demo_weeks["url"]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    folder = out / f"309-{AS_AT}"
    return {
        "stdout": result.stdout,
        "folder": folder,
        "markdown": (folder / "report.md").read_text(),
        "html": (folder / "report.html").read_text(),
        "landing": demo_weeks["landing"],
    }


@pytest.mark.parametrize(
    "sentence",
    [
        "The number of children subject to a child protection plan in January 2014 was 184.",
        "However this number is rising and as of week beginning 10 February 2014 this had risen to 192.",
        "This has increased since early January from 164 to 192.",
        "As of 10 February 2014 the number of looked-after children was 533.",
        "40 young people will cease to be looked after by June 2014 as they will by then have reached their 18th "
        "birthday.",
        "Consideration of risk was evidenced at an early stage in 72% (13:18) of the cases it applied to.",
        "Management direction was evidenced in 67% (12:18) of the cases it applied to.",
        "The protection plan was clear in 80% (8:10) of the cases it applied to.",
        "The plan included actions that supported as well as monitored in 90% (9:10) of the cases it applied to.",
        "Tasks were realistic and achievable in 89% (16:18) of the cases it applied to.",
        "Information sharing was good in 72% (13:18) of the cases it applied to.",
    ],
)
def test_the_report_states_the_committee_figures(report, sentence):
    assert sentence in report["stdout"]
    assert sentence in report["markdown"]


def test_the_police_protection_returns_home_are_explained(report):
    assert re.search(
        r"In the four weeks to 10 February 2014, \d+ children were placed under police protection", report["markdown"]
    )


def test_every_sentence_names_its_table_and_as_at(report):
    assert "reporting.cp_weekly.children_on_plan (la_code 309, as_at 2014-02-10)" in report["markdown"]
    assert "reporting.lac_weekly.children_looked_after (la_code 309, as_at 2014-02-10)" in report["markdown"]
    assert "reporting.audit_results" in report["markdown"]


def test_the_charts_are_written_beside_the_report(report):
    for name in ("children_by_week.svg", "brief_returns_by_week.svg", "audit_results.svg", "front_door_by_week.svg"):
        chart = ElementTree.parse(report["folder"] / name).getroot()
        assert chart.tag == "{http://www.w3.org/2000/svg}svg"
        assert int(chart.get("width")) > 0 and int(chart.get("height")) > 0
        assert name in report["markdown"]
        assert f"<img src='{name}'" in report["html"]


def test_the_weekly_chart_labels_the_weeks_the_sentences_state(report):
    labels = {text.text for text in ElementTree.parse(report["folder"] / "children_by_week.svg").iter(SVG_TEXT)}
    assert {"164", "184", "192"} <= labels  # on a plan: early January, the end of January, 10 February
    assert "533" in labels  # looked after on 10 February


def cin_month(url: str, first: date, last: date) -> dict[str, int]:
    """reporting.cin_weekly's weeks with as_at from first to last, summed in SQL (the report sums in Python)."""
    import psycopg

    columns = (
        "referrals",
        "re_referrals_12m",
        "assessments_completed",
        "assessments_within_45wd",
        "icpcs",
        "icpcs_within_15wd",
        "cin_plan_step_downs",
    )
    with psycopg.connect(url) as conn:
        sums = conn.execute(
            f"select {', '.join(f'sum({c})::int' for c in columns)}, min(as_at), max(as_at) from reporting.cin_weekly"
            " where la_code = '309' and as_at between %s and %s",
            [first, last],
        ).fetchone()
    return dict(zip((*columns, "first", "last"), sums, strict=True))


def percent(part: int, whole: int) -> int:
    return int((Decimal(100 * part) / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_the_front_door_section_states_the_demo_census_with_its_sources(report, demo_weeks):
    """Acceptance 3 of issue 18: the demo's committee report prints the front door and children in need,
    each sentence footnoted to reporting.cin_weekly."""
    # The demo's weeks begin on 6 January 2014: January is the last whole month, with no December before it.
    january = cin_month(demo_weeks["url"], date(2014, 1, 1), date(2014, 1, 31))
    december = cin_month(demo_weeks["url"], date(2013, 12, 1), date(2013, 12, 31))
    february = cin_month(demo_weeks["url"], date(2014, 2, 1), AS_AT)
    assert january["referrals"] > 0 and january["assessments_completed"] > 0 and january["icpcs"] > 0
    section = report["markdown"].split("## Front door and children in need\n", 1)[1].split("\n## ", 1)[0]
    sentences = [line for line in section.splitlines() if line]
    expected = [
        f"In January 2014, {january['referrals']} referrals were received"
        + (f", against {december['referrals']} in December 2013." if december["referrals"] is not None else "."),
        f"In February 2014 so far (the weeks to 10 February 2014), {february['referrals']} referrals have been"
        " received.",
        f"{percent(january['re_referrals_12m'], january['referrals'])}% ({january['re_referrals_12m']} of"
        f" {january['referrals']}) of the referrals in January 2014 were re-referrals",
        f"Of the {january['assessments_completed']} assessments completed in January 2014,"
        f" {january['assessments_within_45wd']}"
        f" ({percent(january['assessments_within_45wd'], january['assessments_completed'])}%)",
        f"Of the {january['icpcs']} initial child protection conferences held in January 2014,"
        f" {january['icpcs_within_15wd']} ({percent(january['icpcs_within_15wd'], january['icpcs'])}%)",
        "As of 10 February 2014, ",
        f"In January 2014, {january['cin_plan_step_downs']} child in need plan",
    ]
    assert len(sentences) == len(expected), section
    for sentence, start in zip(sentences, expected, strict=True):
        assert sentence.startswith(start), (sentence, start)
        assert re.sub(r"\[\^\d+\]", "", sentence) in report["stdout"]
        marks = re.findall(r"\[\^(\d+)\]", sentence)
        assert marks, sentence
        for mark in marks:
            assert re.search(rf"^\[\^{mark}\]: reporting\.cin_weekly\.", report["markdown"], re.MULTILINE)
    assert (
        f"reporting.cin_weekly.referrals (la_code 309, summed over the weeks with as_at {january['first']} to"
        f" {january['last']})" in report["markdown"]
    )
    assert "reporting.cin_weekly.children_on_cin_plan (la_code 309, as_at 2014-02-10)" in report["markdown"]


def test_the_weekly_email_states_the_front_door_of_the_week(demo_weeks):
    import psycopg

    with psycopg.connect(demo_weeks["url"]) as conn:
        referrals, re_referrals, completed, in_time, on_plan = conn.execute(
            "select referrals, re_referrals_12m, assessments_completed, assessments_within_45wd,"
            " children_on_cin_plan from reporting.cin_weekly where la_code = '309' and as_at = %s",
            [AS_AT],
        ).fetchone()
    (email,) = demo_weeks["runs"][AS_AT]["emails"]
    text = body_text(email)
    assert f"309 {AS_AT}: {referrals} referrals ({re_referrals} re-referrals within 12 months)," in text
    assert f" {in_time} of {completed} assessments within 45 working days," in text
    assert f" {on_plan} children on a CIN plan (" in text


def test_the_report_holds_no_key_id_name_or_date_of_birth(report):
    text = report["markdown"] + report["html"]
    assert not re.search(r"[0-9a-f]{64}", text), "a pseudonymous key"
    values = identifying_values(report["landing"])
    for column in ("CHILD", "UPN", "HOME_POST", "PL_POST"):
        for value in values[column]:
            assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", text), (column, value)
    for dob in values["DOB"]:
        assert dob not in text


def test_the_demo_audit_gives_the_reports_percentages_without_faking_74():
    percentages = {
        question.text: (question.pct_met, question.yes, question.applicable) for question in demo_audit.QUESTIONS
    }
    assert percentages["The protection plan was clear"] == (80, 8, 10)
    assert percentages["Information sharing was good"] == (72, 13, 18)
    assert {pct for pct, _yes, _applicable in percentages.values()} == {72, 67, 80, 90, 89}


def test_qa_headlines_states_each_figure_with_its_comparison(demo_weeks):
    import psycopg

    with psycopg.connect(demo_weeks["url"]) as conn:
        statements = dict(
            conn.execute(
                "select measure, statement from reporting.qa_headlines where la_code = '309' and as_at = %s", [AS_AT]
            ).fetchall()
        )
    assert statements["children_on_plan"] == (
        "As at 10 February 2014, 192 children were subject to a child protection plan (up 4 on the previous week)."
    )
    assert statements["children_looked_after"] == (
        "As at 10 February 2014, 533 children were looked after (up 2 on the previous week)."
    )
    assert statements["turning_18_next_months"].startswith("As at 10 February 2014, 40 looked-after young people")
    audit = statements["audit:Domestic abuse:the_protection_plan_was_clear"]
    assert audit == (
        "The protection plan was clear in 80% (8:10) of the cases it applied to, in the domestic abuse "
        "audit of February 2014."
    )
    assert re.fullmatch(
        r"As at 10 February 2014, \d+ referrals were received in the week( \(.*\))?\.", statements["referrals"]
    )
    assert re.fullmatch(
        r"As at 10 February 2014, \d+% \(\d+ of \d+\) of the assessments completed in the week were within 45"
        r" working days( \(.*\))?\.",
        statements["pct_assessments_within_45wd"],
    )
    assert {"re_referrals_12m", "children_on_cin_plan", "cin_plan_step_downs"} <= statements.keys()


def test_reports_drawn_together_are_the_reports_drawn_one_by_one(report, demo_weeks, tmp_path):
    """The weekly run's draft_reports reads every authority's figures at once (report.write_reports);
    what it writes is what `csc report` writes, and an authority with nothing published fails the
    drafting, naming it, after the others are drawn."""
    from csc_warehouse.report import ReportsNotDrawn, write_reports

    with pytest.raises(ReportsNotDrawn, match="authorities 999 were not drawn"):
        write_reports(["999", "309"], AS_AT, out_dir=tmp_path, url=demo_weeks["url"])

    assert (tmp_path / f"309-{AS_AT}" / "report.md").read_text() == report["markdown"]
    assert (tmp_path / f"309-{AS_AT}" / "report.html").read_text() == report["html"]
