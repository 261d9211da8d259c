from conftest import body_text

from csc_warehouse import alerts

SUMMARY = {
    "run_id": "manual__test",
    "as_at": "2014-02-10",
    "failed": True,
    "errors": ["the quality gate blocked publication"],
    "deliveries": [{"la_code": "309", "extract_date": "2014-02-10", "delivery_version_id": 7,
                    "status": "accepted", "reason": None}],
    "failed_checks": [{"severity": "block", "table": "lac_weekly", "expectation": "counts_are_not_negative",
                       "la_code": None, "delivery_version_id": None, "errored": False,
                       "rule": None, "unexpected_count": 2, "why": "a negative count means the build is wrong"}],
    "figures": [],
}


def test_a_failed_run_says_so_in_the_subject_and_names_the_failed_check(mail_sink):
    mail_sink.clear()
    alerts.send(alerts.summary_message(SUMMARY))
    [message] = mail_sink.messages()
    assert message["Subject"] == "[CSC warehouse] Weekly run 2014-02-10: FAILED"
    text = body_text(message)
    assert "[block] lac_weekly.counts_are_not_negative: 2 rows." in text
    assert "the quality gate blocked publication" in text
    assert message.get_body(preferencelist=("html",)) is not None
