"""The run email's "Return readiness": each authority's published DfE return findings, the five rules
with most children first, and the records by child key as return_errors.csv. Hand-made findings in a
database of their own, sent through a real SMTP server."""

from __future__ import annotations

import csv
import io

import psycopg
import pytest
from conftest import body_text, scenario_database

from csc_warehouse import alerts, return_readiness, run_email
from csc_warehouse.handoffs import DeliveryLine, RunSummary

AS_AT = "2024-03-11"
# Rule, children (distinct keys), records: seven rules, so that two are left for "and 2 more rules".
RULES = [("103", 1, 1), ("388", 4, 5), ("501", 2, 2), ("142", 3, 3), ("356", 6, 6), ("361", 1, 2), ("363", 5, 5)]
CHILD_ID = "123456"  # the authority's own id of a child: in raw, never in the email


def delivery(version: int, la_code: str = "309", status: str = "accepted") -> DeliveryLine:
    return DeliveryLine(la_code, AS_AT, version, status, None, already_loaded=False)


@pytest.fixture(scope="module")
def findings(warehouse_url):
    """Version 7 of 309 breaks the seven RULES; version 8 of 310 breaks none. reporting.return_readiness
    as publication leaves it (310 had no row to publish)."""
    url = scenario_database(warehouse_url, "return_email")
    with psycopg.connect(url) as conn:
        for version, la_code, records in ((7, "309", sum(r for _, _, r in RULES)), (8, "310", 0)):
            conn.execute(
                "insert into dq.return_checks (delivery_version_id, la_code, return_type, extract_date,"
                " collection_year, ruleset, rules_run, rules_skipped, findings) values"
                " (%s, %s, 'SSDA903', %s, 2024, 'lac2023_24', 250, 54, %s)",
                [version, la_code, AS_AT, records],
            )
        conn.execute(
            "create table reporting.return_readiness (la_code text, as_at date, return text, rule_code text,"
            " rule_message text, records bigint, children bigint, new_children bigint, resolved_children bigint)"
        )
        for rule, children, records in RULES:
            for record in range(records):
                conn.execute(
                    "insert into dq.return_errors (delivery_version_id, la_code, return_type, ruleset, rule_code,"
                    " table_name, row_number, child_key, affected_fields) values"
                    " (7, '309', 'SSDA903', 'lac2023_24', %s, 'ssda903_episodes', %s, %s, '{DECOM,REC}')",
                    [rule, 100 + record, f"key-{rule}-{record % children}"],
                )
            conn.execute(
                "insert into reporting.return_readiness values ('309', %s, 'SSDA903', %s, %s, %s, %s, 1, 0)",
                [AS_AT, rule, f"what rule {rule} says", records, children],
            )
    return url


def summary_with(readiness) -> RunSummary:
    return RunSummary("manual__returns", "2024-03-11", errors=(), return_readiness=tuple(readiness))


def test_each_authority_is_read_from_the_published_readiness_of_its_as_at(findings):
    readiness = return_readiness.for_run([delivery(7), delivery(8, "310")], kept_la_codes=(), url=findings)
    assert [(r.la_code, r.rules_broken, r.findings) for r in readiness] == [("309", 7, 24), ("310", 0, 0)]
    assert [rule.rule_code for rule in readiness[0].rules] == ["356", "363", "388", "142", "501"]


def test_a_rejected_version_has_no_return_readiness_line(findings):
    assert return_readiness.for_run([delivery(7, status="rejected")], kept_la_codes=(), url=findings) == []


def test_the_email_names_the_five_rules_with_most_children_and_counts_the_rest(findings, mail_sink):
    readiness = return_readiness.for_run([delivery(7), delivery(8, "310")], kept_la_codes=(), url=findings)
    mail_sink.clear()
    alerts.send(run_email.summary_message(summary_with(readiness), url=findings))
    [message] = mail_sink.messages()
    text = body_text(message)
    section = text[text.index("Return readiness") :].splitlines()
    assert section[1:9] == [
        "  309 2024-03-11 SSDA903 (ruleset lac2023_24): 24 records break 7 rules",
        "    rule 356: 6 children (1 new, 0 resolved since the previous delivery), 6 records. what rule 356 says",
        "    rule 363: 5 children (1 new, 0 resolved since the previous delivery), 5 records. what rule 363 says",
        "    rule 388: 4 children (1 new, 0 resolved since the previous delivery), 5 records. what rule 388 says",
        "    rule 142: 3 children (1 new, 0 resolved since the previous delivery), 3 records. what rule 142 says",
        "    rule 501: 2 children (1 new, 0 resolved since the previous delivery), 2 records. what rule 501 says",
        "    and 2 more rules",
        "  310 2024-03-11 SSDA903 (ruleset lac2023_24): no rule broken",
    ]
    assert "(return_errors.csv, all 24: rule, table, row in the delivered file" in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "return_errors.csv"
    rows = list(csv.reader(io.StringIO(attachment.get_content())))
    assert rows[0] == return_readiness.ATTACHMENT_COLUMNS
    assert rows[1] == ["309", AS_AT, "SSDA903", "356", "ssda903_episodes", "100", "key-356-0", "DECOM;REC"]
    assert len(rows) == 1 + 24 and [row[3] for row in rows[1:8]] == ["356"] * 6 + ["363"]
    assert CHILD_ID not in attachment.get_content()


def test_a_long_list_of_records_is_cut_and_the_email_says_where_the_rest_are(findings, mail_sink, monkeypatch):
    monkeypatch.setattr(return_readiness, "ATTACHMENT_MAX_ROWS", 10)
    readiness = return_readiness.for_run([delivery(7)], kept_la_codes=(), url=findings)
    message = run_email.summary_message(summary_with(readiness), url=findings)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "the first 10 of 24 (the rules with most children first; the rest are in dq.return_errors)" in text
    [attachment] = list(message.iter_attachments())
    assert len(attachment.get_content().splitlines()) == 1 + 10


def test_a_kept_authoritys_findings_are_said_not_to_be_published(findings):
    readiness = return_readiness.for_run([delivery(7)], kept_la_codes=("309",), url=findings)
    message = run_email.summary_message(summary_with(readiness), url=findings)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert (
        "309 2024-03-11 SSDA903 (ruleset lac2023_24): not published, its authority's figures were kept as they"
        " were; 24 flagged records in dq.return_errors" in text
    )
    assert list(message.iter_attachments()) == []
