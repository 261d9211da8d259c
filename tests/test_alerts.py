"""Alerts through a real SMTP server: what the email says, what it never says, nothing lost."""

import json
from types import SimpleNamespace

import psycopg
import pytest
from conftest import body_text

from csc_warehouse import alerts, run_email, runs
from csc_warehouse.handoffs import RunSummary

FAILED_CHECK = {
    "suite": "lac_weekly",
    "scope": "mart",
    "table": "lac_weekly",
    "expectation": "counts_are_never_negative",
    "severity": "block",
    "rule": None,
    "why": "a negative count means the build is wrong",
    "meaning": "A count in lac_weekly is below zero.",
    "action": "Report it to the warehouse team.",
    "success": False,
    "errored": False,
    "unexpected_count": 2,
    "delivery_version_id": None,
    "la_code": None,
    "failing_la_codes": ["309"],
    "example_keys": ["ab" * 32],
    "validation_id": None,
}


def summary(**overrides):
    base = {
        "run_id": "manual__test",
        "as_at": "2014-02-10",
        "failed": True,
        "errors": ["blocking mart checks kept the published rows of 309"],
        "deliveries": [
            {
                "la_code": "309",
                "extract_date": "2014-02-10",
                "delivery_version_id": 7,
                "status": "accepted",
                "reason": None,
                "already_loaded": False,
            }
        ],
        "failed_checks": [dict(FAILED_CHECK)],
        "kept_la_codes": ["309"],
        "published": ["lac_weekly"],
        "figures": [],
        "data_docs": "/tmp/data_docs/index.html",
    }
    return {**base, **overrides}


def summary_email(**overrides):
    """The run's email, composed from the summary as the weekly DAG hands it on (XCom)."""
    return run_email.summary_message(RunSummary.from_xcom(summary(**overrides)))


@pytest.fixture
def outbox(fresh_warehouse, mail_sink):
    with psycopg.connect(fresh_warehouse) as conn:
        conn.execute("truncate dq.alerts, dq.alert_fingerprints")
    mail_sink.clear()
    return fresh_warehouse


def test_a_failed_run_says_so_and_explains_the_failed_check(outbox, mail_sink):
    alerts.queue_and_deliver(summary_email(), "run_summary", "manual__test")
    [message] = mail_sink.messages()
    assert message["Subject"] == "[CSC warehouse] Weekly run 2014-02-10: FAILED"
    text = body_text(message)
    assert "[block] 309 lac_weekly.counts_are_never_negative: 2 rows." in text
    assert "What it means: A count in lac_weekly is below zero." in text
    assert "What to do: Report it to the warehouse team." in text
    assert f"Example child keys: {'ab' * 32}" in text
    assert "Published figures kept as they were for: 309" in text
    assert "Data Docs (every check and its result): /tmp/data_docs/index.html" in text
    assert message.get_body(preferencelist=("html",)) is not None


def test_an_unchanged_failure_is_reported_in_full_once_then_said_to_persist(outbox, mail_sink):
    first = body_text(summary_email())
    second = body_text(summary_email(as_at="2014-02-17", run_id="manual__next"))
    assert "What it means" in first
    assert "What it means" not in second
    assert "Persists unchanged since the week of 2014-02-10" in second


def test_a_changed_failure_is_reported_in_full_again(outbox):
    summary_email()
    changed = dict(FAILED_CHECK, unexpected_count=3)
    text = body_text(summary_email(failed_checks=[changed]))
    assert "What it means" in text


def test_mail_server_down_keeps_the_alert_and_the_next_run_delivers_it(outbox, mail_sink, monkeypatch):
    working = json.loads(mail_sink.connection_json())
    down = dict(working, port=9)  # nothing listens on the discard port
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(down))
    with pytest.raises(alerts.AlertNotDelivered, match="kept in dq.alerts"):
        runs.send_summary(summary(run_id="run-while-down"))
    with psycopg.connect(outbox) as conn:
        status, attempts, error = conn.execute(
            "select status, attempts, last_error from dq.alerts where run_id = 'run-while-down'"
        ).fetchone()
    assert (status, attempts) == ("pending", 1) and "Connection" in error
    assert mail_sink.messages() == []

    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(working))
    runs.send_summary(summary(run_id="next-run", as_at="2014-02-17"))
    subjects = sorted(message["Subject"] for message in mail_sink.messages())
    assert subjects == [
        "[CSC warehouse] Weekly run 2014-02-10: FAILED",
        "[CSC warehouse] Weekly run 2014-02-17: FAILED",
    ]
    with psycopg.connect(outbox) as conn:
        assert conn.execute("select count(*) from dq.alerts where status = 'pending'").fetchone()[0] == 0


def test_a_retried_send_task_does_not_queue_the_email_twice(outbox, mail_sink):
    runs.send_summary(summary(run_id="retried"))
    runs.send_summary(summary(run_id="retried"))
    assert len(mail_sink.messages()) == 1


def test_a_missing_delivery_produces_its_email(outbox, mail_sink, tmp_path, monkeypatch):
    (tmp_path / "309" / "2014-02-10").mkdir(parents=True)
    (tmp_path / "309" / "2014-02-10" / "episodes.csv").write_text("CHILD\n")
    monkeypatch.setenv("CSC_EXPECTED_LA_CODES", "309,310,311")
    missing = runs.check_arrivals({"as_at": "2014-02-10", "landing": str(tmp_path)})
    assert missing == ["310", "311"]
    [message] = mail_sink.messages()
    assert message["Subject"] == "[CSC warehouse] Missing deliveries for 2014-02-10: 310, 311"
    assert "No delivery for the week of 2014-02-10 had arrived by" in body_text(message)


def test_a_failed_task_sends_its_own_email(outbox, mail_sink):
    context = {
        "ti": SimpleNamespace(dag_id="cp_lac_weekly", task_id="ingest", log_url="http://airflow/log/1"),
        "run_id": "manual__boom",
        "exception": RuntimeError("disk unreadable"),
    }
    alerts.on_task_failure(context)
    [message] = mail_sink.messages()
    assert message["Subject"] == "[CSC warehouse] Task failed: cp_lac_weekly.ingest"
    text = body_text(message)
    assert "disk unreadable" in text and "http://airflow/log/1" in text
