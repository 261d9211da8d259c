"""End to end: the demo deliveries through the weekly DAG (Airflow dag.test(), Cosmos, dbt, GX),
against a real PostgreSQL and a real SMTP server. One shared run (the `demo_weeks` fixture)."""

from datetime import date

import psycopg
import pytest
from conftest import assert_no_identifiers, body_text, run_csc

pytestmark = pytest.mark.e2e


def lac_weekly(url):
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select as_at, children_looked_after, lac_starts, lac_ceased from reporting.lac_weekly"
            " where la_code = '309' order by as_at"
        ).fetchall()
    return {as_at: (looked_after, starts, ceased) for as_at, looked_after, starts, ceased in rows}


def test_every_demo_week_runs_green(demo_weeks):
    for as_at, run in demo_weeks["runs"].items():
        assert run["returncode"] == 0, f"{as_at}: {run['output'][-4000:]}"


def test_lac_weekly_holds_the_figures_the_generator_intended(demo_weeks):
    published = lac_weekly(demo_weeks["url"])
    intended = {
        as_at: (f.children_looked_after, f.lac_starts, f.lac_ceased) for as_at, f in demo_weeks["figures"].items()
    }
    assert published == intended


def test_cp_weekly_holds_the_children_on_a_plan_the_generator_intended(demo_weeks):
    with psycopg.connect(demo_weeks["url"]) as conn:
        rows = conn.execute(
            "select as_at, children_on_plan, plan_starts, plan_ends from reporting.cp_weekly"
            " where la_code = '309' order by as_at"
        ).fetchall()
    intended = {as_at: (f.children_on_plan, f.plan_starts, f.plan_ends) for as_at, f in demo_weeks["figures"].items()}
    published = {as_at: (on_plan, starts, ends) for as_at, on_plan, starts, ends in rows}
    assert published == intended
    # The committee report's figures.
    assert [published[day][0] for day in (date(2014, 1, 6), date(2014, 1, 27), date(2014, 2, 10))] == [164, 184, 192]


def expected_state(as_at, figures):
    """Two warnings the demo is built to raise. The 2 + 2 day police-protection chain (21-25
    January) is in every delivery from 27 January (DfE rule 361). And a week in which 3 or more
    brief periods of care ended with a return home, over 25% of the week's starts, is the mission's
    anomaly (lac_brief_episodes.yml's defaults)."""
    week = figures[as_at]
    many_brief_returns = week.brief_returned_home >= 3 and week.brief_returned_home * 100 / week.lac_starts > 25
    return "published with warnings" if as_at >= date(2014, 1, 27) or many_brief_returns else "published"


def test_the_demo_raises_the_brief_returns_warning_in_some_weeks_but_not_all(demo_weeks):
    states = [expected_state(as_at, demo_weeks["figures"]) for as_at in demo_weeks["figures"]]
    assert states[0] == "published" and "published with warnings" in states


def test_each_run_sends_exactly_one_summary_email(demo_weeks):
    for as_at, run in demo_weeks["runs"].items():
        assert len(run["emails"]) == 1, as_at
        message = run["emails"][0]
        state = expected_state(as_at, demo_weeks["figures"])
        assert message["Subject"] == f"[CSC warehouse] Weekly run {as_at}: {state}"
        text = body_text(message)
        figures = demo_weeks["figures"][as_at]
        assert f"309 {as_at}: {figures.children_looked_after} children looked after" in text
        assert f"309 {as_at}: {figures.children_on_plan} children on a child protection plan" in text
        assert message.get_body(preferencelist=("html",)) is not None
        if as_at >= date(2014, 1, 27):
            assert "police_protection_longer_than_72_hours (DfE rule 361): 2 rows." in text


def test_the_first_warning_is_explained_in_full_with_its_flagged_records(demo_weeks):
    message = demo_weeks["runs"][date(2014, 1, 27)]["emails"][0]
    text = body_text(message)
    assert "What it means: Consecutive L1 episodes last more than 3 days in all." in text
    [attachment] = [part for part in message.iter_attachments() if part.get_filename() == "flagged_records.csv"]
    rows = attachment.get_content().splitlines()
    assert rows[0] == "la_code,rule,check,severity,child_key,dates"
    chain = [row for row in rows[1:] if ",361,police_protection_longer_than_72_hours,warn," in row]
    assert len(chain) == 2  # the two episodes of the 2 + 2 day chain, by pseudonymous key and dates


def test_later_weeks_say_the_unchanged_warning_persists(demo_weeks):
    text = body_text(demo_weeks["runs"][date(2014, 2, 10)]["emails"][0])
    assert "Persists unchanged since the week of 2014-01-27" in text


def test_no_email_carries_a_child_id_date_of_birth_upn_or_postcode(demo_weeks):
    messages = [message for run in demo_weeks["runs"].values() for message in run["emails"]]
    assert_no_identifiers(messages, demo_weeks["landing"])


def test_the_run_summary_is_recorded(demo_weeks):
    with psycopg.connect(demo_weeks["url"]) as conn:
        states = conn.execute("select as_at, state from dq.runs order by as_at").fetchall()
    assert {as_at: state for as_at, state in states} == {as_at: "success" for as_at in demo_weeks["figures"]}


def test_each_weeks_delivery_is_checked_against_the_dfe_return_rules_of_its_year(demo_weeks):
    with psycopg.connect(demo_weeks["url"]) as conn:
        unchecked = conn.execute(
            "select v.delivery_version_id from ledger.delivery_versions v"
            " where exists (select from ledger.delivery_files f where f.delivery_version_id = v.delivery_version_id"
            "               and f.table_name = 'ssda903_episodes' and f.status = 'accepted')"
            " and not exists (select from dq.return_checks c where c.delivery_version_id = v.delivery_version_id)"
        ).fetchall()
        checks = conn.execute(
            "select distinct ruleset, rules_failed, rules_run > 100 from dq.return_checks where la_code = '309'"
            " order by ruleset"
        ).fetchall()
    assert unchecked == []
    # The demo weeks are in 2013/14, before the validators' first rulesets: each return checked with its
    # earliest (the SSDA903 extract and the CIN census every week delivers).
    assert checks == [("cin2022_23", [], True), ("lac2022_23", [], True)]


def test_return_readiness_publishes_each_weeks_findings_by_rule(demo_weeks):
    with psycopg.connect(demo_weeks["url"]) as conn:
        published = conn.execute(
            "select la_code, as_at, rule_code, records from reporting.return_readiness order by 1, 2, 3"
        ).fetchall()
        found = conn.execute(
            "select e.la_code, c.extract_date, e.rule_code, count(*) from dq.return_errors e"
            " join dq.return_checks c using (delivery_version_id, return_type)"
            " join ledger.delivery_versions v using (delivery_version_id)"
            " where v.status = 'accepted' group by 1, 2, 3 order by 1, 2, 3"
        ).fetchall()
        weeks_compared = conn.execute(
            "select count(distinct as_at) from reporting.return_readiness where new_children is not null"
        ).fetchone()[0]
    assert published and published == found
    assert weeks_compared == len({as_at for _, as_at, _, _ in published}) - 1  # each week but the first


def test_each_weeks_email_tells_its_return_readiness_with_the_records_by_child_key(demo_weeks):
    rulesets = {"SSDA903": "lac2022_23", "CIN": "cin2022_23"}
    with psycopg.connect(demo_weeks["url"]) as conn:
        rules_broken = dict(
            ((as_at, return_type), rules)
            for as_at, return_type, rules in conn.execute(
                "select as_at, return, count(*) from reporting.return_readiness where la_code = '309' group by 1, 2"
            )
        )
        flagged = dict(
            ((extract_date, return_type), records)
            for extract_date, return_type, records in conn.execute(
                "select c.extract_date, return_type, count(*) from dq.return_errors e join dq.return_checks c"
                " using (delivery_version_id, return_type) join ledger.delivery_versions v using (delivery_version_id)"
                " where v.status = 'accepted' and e.la_code = '309' group by 1, 2"
            )
        )
    for as_at, run in demo_weeks["runs"].items():
        [line] = [line for line in run["output"].splitlines() if line.startswith(f"week {as_at}:")]
        assert "return checks ok" in line, line
        message = run["emails"][0]
        text = body_text(message)
        [extract_date] = {day for day, _ in rules_broken if (as_at - day).days in range(7)}
        for return_type, ruleset in rulesets.items():
            rules = rules_broken[extract_date, return_type]
            heading = f"  309 {extract_date} {return_type} (ruleset {ruleset})"
            assert f"{heading}: {flagged[extract_date, return_type]} records break {rules} rules" in text
            if rules > 5:
                assert f"    and {rules - 5} more rule" in text
        named = [line for line in text.splitlines() if line.startswith("    rule ")]
        assert len(named) == sum(min(rules_broken[extract_date, return_type], 5) for return_type in rulesets)
        [attachment] = [part for part in message.iter_attachments() if part.get_filename() == "return_errors.csv"]
        rows = attachment.get_content().splitlines()
        assert rows[0] == "la_code,as_at,return,rule_code,table,row_in_delivered_file,child_key,affected_fields"
        records = sum(flagged[extract_date, return_type] for return_type in rulesets)
        assert len(rows) - 1 == min(records, 20_000)
        assert all(row.startswith((f"309,{extract_date},SSDA903,", f"309,{extract_date},CIN,")) for row in rows[1:])


def test_running_a_week_again_duplicates_nothing(demo_weeks):
    url = demo_weeks["url"]

    def counts():
        with psycopg.connect(url) as conn:
            return conn.execute(
                "select (select count(*) from raw.ssda903_episodes), (select count(*) from raw.ssda903_header),"
                " (select count(*) from ledger.delivery_versions), (select count(*) from reporting.lac_weekly)"
            ).fetchone()

    before, published_before = counts(), lac_weekly(url)
    last_week = max(demo_weeks["figures"])
    result = run_csc(
        "run-week", "--as-at", last_week.isoformat(), CSC_WAREHOUSE_URL=url, CSC_LANDING_DIR=str(demo_weeks["landing"])
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert counts() == before
    assert lac_weekly(url) == published_before


def test_csc_sql_prints_the_answer_as_csv(demo_weeks):
    result = run_csc("sql", "select count(*) as weeks from reporting.lac_weekly", CSC_WAREHOUSE_URL=demo_weeks["url"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["weeks", str(len(demo_weeks["figures"]))]
