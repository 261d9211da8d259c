"""What the weekly run's email says of the DfE return checks: each authority's delivery of the week with
the rules it breaks, as reporting.return_readiness publishes them (the five with most children first),
and the records they flag by child key (dq.return_errors) as a CSV attachment. Pseudonymous keys only:
the child's own id never leaves raw.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from csc_warehouse import warehouse
from csc_warehouse.handoffs import DeliveryLine
from csc_warehouse.handoffs.returns import ReturnReadiness, RuleReadiness
from csc_warehouse.statuses import VersionStatus

# The rules the email names per authority; the rest are counted ("and 7 more rules") and in the attachment.
RULES_NAMED = 5
# A national week flags hundreds of thousands of records (the validator's fake return alone 64,195, about
# 7 MB of CSV), and a mail server refuses a message over its size limit (often 10-25 MB): the email would
# stay in the outbox and fail every later run too. The rest are in dq.return_errors; the email says so.
ATTACHMENT_MAX_ROWS = 20_000
ATTACHMENT_COLUMNS = [
    "la_code",
    "as_at",
    "return",
    "rule_code",
    "table",
    "row_in_delivered_file",
    "child_key",
    "affected_fields",
]


@dataclass(frozen=True)
class FlaggedRecords:
    """The attachment: the records in email order, and how many there are in all."""

    csv: str
    rows: int
    total: int


def for_run(
    deliveries: Iterable[DeliveryLine], kept_la_codes: Iterable[str], *, url: str | None = None
) -> list[ReturnReadiness]:
    """Each accepted delivery of the run that a DfE return's rules ran on, with what return_readiness
    publishes for its authority and extract date. A kept authority's findings are not published this week."""
    newest: dict[tuple[str, str], DeliveryLine] = {}
    for delivery in deliveries:
        if delivery.status != VersionStatus.ACCEPTED or delivery.delivery_version_id is None:
            continue
        key = (delivery.la_code, delivery.extract_date)
        if key not in newest or delivery.delivery_version_id > newest[key].delivery_version_id:
            newest[key] = delivery
    if not newest:
        return []
    kept = set(kept_la_codes)
    with warehouse.connect(url) as conn:
        checks = conn.execute(
            "select delivery_version_id, return_type, la_code, extract_date::text, ruleset, findings, rules_failed"
            " from dq.return_checks where delivery_version_id = any(%s) order by la_code, extract_date, return_type",
            [[delivery.delivery_version_id for delivery in newest.values()]],
        ).fetchall()
        rules = _published_rules(conn, list(newest))
    return [
        ReturnReadiness(
            la_code=la_code,
            as_at=as_at,
            return_type=return_type,
            delivery_version_id=version,
            ruleset=ruleset,
            findings=findings,
            rules_broken=len(rules.get((la_code, as_at, return_type), [])),
            published=la_code not in kept,
            rules=tuple(rules.get((la_code, as_at, return_type), [])[:RULES_NAMED]),
            rules_failed=tuple(rules_failed),
        )
        for version, return_type, la_code, as_at, ruleset, findings, rules_failed in checks
    ]


def _published_rules(conn, wanted: list[tuple[str, str]]) -> dict[tuple[str, str, str], list[RuleReadiness]]:
    """reporting.return_readiness's rows for these authorities and as_at dates, most children first."""
    if not warehouse.published_tables(conn, ["return_readiness"]):
        return {}
    rules: dict[tuple[str, str, str], list[RuleReadiness]] = {}
    for la_code, as_at, return_type, *counts in conn.execute(
        "select r.la_code, r.as_at::text, r.return, r.rule_code, r.rule_message, r.records, r.children,"
        " r.new_children, r.resolved_children from reporting.return_readiness r"
        " join unnest(%s::text[], %s::date[]) as wanted (la_code, as_at) using (la_code, as_at)"
        " order by r.la_code, r.as_at, r.return, r.children desc, r.records desc, r.rule_code",
        [[la_code for la_code, _ in wanted], [as_at for _, as_at in wanted]],
    ):
        rules.setdefault((la_code, as_at, return_type), []).append(RuleReadiness(*counts))
    return rules


def flagged_records(conn, readiness: Iterable[ReturnReadiness]) -> FlaggedRecords | None:
    """The published findings' records by child key, in the email's order (authority, rules with most
    children first), at most ATTACHMENT_MAX_ROWS of them."""
    versions = [r.delivery_version_id for r in readiness if r.published and r.rules_broken]
    if not versions:
        return None
    total = conn.execute(
        "select count(*) from dq.return_errors where delivery_version_id = any(%s)", [versions]
    ).fetchone()[0]
    rows = conn.execute(
        "select e.la_code, c.extract_date::text, e.return_type, e.rule_code, e.table_name, e.row_number,"
        " e.child_key, array_to_string(e.affected_fields, ';')"
        " from dq.return_errors e join dq.return_checks c using (delivery_version_id, return_type)"
        " left join reporting.return_readiness r on r.la_code = e.la_code and r.as_at = c.extract_date"
        "   and r.return = e.return_type and r.rule_code = e.rule_code"
        " where e.delivery_version_id = any(%s)"
        " order by e.la_code, c.extract_date, e.return_type, r.children desc nulls last, r.records desc nulls last,"
        "   e.rule_code, e.table_name, e.row_number, e.child_key"
        " limit %s",
        [versions, ATTACHMENT_MAX_ROWS],
    ).fetchall()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ATTACHMENT_COLUMNS)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return FlaggedRecords(out.getvalue(), len(rows), total)
