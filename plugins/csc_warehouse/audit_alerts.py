"""The weekly email's "Audit programme" section, from the published audit_programme_status and
audit_actions_status (contract 1.5 and 2).

For each authority: the audits of its programme due in the month of its newest as_at (not done yet),
then the audits and actions that became overdue since the last run, each with its lead. An overdue
audit or action is named in full once, then said to persist, as a failed check is (alert_repeats).
Nothing about children: themes, months, action ids, due dates and the leads (members of staff) only,
never an action's free text, which might name a family.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from csc_warehouse import alert_repeats, warehouse

TABLES = ("audit_programme_status", "audit_actions_status")


@dataclass(frozen=True)
class Overdue:
    """An overdue audit of the programme or an overdue action, as the email names it."""

    la_code: str
    as_at: date
    kind: str  # "audit" or "action": the fingerprint's first word
    identity: tuple  # what makes it the same audit or action next week
    described: str

    @property
    def fingerprint(self) -> str:
        identity = json.dumps([f"overdue {self.kind}", self.la_code, *self.identity], default=str)
        return hashlib.sha256(identity.encode()).hexdigest()


def audit_programme(conn) -> list[str]:
    """The section's lines; none when no authority's programme or actions are published. Each
    authority's statuses are as at its newest as_at (the marts' as_at), whatever the run's as_at."""
    published = warehouse.published_tables(conn, TABLES)
    if not published:
        return []
    due = _due_this_month(conn) if "audit_programme_status" in published else []
    overdue = (_overdue_audits(conn) if "audit_programme_status" in published else []) + (
        _overdue_actions(conn) if "audit_actions_status" in published else []
    )
    if not (due or overdue) and not _anything_listed(conn, published):
        return []
    lines = ["", "Audit programme:"]
    lines += due
    for item in overdue:
        first = alert_repeats.reported_before(
            conn, item.fingerprint, item.la_code, f"overdue {item.kind}", item.as_at.isoformat()
        )
        if first is None:
            lines.append(f"  {item.la_code} became overdue: {item.described}.")
        else:
            since = first.as_at.isoformat() if first.as_at else "an earlier run"
            lines.append(f"  {item.la_code} persists: {item.described} (overdue since the week of {since}).")
    if len(lines) == 2:
        lines.append("  No audit is due this month and none is overdue.")
    return lines


def _anything_listed(conn, published: set[str]) -> bool:
    return any(conn.execute(f"select exists (select from reporting.{name})").fetchone()[0] for name in published)


def _due_this_month(conn) -> list[str]:
    rows = conn.execute(
        "select la_code, audit_theme, planned_month, sample_size, lead, cases_audited"
        " from reporting.audit_programme_status"
        " where planned_month = date_trunc('month', as_at)::date and status in ('due', 'in progress')"
        " order by la_code, audit_theme"
    ).fetchall()
    return [
        f"  {la_code} due this month ({month:%B %Y}): the {theme.lower()} audit"
        f" ({_cases(cases, sample)}; lead {lead or 'not named'})."
        for la_code, theme, month, sample, lead, cases in rows
    ]


def _overdue_audits(conn) -> list[Overdue]:
    rows = conn.execute(
        "select la_code, as_at, audit_theme, planned_month, sample_size, lead, cases_audited"
        " from reporting.audit_programme_status where status = 'overdue' order by la_code, planned_month, audit_theme"
    ).fetchall()
    return [
        Overdue(
            la_code,
            as_at,
            "audit",
            (theme.lower(), month),
            f"the {theme.lower()} audit planned for {month:%B %Y}, {_cases(cases, sample)}"
            f" (lead {lead or 'not named'})",
        )
        for la_code, as_at, theme, month, sample, lead, cases in rows
    ]


def _overdue_actions(conn) -> list[Overdue]:
    rows = conn.execute(
        "select la_code, as_at, audit_theme, audit_period, action_id, due_date, lead"
        " from reporting.audit_actions_status where overdue order by la_code, due_date, audit_theme, action_id"
    ).fetchall()
    return [
        Overdue(
            la_code,
            as_at,
            "action",
            (theme.lower(), period, action_id),
            f"action {action_id} of the {theme.lower()} audit of {period:%B %Y}, due {_long_date(due)}"
            f" (lead {lead or 'not named'})",
        )
        for la_code, as_at, theme, period, action_id, due, lead in rows
    ]


def _cases(cases: int, sample: int | None) -> str:
    if sample is None:
        return f"{cases} cases returned, no sample size in the programme"
    return f"{cases} of {sample} cases returned"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
