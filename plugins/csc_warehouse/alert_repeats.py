"""Said once, then said to persist: what the run email reported in full, and when (dq.alert_fingerprints).

A finding (a failed check on the same records, an audit or an action that became overdue) is
reported in full the first time, then only said to persist, for CSC_ALERT_REPEAT_DAYS days; after
that it is reported in full again. The caller gives each finding a fingerprint of what makes it the
same finding next week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from csc_warehouse import settings


@dataclass(frozen=True)
class FirstReported:
    """When a finding that persists was first reported in full."""

    as_at: date | None
    seen: datetime


def reported_before(conn, fingerprint: str, la_code: str | None, what: str, as_at: str | None) -> FirstReported | None:
    """When the finding was first reported, if it was reported in full within the repeat window (it
    persists); otherwise None, and it is recorded as reported in full now."""
    row = conn.execute(
        "select first_as_at, first_seen, last_reported > now() - make_interval(days => %s)"
        " from dq.alert_fingerprints where fingerprint = %s",
        [settings.alert_repeat_days(), fingerprint],
    ).fetchone()
    if row and row[2]:
        conn.execute("update dq.alert_fingerprints set last_seen = now() where fingerprint = %s", [fingerprint])
        return FirstReported(row[0], row[1])
    conn.execute(
        "insert into dq.alert_fingerprints (fingerprint, la_code, expectation, first_as_at)"
        " values (%s, %s, %s, %s)"
        " on conflict (fingerprint) do update set last_reported = now(), last_seen = now()",
        [fingerprint, la_code, what, as_at],
    )
    return None
