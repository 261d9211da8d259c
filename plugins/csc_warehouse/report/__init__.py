"""The committee report's data section, drafted from the published tables (`reporting` only).

`write_report` writes Markdown and HTML with SVG charts beside them. Every sentence names the
table, column, authority and as_at its figure comes from. The report carries no pseudonymous key,
child id, name or date of birth: only counts, percentages and dates of weeks. `write_reports`
drafts many authorities' reports (the weekly run's 150) from one reading of the figures.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from csc_warehouse import settings
from csc_warehouse.report import audit_text, charts, front_door_text, text
from csc_warehouse.report.figures import ReportFigures, read_figures_of

log = logging.getLogger(__name__)


class NothingPublished(LookupError):
    """The authority has no published weekly figures up to the as_at: there is nothing to report."""


class ReportsNotDrawn(RuntimeError):
    """Some authorities' reports failed; each one's error is in the log above."""


@dataclass
class WrittenReport:
    markdown: Path
    html: Path
    charts: list[Path]
    text: str


def _sections(figures: ReportFigures) -> list[tuple[str, list[tuple[str, list]]]]:
    return [
        ("Children subject to a child protection plan", text.child_protection(figures)),
        ("Looked-after children", text.looked_after(figures)),
        ("Front door and children in need", front_door_text.front_door(figures)),
        ("Case audits", audit_text.audits(figures) or [("No case audit has been published for this period.", [])]),
    ]


def write_report(la_code: str, as_at: date, *, out_dir: Path | None = None, url: str | None = None) -> WrittenReport:
    return _written(read_figures_of([la_code], as_at, url=url)[la_code], out_dir)


def write_reports(
    la_codes: Sequence[str], as_at: date, *, out_dir: Path | None = None, url: str | None = None
) -> list[Path]:
    """Each authority's report (its Markdown's path, in the order of `la_codes`), its figures read
    for all of them at once. Every authority is tried; any that failed are named at the end."""
    of = read_figures_of(la_codes, as_at, url=url)
    written: list[Path] = []
    failed: list[str] = []
    for la_code in la_codes:
        try:
            written.append(_written(of[la_code], out_dir).markdown)
        except Exception:
            log.exception("the report of authority %s as at %s was not drawn", la_code, as_at)
            failed.append(la_code)
    if failed:
        raise ReportsNotDrawn(f"the reports of authorities {', '.join(failed)} were not drawn; see the errors above")
    return written


def _written(figures: ReportFigures, out_dir: Path | None) -> WrittenReport:
    la_code, as_at = figures.la_code, figures.as_at
    if not (figures.children_on_plan or figures.children_looked_after):
        raise NothingPublished(
            f"nothing is published for authority {la_code} up to {as_at.isoformat()}"
            " (reporting.cp_weekly and reporting.lac_weekly hold no week of it)"
        )
    folder = (out_dir or settings.report_dir()) / f"{la_code}-{as_at.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    drawn = [
        charts.weekly_counts(figures, folder / "children_by_week.svg"),
        charts.brief_returns(figures, folder / "brief_returns_by_week.svg"),
        charts.audit_results(figures, folder / "audit_results.svg"),
        charts.front_door(figures, folder / "front_door_by_week.svg"),
    ]
    sections = _sections(figures)

    title = f"Quality assurance report: data section, authority {la_code}, as at {text.long_date(as_at)}"
    markdown = [
        f"# {title}",
        "",
        "Drafted by the warehouse from the published tables; check before it goes to committee.",
        "",
    ]
    footnotes: list[str] = []
    for heading, sentences in sections:
        markdown += [f"## {heading}", ""]
        for sentence, sources in sentences:
            marks = ""
            for source in sources:
                footnotes.append(str(source))
                marks += f"[^{len(footnotes)}]"
            markdown.append(f"{sentence}{marks}")
        markdown.append("")
    markdown += ["## Charts", ""] + [f"![{path.stem.replace('_', ' ')}]({path.name})" for path in drawn] + [""]
    markdown += ["## Sources", ""] + [f"[^{number}]: {note}" for number, note in enumerate(footnotes, start=1)]
    markdown_text = "\n".join(markdown) + "\n"

    md_path = folder / "report.md"
    md_path.write_text(markdown_text)
    html_path = folder / "report.html"
    html_path.write_text(_html(title, sections, drawn))
    log.info("wrote the report for %s as at %s to %s", la_code, as_at, folder)
    plain = "\n".join(sentence for _heading, sentences in sections for sentence, _ in sentences)
    return WrittenReport(markdown=md_path, html=html_path, charts=drawn, text=plain)


def _html(title: str, sections, drawn: list[Path]) -> str:
    parts = [
        f"<html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        "<body style='font-family: sans-serif; max-width: 50em'>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for heading, sentences in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for sentence, sources in sentences:
            # A sentence saying nothing was published has no source to name: no empty brackets after it.
            where = "; ".join(str(source) for source in sources)
            cited = f" <small style='color:#666'>[{html.escape(where)}]</small>" if sources else ""
            parts.append(f"<p>{html.escape(sentence)}{cited}</p>")
    parts.append("<h2>Charts</h2>")
    parts += [f"<p><img src='{path.name}' alt='{path.stem}' style='max-width: 100%'></p>" for path in drawn]
    parts.append("</body></html>")
    return "\n".join(parts)
