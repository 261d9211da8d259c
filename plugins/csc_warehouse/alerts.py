"""Alerts the performance team acts on, sent through the Airflow SMTP connection `smtp_default`.

One summary email per weekly run says, in one look, whether the figures can be used: each
authority's delivery and its outcome, each failed check with its severity, DfE rule, count, what
it means and what to do, example pseudonymous keys, and the headline figures. The flagged records
go as a CSV of keys and dates. An unchanged failure on the same records is reported in full once
and then only said to persist, for CSC_ALERT_REPEAT_DAYS days.

Every alert is first written to the outbox dq.alerts and then sent; whatever the mail server did
not take stays pending and goes with the next run. Emails never carry names, dates of birth,
postcodes, UPNs or the authority's own child ids.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import logging
import smtplib
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from csc_warehouse import settings, warehouse
from csc_warehouse.statuses import VersionStatus

log = logging.getLogger(__name__)

EXAMPLE_KEYS = 10


class AlertNotDelivered(RuntimeError):
    """The mail server did not take the alert; it stays in dq.alerts for the next attempt."""


# -- sending through smtp_default --------------------------------------------------------------


def smtp_connection(conn_id: str = settings.SMTP_CONN_ID):
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    return SmtpHook.get_connection(conn_id)


def send(message: EmailMessage, conn_id: str = settings.SMTP_CONN_ID) -> None:
    conn = smtp_connection(conn_id)
    extra = conn.extra_dejson
    timeout = int(extra.get("timeout", 30))
    use_ssl = not extra.get("disable_ssl", False)
    client_class = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
    with client_class(conn.host, conn.port or (465 if use_ssl else 25), timeout=timeout) as client:
        if not use_ssl and not extra.get("disable_tls", False):
            client.starttls()
        if conn.login and conn.password:
            client.login(conn.login, conn.password)
        client.send_message(message)
    log.info("sent '%s' to %s", message["Subject"], message["To"])


def queue(message: EmailMessage, kind: str, run_id: str | None, *, url: str | None = None) -> int:
    with warehouse.connect(url) as conn:
        return conn.execute(
            "insert into dq.alerts (run_id, kind, subject, recipients, message) values (%s, %s, %s, %s, %s)"
            " returning alert_id",
            [run_id, kind, message["Subject"], message["To"], message.as_bytes()],
        ).fetchone()[0]


def deliver_pending(*, url: str | None = None) -> dict[int, str | None]:
    """Try every pending alert, oldest first; returns {alert_id: error or None when sent}."""
    outcome: dict[int, str | None] = {}
    with warehouse.connect(url) as conn:
        pending = conn.execute(
            "select alert_id, message from dq.alerts where status = 'pending' order by alert_id for update skip locked"
        ).fetchall()
        for alert_id, raw in pending:
            message = BytesParser(policy=policy.default).parsebytes(bytes(raw))
            try:
                send(message)
            except (OSError, smtplib.SMTPException) as error:
                outcome[alert_id] = f"{type(error).__name__}: {error}"
                conn.execute(
                    "update dq.alerts set attempts = attempts + 1, last_error = %s where alert_id = %s",
                    [outcome[alert_id], alert_id],
                )
                log.warning("alert %s not delivered: %s (kept in dq.alerts)", alert_id, outcome[alert_id])
            else:
                outcome[alert_id] = None
                conn.execute(
                    "update dq.alerts set attempts = attempts + 1, status = 'sent', sent_at = now(),"
                    " last_error = null where alert_id = %s",
                    [alert_id],
                )
            conn.commit()
    return outcome


def queue_and_deliver(message: EmailMessage, kind: str, run_id: str | None, *, url: str | None = None) -> int:
    """Keep the alert, then send it and anything still pending; raise if it did not go."""
    alert_id = queue(message, kind, run_id, url=url)
    outcome = deliver_pending(url=url)
    if outcome.get(alert_id):
        raise AlertNotDelivered(
            f"alert {alert_id} ('{message['Subject']}') is kept in dq.alerts and will be "
            f"sent by the next run: {outcome[alert_id]}"
        )
    return alert_id


# -- the run summary -----------------------------------------------------------------------------


def _delivery_outcome(delivery: dict, warned_versions: set, warned_las: set, published: bool) -> str:
    if delivery["status"] in (VersionStatus.QUARANTINED, VersionStatus.REJECTED):
        return delivery["status"]
    if delivery["status"] == VersionStatus.ACCEPTED and published:
        warned = delivery["delivery_version_id"] in warned_versions or delivery["la_code"] in warned_las
        return "published with warnings" if warned else "published"
    return delivery["status"]


VOLATILE_RECORD_FIELDS = {"delivery_version_id", "source_row", "source_file"}


def _fingerprint(conn, check: dict) -> str:
    """The same failure on the same records: same check, same authority, same flagged records.

    Delivery checks see the same records again in next week's full snapshot, so the version and
    row numbers are left out; a mart check's finding belongs to its week, so its as_at is kept."""
    records = sorted(
        json.dumps(
            [key, {k: v for k, v in (record or {}).items() if k not in VOLATILE_RECORD_FIELDS}],
            sort_keys=True,
            default=str,
        )
        for key, record in conn.execute(
            "select child_key, record from dq.flagged_records where validation_id = %s", [check.get("validation_id")]
        )
    )
    identity = json.dumps(
        [
            check.get("la_code"),
            check.get("failing_la_codes"),
            check["suite"],
            check["expectation"],
            check.get("unexpected_count"),
            check.get("as_at") if check.get("scope") == "mart" else None,
            records,
        ]
    )
    return hashlib.sha256(identity.encode()).hexdigest()


def _repeats(conn, failed: list[dict], as_at: str | None) -> dict[str, tuple]:
    """Failures reported in full within the repeat window: (first as_at, first seen) for each."""
    persisting = {}
    for check in failed:
        fingerprint = check["fingerprint"] = _fingerprint(conn, check)
        row = conn.execute(
            "select first_as_at, first_seen, last_reported > now() - make_interval(days => %s)"
            " from dq.alert_fingerprints where fingerprint = %s",
            [settings.alert_repeat_days(), fingerprint],
        ).fetchone()
        if row and row[2]:
            persisting[fingerprint] = (row[0], row[1])
            conn.execute("update dq.alert_fingerprints set last_seen = now() where fingerprint = %s", [fingerprint])
        else:
            conn.execute(
                "insert into dq.alert_fingerprints (fingerprint, la_code, expectation, first_as_at)"
                " values (%s, %s, %s, %s)"
                " on conflict (fingerprint) do update set last_reported = now(), last_seen = now()",
                [fingerprint, check.get("la_code"), check["expectation"], as_at],
            )
    return persisting


def _flagged_records_csv(conn, failed: list[dict]) -> str | None:
    ids = [check["validation_id"] for check in failed if check.get("validation_id")]
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


def summary_message(summary: dict, *, url: str | None = None) -> EmailMessage:
    """The run's one email: outcome, deliveries, failed checks, headline figures."""
    failed = [dict(check) for check in summary.get("failed_checks", [])]
    warned_versions = {c.get("delivery_version_id") for c in failed if c["severity"] == "warn"}
    warned_las = {la for c in failed if c["severity"] == "warn" for la in (c.get("failing_la_codes") or [])}
    published = bool(summary.get("published"))
    warned = any(check["severity"] == "warn" for check in failed)
    state = "FAILED" if summary["failed"] else "published with warnings" if warned else "published"
    subject = f"[CSC warehouse] Weekly run {summary['as_at']}: {state}"

    with warehouse.connect(url) as conn:
        persisting = _repeats(conn, failed, summary.get("as_at")) if failed else {}
        attachment = _flagged_records_csv(conn, failed) if failed else None

    text = [f"Weekly run for as_at {summary['as_at']}: {state}."]
    if summary["failed"]:
        text.append("Do not use this week's figures for the authorities below that were not published.")
    text += ["", "Deliveries:"]
    if not summary["deliveries"]:
        text.append("  none arrived in the week of as_at")
    for delivery in summary["deliveries"]:
        outcome = _delivery_outcome(delivery, warned_versions, warned_las, published)
        loaded_before = " (loaded before; unchanged)" if delivery.get("already_loaded") else ""
        reason = (
            f": {delivery['reason']}"
            if delivery.get("reason") and outcome in (VersionStatus.QUARANTINED, VersionStatus.REJECTED)
            else ""
        )
        text.append(
            f"  {delivery['la_code']} {delivery['extract_date']} version {delivery['delivery_version_id']}:"
            f" {outcome}{loaded_before}{reason}"
        )
    if summary.get("kept_la_codes"):
        text.append("  Published figures kept as they were for: " + ", ".join(summary["kept_la_codes"]))

    text += ["", "Failed checks:" if failed else "All quality checks passed."]
    for check in sorted(failed, key=lambda c: (c["severity"] != "block", c.get("la_code") or "", c["expectation"])):
        where = (
            f"{check['la_code']} version {check['delivery_version_id']} "
            if check.get("delivery_version_id")
            else f"{', '.join(check.get('failing_la_codes') or [])} "
            if check.get("failing_la_codes")
            else ""
        )
        rule = f" (DfE rule {check['rule']})" if check.get("rule") else ""
        count = f"errored: {check['error']}" if check.get("errored") else f"{check.get('unexpected_count') or 0} rows"
        text.append(f"  [{check['severity']}] {where}{check['table']}.{check['expectation']}{rule}: {count}.")
        if check.get("fingerprint") in persisting:
            first_as_at, first_seen = persisting[check["fingerprint"]]
            text.append(
                f"      Persists unchanged since the week of {first_as_at or 'an earlier run'}"
                f" (reported in full on {first_seen:%d %B %Y})."
            )
            continue
        text.append(f"      What it means: {check.get('meaning') or check['why']}")
        if check.get("action"):
            text.append(f"      What to do: {check['action']}")
        if check.get("example_keys"):
            text.append(f"      Example child keys: {', '.join(check['example_keys'][:EXAMPLE_KEYS])}")

    if summary.get("figures"):
        text += ["", "Headline figures:"]
        for figure in summary["figures"]:
            change = figure.get("change_vs_previous")
            if "children_looked_after" in figure:
                looked_after = f"{figure['children_looked_after']} children looked after"
                text.append(
                    f"  {figure['la_code']} {figure['as_at']}: {looked_after}"
                    f" ({'no previous week' if change is None else f'{change:+d} on the previous week'}),"
                    f" {figure['lac_starts']} started, {figure['lac_ceased']} ceased"
                )
            if "children_on_plan" in figure:
                cp_change = figure.get("cp_change_vs_previous")
                since = "no previous week" if cp_change is None else f"{cp_change:+d} on the previous week"
                text.append(
                    f"  {figure['la_code']} {figure['as_at']}: {figure['children_on_plan']} children on a"
                    f" child protection plan ({since})"
                )
    if summary.get("errors"):
        text += ["", "Why the run failed:"] + [f"  {error}" for error in summary["errors"]]
    for report in summary.get("reports") or []:
        text += ["", f"Committee report drafted: {report}"]
    if summary.get("data_docs"):
        text += ["", f"Data Docs (every check and its result): {summary['data_docs']}"]
    if attachment:
        text += ["", "The flagged records are attached (flagged_records.csv: pseudonymous keys and dates only)."]
    body = "\n".join(text) + "\n"

    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = settings.alert_to()
    message["From"] = settings.alert_from()
    message.set_content(body)
    message.add_alternative(_as_html(subject, body), subtype="html")
    if attachment:
        message.add_attachment(attachment.encode(), maintype="text", subtype="csv", filename="flagged_records.csv")
    return message


def _as_html(subject: str, body: str) -> str:
    paragraphs = []
    for block in body.strip().split("\n\n"):
        lines = block.splitlines()
        heading, rest = lines[0], lines[1:]
        items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in rest)
        paragraphs.append(f"<p><strong>{html.escape(heading)}</strong></p>" + (f"<ul>{items}</ul>" if items else ""))
    return (
        f"<html><head><title>{html.escape(subject)}</title></head>"
        f'<body style="font-family: sans-serif">{"".join(paragraphs)}</body></html>'
    )


# -- other alerts --------------------------------------------------------------------------------


def _simple_message(subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = settings.alert_to()
    message["From"] = settings.alert_from()
    message.set_content(body)
    message.add_alternative(_as_html(subject, body), subtype="html")
    return message


def task_failure_message(dag_id: str, task_id: str, run_id: str, error: str, log_url: str | None) -> EmailMessage:
    body = (
        f"Task {task_id} of {dag_id} failed in run {run_id}.\n\nError:\n  {error.strip()[:2000]}\n\n"
        f"Log:\n  {log_url or 'see the task log in Airflow'}\n"
    )
    return _simple_message(f"[CSC warehouse] Task failed: {dag_id}.{task_id}", body)


def on_task_failure(context) -> None:
    """Airflow failure callback: one email per failed task; never raises (the task has failed already)."""
    try:
        ti = context["ti"]
        message = task_failure_message(
            ti.dag_id,
            ti.task_id,
            context.get("run_id", ""),
            str(context.get("exception") or "unknown error"),
            getattr(ti, "log_url", None),
        )
        queue_and_deliver(message, "task_failed", context.get("run_id"))
    except Exception as error:  # the outbox keeps what it could queue; the task's own failure stands
        log.error("could not send the task-failure alert: %s", error)


def missing_delivery_message(as_at: date, missing: list[str], deadline: str) -> EmailMessage:
    body = (
        f"No delivery for the week of {as_at} had arrived by {deadline} from: {', '.join(missing)}.\n\n"
        "What to do:\n  Ask the authority's data team to drop the week's extract in the landing area;"
        " the weekly figures for them stay those of their last accepted delivery until it arrives.\n"
    )
    return _simple_message(f"[CSC warehouse] Missing deliveries for {as_at}: {', '.join(missing)}", body)
