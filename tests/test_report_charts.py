"""The committee report's charts, drawn as SVG from figures alone (no warehouse needed)."""

from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree

from csc_warehouse.report import charts
from csc_warehouse.report.figures import AuditFinding, ReportFigures, Source, Weekly

AS_AT = date(2015, 1, 5)
SVG = "{http://www.w3.org/2000/svg}"


def a_year_of_weeks(first_value: int) -> list[Weekly]:
    """53 Mondays to AS_AT, the values counting up from first_value, so each week's label is its own."""
    mondays = [AS_AT - timedelta(weeks=back) for back in range(52, -1, -1)]
    return [
        Weekly(day, first_value + number, Source("lac_weekly", "x", "309", day)) for number, day in enumerate(mondays)
    ]


def labels(path) -> list[str]:
    return [text.text for text in ElementTree.parse(path).iter(f"{SVG}text")]


def test_a_weekly_chart_shows_the_13_weeks_to_the_as_at_each_labelled(tmp_path):
    figures = ReportFigures(
        "309", AS_AT, children_on_plan=a_year_of_weeks(100), children_looked_after=a_year_of_weeks(500)
    )

    chart = charts.weekly_counts(figures, tmp_path / "children_by_week.svg")

    shown = labels(chart)
    assert len(list(ElementTree.parse(chart).iter(f"{SVG}circle"))) == 2 * 13
    assert {"140", "141", "152", "540", "541", "552"} <= set(shown)  # the 13th week back, the 12th, the as_at's
    assert not {"139", "101", "539", "501"} & set(shown)  # earlier weeks
    assert {"13 Oct", "8 Dec", "5 Jan"} <= set(shown)  # every Monday named under the axis


def test_a_chart_with_nothing_published_says_so_instead_of_an_empty_frame(tmp_path):
    figures = ReportFigures("309", AS_AT, children_on_plan=a_year_of_weeks(100))

    assert "not published" in labels(charts.weekly_counts(figures, tmp_path / "children_by_week.svg"))
    assert "not published" in labels(charts.brief_returns(figures, tmp_path / "brief_returns_by_week.svg"))
    assert "not published" in labels(charts.audit_results(figures, tmp_path / "audit_results.svg"))


def test_an_audit_bar_states_its_percentage_and_ratio(tmp_path):
    pct_met = Decimal("80")  # audit_results.pct_met is numeric
    finding = AuditFinding(
        "Domestic abuse", AS_AT, "The protection plan was clear", 8, 10, pct_met, "8:10", Source("a", "b", "309")
    )
    figures = ReportFigures("309", AS_AT, audits=[finding])

    shown = labels(charts.audit_results(figures, tmp_path / "audit_results.svg"))

    assert "The protection plan was clear" in shown and "80% (8:10)" in shown
