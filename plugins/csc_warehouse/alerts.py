"""Alerts the performance team acts on, sent through the Airflow SMTP connection `smtp_default`:
the weekly run's summary (composed in run_email), a failed task, a missing delivery.

Every alert is first written to the outbox dq.alerts and then sent; whatever the mail server did
not take stays pending and goes with the next run. Emails never carry names, dates of birth,
postcodes, UPNs or the authority's own child ids.
"""

from __future__ import annotations

import html
import logging
import smtplib
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from csc_warehouse import settings, warehouse

log = logging.getLogger(__name__)


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


def message(subject: str, body: str) -> EmailMessage:
    """An alert: the body as plain text and as simple HTML, to the performance team."""
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
    return message(f"[CSC warehouse] Task failed: {dag_id}.{task_id}", body)


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
    return message(f"[CSC warehouse] Missing deliveries for {as_at}: {', '.join(missing)}", body)
