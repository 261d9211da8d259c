"""The run's summary email, sent through the Airflow SMTP connection `smtp_default`.

Emails carry pseudonymous keys at most: never names, dates of birth, postcodes, UPNs or the
authority's own child ids.
"""

from __future__ import annotations

import html
import logging
import smtplib
from email.message import EmailMessage

from csc_warehouse import settings

log = logging.getLogger(__name__)


def smtp_connection(conn_id: str = settings.SMTP_CONN_ID):
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    return SmtpHook.get_connection(conn_id)


def send(message: EmailMessage, conn_id: str = settings.SMTP_CONN_ID) -> None:
    conn = smtp_connection(conn_id)
    extra = conn.extra_dejson
    timeout = int(extra.get("timeout", 30))
    use_ssl = not extra.get("disable_ssl", False)
    client_class = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
    if not message["From"]:
        message["From"] = extra.get("from_email") or settings.alert_from()
    with client_class(conn.host, conn.port or (465 if use_ssl else 25), timeout=timeout) as client:
        if not use_ssl and not extra.get("disable_tls", False):
            client.starttls()
        if conn.login and conn.password:
            client.login(conn.login, conn.password)
        client.send_message(message)
    log.info("sent '%s' to %s", message["Subject"], message["To"])


def summary_message(summary: dict) -> EmailMessage:
    """One email per weekly run: outcome, deliveries, failed checks and the headline figures."""
    warned = any(check["severity"] == "warn" for check in summary.get("failed_checks", []))
    state = "FAILED" if summary["failed"] else "published with warnings" if warned else "published"
    subject = f"[CSC warehouse] Weekly run {summary['as_at']}: {state}"
    lines = [f"Weekly run for as_at {summary['as_at']} ({summary['run_id']}): {state}.", ""]
    lines.append("Deliveries:")
    if not summary["deliveries"]:
        lines.append("  none arrived in the week of as_at")
    for delivery in summary["deliveries"]:
        lines.append(f"  {delivery['la_code']} {delivery['extract_date']} version {delivery['delivery_version_id']}:"
                     f" {delivery['status']}" + (f" ({delivery['reason']})" if delivery.get("reason") else ""))
    failed = summary.get("failed_checks", [])
    lines += ["", "Failed checks:" if failed else "All quality checks passed."]
    for check in failed:
        version = check.get("delivery_version_id")
        where = f"{check['la_code']} version {version} " if version else ""
        outcome = f"errored: {check['error']}" if check.get("errored") else f"{check.get('unexpected_count') or 0} rows"
        lines.append(f"  [{check['severity']}] {where}{check['table']}.{check['expectation']}"
                     f"{' (DfE rule ' + check['rule'] + ')' if check.get('rule') else ''}:"
                     f" {outcome}. {check['why']}")
    if summary.get("figures"):
        lines += ["", "Headline figures:"]
        for figure in summary["figures"]:
            change = figure.get("change_vs_previous")
            lines.append(f"  {figure['la_code']} {figure['as_at']}: {figure['children_looked_after']} children looked"
                         f" after ({'no previous week' if change is None else f'{change:+d} on the previous week'}),"
                         f" {figure['lac_starts']} started, {figure['lac_ceased']} ceased")
    if summary.get("errors"):
        lines += ["", "Errors:"] + [f"  {error}" for error in summary["errors"]]
    text = "\n".join(lines) + "\n"
    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = settings.alert_to()
    message["From"] = settings.alert_from()
    message.set_content(text)
    message.add_alternative(f"<html><body><pre style=\"font-family: sans-serif\">{html.escape(text)}</pre>"
                            "</body></html>", subtype="html")
    return message
