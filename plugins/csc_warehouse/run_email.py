"""The weekly run's one email: whether this week's figures can be used, in one look.

Each authority's delivery and its outcome, each failed check with its severity, DfE rule, count,
what it means and what to do, example pseudonymous keys, then the headline figures, each
authority's return readiness (the DfE return rules its delivery breaks) and the audit programme
(audit_alerts). The flagged records go as a CSV of keys and dates, the records breaking return rules
as another, by key and row. An unchanged failure on the same records is reported in full once and
then only said to persist, for CSC_ALERT_REPEAT_DAYS days (alert_repeats).
The email never carries names, dates of birth, postcodes, UPNs or the authority's own child ids.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from email.message import EmailMessage

from csc_warehouse import alert_repeats, alerts, audit_alerts, return_readiness, warehouse
from csc_warehouse.alert_repeats import FirstReported
from csc_warehouse.handoffs import CheckResult, DeliveryLine, HeadlineFigure, RunSummary, Scope, Severity
from csc_warehouse.handoffs.returns import ReturnReadiness, RuleReadiness
from csc_warehouse.statuses import VersionStatus

EXAMPLE_KEYS = 10
# Next week's full snapshot shows the same records under another version and other row numbers.
VOLATILE_RECORD_FIELDS = {"delivery_version_id", "source_row", "source_file"}
REJECTED_OUTCOMES = (VersionStatus.QUARANTINED, VersionStatus.REJECTED)
RETURN_ERRORS_ATTACHMENT = "return_errors.csv"


def summary_message(run: RunSummary, *, url: str | None = None) -> EmailMessage:
    failed = run.failed_checks
    warned = any(check.severity is Severity.WARN for check in failed)
    state = "FAILED" if run.failed else "published with warnings" if warned else "published"
    with warehouse.connect(url) as conn:
        persisting = _persisting(conn, failed, run.as_at)
        attachment = _flagged_records_csv(conn, failed)
        audit_programme = audit_alerts.audit_programme(conn)
        return_errors = return_readiness.flagged_records(conn, run.return_readiness)

    text = [f"Weekly run for as_at {run.as_at}: {state}."]
    if run.failed:
        text.append("Do not use this week's figures for the authorities below that were not published.")
    text += _deliveries(run)
    text += _failed_checks(failed, persisting)
    text += _headline_figures(run.figures)
    text += _return_readiness(run.return_readiness)
    text += audit_programme
    if run.errors:
        text += ["", "Why the run failed:"] + [f"  {error}" for error in run.errors]
    for report in run.reports:
        text += ["", f"Committee report drafted: {report}"]
    if run.data_docs:
        text += ["", f"Data Docs (every check and its result): {run.data_docs}"]
    if attachment:
        text += ["", "The flagged records are attached (flagged_records.csv: pseudonymous keys and dates only)."]
    if return_errors:
        text += ["", _return_errors_attached(return_errors)]

    message = alerts.message(f"[CSC warehouse] Weekly run {run.as_at}: {state}", "\n".join(text) + "\n")
    if attachment:
        message.add_attachment(attachment.encode(), maintype="text", subtype="csv", filename="flagged_records.csv")
    if return_errors:
        message.add_attachment(
            return_errors.csv.encode(), maintype="text", subtype="csv", filename=RETURN_ERRORS_ATTACHMENT
        )
    return message


# -- the sections --------------------------------------------------------------------------------


def _deliveries(run: RunSummary) -> list[str]:
    warned = [check for check in run.failed_checks if check.severity is Severity.WARN]
    warned_versions = {check.delivery_version_id for check in warned}
    warned_las = {la_code for check in warned for la_code in check.failing_la_codes}
    lines = ["", "Deliveries:"]
    if not run.deliveries:
        lines.append("  none arrived in the week of as_at")
    for delivery in run.deliveries:
        outcome = _outcome(delivery, warned_versions, warned_las, published=bool(run.published))
        loaded_before = " (loaded before; unchanged)" if delivery.already_loaded else ""
        reason = f": {delivery.reason}" if delivery.reason and outcome in REJECTED_OUTCOMES else ""
        lines.append(
            f"  {delivery.la_code} {delivery.extract_date} version {delivery.delivery_version_id}:"
            f" {outcome}{loaded_before}{reason}"
        )
    if run.kept_la_codes:
        lines.append("  Published figures kept as they were for: " + ", ".join(run.kept_la_codes))
    return lines


def _outcome(delivery: DeliveryLine, warned_versions: set, warned_las: set, *, published: bool) -> str:
    if delivery.status == VersionStatus.ACCEPTED and published:
        warned = delivery.delivery_version_id in warned_versions or delivery.la_code in warned_las
        return "published with warnings" if warned else "published"
    return delivery.status


def _failed_checks(failed: tuple[CheckResult, ...], persisting: dict[int, FirstReported]) -> list[str]:
    lines = ["", "Failed checks:" if failed else "All quality checks passed."]
    order = sorted(
        range(len(failed)),
        key=lambda i: (failed[i].severity is not Severity.BLOCK, failed[i].la_code or "", failed[i].expectation),
    )
    for index in order:
        check = failed[index]
        if check.delivery_version_id:
            where = f"{check.la_code} version {check.delivery_version_id} "
        else:
            where = f"{', '.join(check.failing_la_codes)} " if check.failing_la_codes else ""
        rule = f" (DfE rule {check.rule})" if check.rule else ""
        count = f"errored: {check.error}" if check.errored else f"{check.unexpected_count or 0} rows"
        lines.append(f"  [{check.severity}] {where}{check.table}.{check.expectation}{rule}: {count}.")
        if index in persisting:
            first = persisting[index]
            lines.append(
                f"      Persists unchanged since the week of {first.as_at or 'an earlier run'}"
                f" (reported in full on {first.seen:%d %B %Y})."
            )
            continue
        lines.append(f"      What it means: {check.meaning or check.why}")
        if check.action:
            lines.append(f"      What to do: {check.action}")
        if check.example_keys:
            lines.append(f"      Example child keys: {', '.join(check.example_keys[:EXAMPLE_KEYS])}")
    return lines


def _headline_figures(figures: tuple[HeadlineFigure, ...]) -> list[str]:
    if not figures:
        return []
    lines = ["", "Headline figures:"]
    for figure in figures:
        if figure.children_looked_after is not None:
            change = figure.change_vs_previous
            lines.append(
                f"  {figure.la_code} {figure.as_at}: {figure.children_looked_after} children looked after"
                f" ({'no previous week' if change is None else f'{change:+d} on the previous week'}),"
                f" {figure.lac_starts} started, {figure.lac_ceased} ceased"
            )
        if figure.children_on_plan is not None:
            change = figure.cp_change_vs_previous
            since = "no previous week" if change is None else f"{change:+d} on the previous week"
            lines.append(
                f"  {figure.la_code} {figure.as_at}: {figure.children_on_plan} children on a"
                f" child protection plan ({since})"
            )
        if figure.referrals is not None:
            lines.append(f"  {figure.la_code} {figure.as_at}: {_front_door(figure)}")
    return lines


def _front_door(figure: HeadlineFigure) -> str:
    """The week's front door in one line: referrals, timescales (as "in time of all"), CIN plans."""
    return (
        f"{figure.referrals} referrals ({figure.re_referrals_12m} re-referrals within 12 months),"
        f" {figure.assessments_within_45wd} of {figure.assessments_completed} assessments within 45 working days,"
        f" {figure.icpcs_within_15wd} of {figure.icpcs} ICPCs within 15 working days,"
        f" {figure.children_on_cin_plan} children on a CIN plan ({figure.cin_plan_step_downs} stepped down"
        " from child protection this week)"
    )


def _return_readiness(readiness: tuple[ReturnReadiness, ...]) -> list[str]:
    if not readiness:
        return []
    lines = ["", "Return readiness (the DfE return rules each delivery breaks, from reporting.return_readiness):"]
    for delivery in readiness:
        where = f"  {delivery.la_code} {delivery.as_at} {delivery.return_type} (ruleset {delivery.ruleset})"
        if not delivery.published:
            lines.append(
                f"{where}: not published, its authority's figures were kept as they were;"
                f" {delivery.findings} flagged records in dq.return_errors"
            )
        elif not delivery.rules_broken:
            lines.append(f"{where}: no rule broken")
        else:
            lines.append(f"{where}: {delivery.findings} records break {_rules(delivery.rules_broken)}")
            lines += [f"    {_rule_line(rule)}" for rule in delivery.rules]
            if delivery.more_rules:
                lines.append(f"    and {_rules(delivery.more_rules, 'more ')}")
        if delivery.rules_failed:
            lines.append(f"    The validator could not run rule(s) {', '.join(delivery.rules_failed)} on it.")
    return lines


def _rules(count: int, more: str = "") -> str:
    return f"{count} {more}rule{'s' if count != 1 else ''}"


def _rule_line(rule: RuleReadiness) -> str:
    if rule.new_children is None:
        change = "the first delivery checked"
    else:
        change = f"{rule.new_children} new, {rule.resolved_children} resolved since the previous delivery"
    children = f"{rule.children} child{'ren' if rule.children != 1 else ''}"
    return f"rule {rule.rule_code}: {children} ({change}), {rule.records} records. {rule.rule_message}"


def _return_errors_attached(records: return_readiness.FlaggedRecords) -> str:
    attached = (
        f"all {records.total}"
        if records.rows == records.total
        else f"the first {records.rows} of {records.total} (the rules with most children first; the rest are in"
        " dq.return_errors)"
    )
    return (
        f"The records breaking DfE return rules are attached ({RETURN_ERRORS_ATTACHMENT}, {attached}: rule, table,"
        " row in the delivered file, pseudonymous child key and the fields the rule names)."
    )


# -- said once, then said to persist -------------------------------------------------------------


def _fingerprint(conn, check: CheckResult) -> str:
    """The same failure on the same records: same check, same authority, same flagged records.

    Delivery checks see the same records again in next week's full snapshot, so the version and
    row numbers are left out; a mart check's finding belongs to its week, so its as_at is kept.
    The identity's shape is what dq.alert_fingerprints already holds: keep it."""
    records = sorted(
        json.dumps(
            [key, {k: v for k, v in (record or {}).items() if k not in VOLATILE_RECORD_FIELDS}],
            sort_keys=True,
            default=str,
        )
        for key, record in conn.execute(
            "select child_key, record from dq.flagged_records where validation_id = %s", [check.validation_id]
        )
    )
    identity = json.dumps(
        [
            check.la_code,
            check.failing_la_codes,
            check.suite,
            check.expectation,
            check.unexpected_count,
            check.as_at if check.scope is Scope.MART else None,
            records,
        ]
    )
    return hashlib.sha256(identity.encode()).hexdigest()


def _persisting(conn, failed: tuple[CheckResult, ...], as_at: str | None) -> dict[int, FirstReported]:
    """The failures (by position) reported in full within the repeat window; the others are recorded
    as reported now."""
    persisting = {}
    for index, check in enumerate(failed):
        first = alert_repeats.reported_before(conn, _fingerprint(conn, check), check.la_code, check.expectation, as_at)
        if first is not None:
            persisting[index] = first
    return persisting


def _flagged_records_csv(conn, failed: tuple[CheckResult, ...]) -> str | None:
    ids = [check.validation_id for check in failed if check.validation_id]
    if not ids:
        return None
    rows = conn.execute(
        "select v.la_code, f.la_code, v.rule_code, v.expectation, v.severity, f.child_key, f.record"
        " from dq.flagged_records f join dq.validations v using (validation_id)"
        " where validation_id = any(%s) order by v.severity, v.expectation, f.child_key",
        [ids],
    ).fetchall()
    if not rows:
        return None
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["la_code", "rule", "check", "severity", "child_key", "dates"])
    for version_la, record_la, rule, expectation, severity, key, record in rows:
        dates = {k: v for k, v in (record or {}).items() if isinstance(v, str) and _looks_like_date(v)}
        writer.writerow(
            [
                record_la or version_la,
                rule or "",
                expectation,
                severity,
                key or "",
                "; ".join(f"{k}={v}" for k, v in sorted(dates.items())),
            ]
        )
    return out.getvalue()


def _looks_like_date(value: str) -> bool:
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return False
    return len(value) == 10
