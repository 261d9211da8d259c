"""The committee report's "Case audits" section, in the words of a monthly quality-assurance report:
the audits done this month with their cases and the agencies that took part; each theme's latest audit
question by question, its agencies' findings where they differ, and its progress since the theme's
previous audit; the programme's overdue audits and its next three months; the open and overdue actions
by lead. Each sentence cites the published table it comes from.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from csc_warehouse.report.audit_figures import AgencyFinding, AuditAction, PlannedAudit
from csc_warehouse.report.figures import AuditFinding, ReportFigures

Sentences = list[tuple[str, list]]
CHILDRENS_SERVICES = "CSC"  # the agency of a return without an agency column (contract 1.5)
NEXT_MONTHS = 3


def audits(figures: ReportFigures) -> Sentences:
    """[(sentence, its sources)]; empty when nothing of the audits is published."""
    themes: dict[tuple[str, date], list[AuditFinding]] = {}
    for finding in figures.audits:
        themes.setdefault((finding.theme, finding.period), []).append(finding)
    sentences = _done_this_month(figures, themes) if themes else []
    for (theme, period), findings in themes.items():
        agencies = [a for a in figures.audit_agencies if (a.theme, a.period) == (theme, period)]
        sentences += _theme(theme, period, findings, agencies)
    return sentences + _programme(figures) + _actions(figures.audit_actions)


def _agencies_of(agencies: list[AgencyFinding]) -> list[str]:
    return sorted({agency.agency for agency in agencies})


def _cases(findings: list[AuditFinding]) -> int:
    return max(finding.cases or finding.applicable for finding in findings)


def _done_this_month(figures: ReportFigures, themes: dict[tuple[str, date], list[AuditFinding]]) -> Sentences:
    this_month = [
        (theme, findings)
        for (theme, period), findings in themes.items()
        if (period.year, period.month) == (figures.as_at.year, figures.as_at.month)
    ]
    month = f"{figures.as_at:%B %Y}"
    if not this_month:
        return [(f"No case audit was done in {month}.", [])]
    parts, sources = [], []
    for theme, findings in this_month:
        by_agency = [a for a in figures.audit_agencies if (a.theme, a.period) == (theme, findings[0].period)]
        agencies = _agencies_of(by_agency)
        took_part = (
            f", multi-agency: {_listed(agencies)}"
            if len(agencies) > 1
            else ", children's services"
            if agencies in ([], [CHILDRENS_SERVICES])
            else f", {agencies[0]}"
        )
        parts.append(f"the {theme.lower()} audit ({_cases(findings)} cases{took_part})")
        sources += [findings[0].source] + ([by_agency[0].source] if len(agencies) > 1 else [])
    count = "one audit was" if len(parts) == 1 else f"{len(parts)} audits were"
    return [(f"In {month}, {count} done: {_listed(parts)}.", sources)]


def _theme(theme: str, period: date, findings: list[AuditFinding], agencies: list[AgencyFinding]) -> Sentences:
    name, cases = theme.lower(), _cases(findings)
    sentences: Sentences = [(f"The {name} audit of {period:%B %Y} looked at {cases} cases.", [findings[0].source])]
    agency_names = _agencies_of(agencies)
    if len(agency_names) > 1:
        sentences.append(
            (
                f"It was a multi-agency audit: {_listed(agency_names)} each audited the same {cases} cases"
                " from their own side.",
                [agencies[0].source],
            )
        )
    for finding in findings:
        sentences.append(
            (
                f"{finding.question_text} in {finding.pct_met}% ({finding.ratio}) of the cases it applied to.",
                [finding.source],
            )
        )
    for question_id in dict.fromkeys(agency.question_id for agency in agencies):
        answers = [agency for agency in agencies if agency.question_id == question_id]
        if len({agency.pct_met for agency in answers}) > 1:
            by_agency = ", ".join(f"{a.agency} {a.pct_met}% ({a.ratio})" for a in answers)
            sentences.append((f"{answers[0].question_text}, by agency: {by_agency}.", [answers[0].source]))
    for finding in findings:
        if finding.previous_pct_met is not None and finding.pct_met is not None:
            sentences.append((_progress(name, finding), [finding.source]))
    return sentences


def _progress(theme: str, finding: AuditFinding) -> str:
    # The question text is a statement ("Information sharing was good"): the figure follows it, as in the
    # audit's own sentence, and the change after it.
    before, now = int(finding.previous_pct_met), int(finding.pct_met)
    moved = f"up from {before}%" if now > before else f"down from {before}%" if now < before else "as before"
    question = finding.question_text[:1].lower() + finding.question_text[1:]
    return f"Progress since the previous {theme} audit: {question} in {now}% of cases, {moved}."


def _programme(figures: ReportFigures) -> Sentences:
    planned = figures.planned_audits
    if not planned:
        return []
    sentences: Sentences = []
    overdue = [audit for audit in planned if audit.status == "overdue"]
    if overdue:
        count = "One audit of the programme is" if len(overdue) == 1 else f"{len(overdue)} audits of the programme are"
        sentences.append(
            (
                f"{count} overdue: " + _listed([_planned(audit, returned=True) for audit in overdue]) + ".",
                [audit.source for audit in overdue],
            )
        )
    first = date(figures.as_at.year, figures.as_at.month, 1)
    months = [_add_months(first, n) for n in range(1, NEXT_MONTHS + 1)]
    coming = [audit for audit in planned if audit.planned_month in months]
    span = f"{months[0]:%B} to {months[-1]:%B %Y}"
    if coming:
        sentences.append(
            (
                f"The audit programme for the next three months ({span}) plans "
                + _listed([f"{_planned(audit, returned=False)} in {audit.planned_month:%B %Y}" for audit in coming])
                + ".",
                [coming[0].source],
            )
        )
    else:
        sentences.append(
            (f"The audit programme plans no audit in the next three months ({span}).", [planned[0].source])
        )
    return sentences


def _planned(audit: PlannedAudit, *, returned: bool) -> str:
    sample = f"{audit.sample_size} cases" if audit.sample_size is not None else "no sample size given"
    if returned:
        sample = f"planned for {audit.planned_month:%B %Y}, {audit.cases_audited} of {sample} returned"
    return f"the {audit.theme.lower()} audit ({sample}, lead {audit.lead or 'not named'})"


def _actions(actions: list[AuditAction]) -> Sentences:
    if not actions:
        return []
    open_actions = [action for action in actions if action.status == "open"]
    if not open_actions:
        return [(f"All {len(actions)} audit actions are done.", [actions[0].source])]
    overdue = sum(action.overdue for action in open_actions)
    open_by_lead = Counter(action.lead or "no lead named" for action in open_actions)
    overdue_by_lead = Counter(action.lead or "no lead named" for action in open_actions if action.overdue)
    by_lead = "; ".join(
        f"{lead} {count}" + (f" ({overdue_by_lead[lead]} overdue)" if overdue_by_lead[lead] else "")
        for lead, count in sorted(open_by_lead.items())
    )
    count = "One audit action is open" if len(open_actions) == 1 else f"{len(open_actions)} audit actions are open"
    of_them = f", {overdue} of them overdue" if overdue else ", none overdue"
    return [(f"{count}{of_them}. Open actions by lead: {by_lead}.", [actions[0].source])]


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _add_months(first: date, months: int) -> date:
    month = first.month - 1 + months
    return date(first.year + month // 12, month % 12 + 1, 1)
