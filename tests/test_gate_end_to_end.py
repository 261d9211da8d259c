"""End to end through the weekly DAG: a delivery with a DEC before its DECOM is rejected, its
authority's published rows stay exactly as they were while another authority's new week
publishes, the run fails and dq says why; after `csc accept` the next run publishes it."""

from datetime import date

import psycopg
import pytest
from conftest import assert_no_identifiers, body_text, run_csc, scenario_database
from loading_fixtures import break_one_episode

from csc_warehouse import demo

pytestmark = pytest.mark.e2e

WEEK_1, WEEK_2 = date(2014, 1, 6), date(2014, 1, 13)
BROKEN, HEALTHY = "309", "310"


def published_rows(url, la_code):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select * from reporting.lac_weekly where la_code = %s order by as_at", [la_code]
        ).fetchall()


@pytest.fixture(scope="module")
def gate_scenario(warehouse_url, mail_sink, tmp_path_factory):
    url = scenario_database(warehouse_url, "gate_scenario")
    landing = tmp_path_factory.mktemp("gate-landing")
    weeks = (WEEK_1, WEEK_2)
    figures = {la: demo.generate(landing, la_code=la, weeks=weeks, seed=int(la)) for la in (BROKEN, HEALTHY)}
    environment = {"CSC_WAREHOUSE_URL": url, "CSC_LANDING_DIR": str(landing)}

    mail_sink.clear()
    first = run_csc("run-week", "--as-at", WEEK_1.isoformat(), **environment)
    first_emails = mail_sink.messages()
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    broken_before = published_rows(url, BROKEN)

    break_one_episode(landing / BROKEN / WEEK_2.isoformat() / "episodes.csv")
    mail_sink.clear()
    second = run_csc("run-week", "--as-at", WEEK_2.isoformat(), **environment)
    after_rejection = {
        "broken": published_rows(url, BROKEN),
        "healthy": published_rows(url, HEALTHY),
        "emails": mail_sink.messages(),
    }

    accepted = run_csc(
        "accept",
        "--delivery",
        f"{BROKEN}/{WEEK_2}",
        "--reason",
        "DEC typo confirmed harmless",
        "--by",
        "A. Analyst",
        **environment,
    )
    mail_sink.clear()
    third = run_csc("run-week", "--as-at", WEEK_2.isoformat(), **environment)
    return {
        "url": url,
        "figures": figures,
        "broken_before": broken_before,
        "second": second,
        "after_rejection": after_rejection,
        "accepted": accepted,
        "third": third,
        "landing": landing,
        "first_emails": first_emails,
        "third_emails": mail_sink.messages(),
    }


def test_the_run_with_a_rejected_delivery_fails(gate_scenario):
    assert gate_scenario["second"].returncode != 0
    assert "failed" in gate_scenario["second"].stdout.splitlines()[-1]


def test_the_rejected_authority_keeps_exactly_its_published_rows(gate_scenario):
    assert gate_scenario["after_rejection"]["broken"] == gate_scenario["broken_before"]


def test_the_other_authority_publishes_its_new_week(gate_scenario):
    healthy = gate_scenario["after_rejection"]["healthy"]
    assert [row[1] for row in healthy] == [WEEK_1, WEEK_2]
    week_2 = gate_scenario["figures"][HEALTHY][WEEK_2]
    assert healthy[-1][2] == week_2.children_looked_after


def test_dq_and_the_ledger_say_why(gate_scenario):
    with psycopg.connect(gate_scenario["url"]) as conn:
        status, reason = conn.execute(
            "select status, reason from ledger.delivery_versions where la_code = %s and extract_date = %s"
            " order by delivery_version_id limit 1",
            [BROKEN, WEEK_2],
        ).fetchone()
        failed = conn.execute(
            "select rule_code, severity, unexpected_count from dq.validations v"
            " join ledger.delivery_versions d using (delivery_version_id)"
            " where d.la_code = %s and d.extract_date = %s and not v.success and v.severity = 'block'",
            [BROKEN, WEEK_2],
        ).fetchall()
        flagged = conn.execute(
            "select count(*) from dq.flagged_records f join dq.validations v using (validation_id)"
            " where v.rule_code = '356'"
        ).fetchone()[0]
    assert "356" in reason and "episode_ends_before_it_starts" in reason
    assert status == "accepted"  # by the end of the scenario, after the review
    assert failed == [("356", "block", 1)]
    assert flagged == 1


def test_the_email_names_the_rejection(gate_scenario):
    [message] = gate_scenario["after_rejection"]["emails"]
    assert message["Subject"].endswith("FAILED")
    text = body_text(message)
    assert f"{BROKEN} {WEEK_2} version" in text and "rejected" in text
    assert "episode_ends_before_it_starts (DfE rule 356)" in text


def test_accepting_after_review_lets_the_next_run_publish_it(gate_scenario):
    assert gate_scenario["accepted"].returncode == 0, gate_scenario["accepted"].stderr
    assert gate_scenario["third"].returncode == 0, gate_scenario["third"].stdout[-3000:]
    broken = published_rows(gate_scenario["url"], BROKEN)
    assert [row[1] for row in broken] == [WEEK_1, WEEK_2]
    with psycopg.connect(gate_scenario["url"]) as conn:
        acceptance = conn.execute("select accepted_by, reason from dq.acceptances").fetchall()
    assert acceptance == [("A. Analyst", "DEC typo confirmed harmless")]


def test_a_clean_run_says_published_and_gives_both_authorities_figures(gate_scenario):
    [message] = gate_scenario["first_emails"]
    assert message["Subject"] == f"[CSC warehouse] Weekly run {WEEK_1}: published"
    text = body_text(message)
    assert "All quality checks passed." in text
    for la in (BROKEN, HEALTHY):
        figures = gate_scenario["figures"][la][WEEK_1]
        assert f"{la} {WEEK_1}: {figures.children_looked_after} children looked after" in text


def test_the_run_after_acceptance_says_published(gate_scenario):
    [message] = gate_scenario["third_emails"]
    # The week may carry warnings (the demo's brief returns home), but nothing blocks it any more.
    assert message["Subject"] in (
        f"[CSC warehouse] Weekly run {WEEK_2}: published",
        f"[CSC warehouse] Weekly run {WEEK_2}: published with warnings",
    )
    assert "Do not use" not in body_text(message)


def test_no_email_carries_a_child_id_date_of_birth_upn_or_postcode(gate_scenario):
    messages = (
        gate_scenario["first_emails"] + gate_scenario["after_rejection"]["emails"] + gate_scenario["third_emails"]
    )
    assert_no_identifiers(messages, gate_scenario["landing"])
