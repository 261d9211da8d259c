"""Check one delivery version against its DfE return's rules and keep the findings in dq.

`check_version` is what the weekly DAG's return task calls, in the validators' environment
(`python -m csc_warehouse.returns.run VERSION_ID ...` does the same from a shell). A version checked
again replaces its earlier check and findings, in one transaction.
"""

from __future__ import annotations

import time

import psycopg
from psycopg.types.json import Jsonb

from csc_warehouse import warehouse
from csc_warehouse.handoffs.returns import ReturnCheck, ReturnType
from csc_warehouse.returns import authorities, ssda903, years


def check_version(delivery_version_id: int, *, url: str | None = None) -> ReturnCheck:
    """Run the SSDA903 ruleset of the version's collection year on its SSDA903 tables as delivered."""
    started = time.perf_counter()
    with warehouse.connect(url) as conn:
        version, tables = ssda903.read_version(conn, delivery_version_id)
    check = ReturnCheck(delivery_version_id, version.la_code, ReturnType.SSDA903.value)
    if not tables:
        return check
    choice = years.choose_ruleset(version.extract_date, ssda903.RULESET_PREFIX, ssda903.available_rulesets())
    local_authority = authorities.ons_code(version.la_code)
    metadata = {"collectionYear": choice.metadata_year, "localAuthority": local_authority or ""}
    outcome = ssda903.run_rules(tables, choice.ruleset, metadata)
    seconds = round(time.perf_counter() - started, 3)
    with warehouse.connect(url) as conn, conn.transaction():
        _replace(conn, version, choice, local_authority, outcome, seconds)
    check.checked = True
    check.collection_year = choice.collection_year
    check.ruleset = choice.ruleset
    check.ruleset_note = choice.note
    check.findings = len(outcome.findings)
    check.rules_flagged = sorted({finding.rule_code for finding in outcome.findings})
    check.rules_failed = outcome.rules_failed
    check.seconds = seconds
    return check


def _replace(
    conn: psycopg.Connection,
    version: ssda903.Version,
    choice: years.RulesetChoice,
    local_authority: str | None,
    outcome: ssda903.RulesOutcome,
    seconds: float,
) -> None:
    key = [version.delivery_version_id, ReturnType.SSDA903.value]
    conn.execute("delete from dq.return_checks where delivery_version_id = %s and return_type = %s", key)
    conn.execute(
        "insert into dq.return_checks (delivery_version_id, return_type, la_code, extract_date, collection_year,"
        " ruleset, ruleset_note, local_authority, rules_run, rules_skipped, rules_failed, findings, rule_messages,"
        " seconds) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            *key,
            version.la_code,
            version.extract_date,
            choice.collection_year,
            choice.ruleset,
            choice.note,
            local_authority,
            outcome.rules_run,
            outcome.rules_skipped,
            outcome.rules_failed,
            len(outcome.findings),
            Jsonb(outcome.rule_messages),
            seconds,
        ],
    )
    conn.execute(
        "create temporary table return_findings (rule_code text, table_name text, source_file text,"
        " row_number bigint, child_id text, affected_fields text[]) on commit drop"
    )
    with conn.cursor().copy(
        "copy return_findings (rule_code, table_name, source_file, row_number, child_id, affected_fields) from stdin"
    ) as copy:
        for finding in outcome.findings:
            copy.write_row(
                [
                    finding.rule_code,
                    finding.table_name,
                    finding.source_file,
                    finding.row_number,
                    finding.child_id,
                    list(finding.affected_fields),
                ]
            )
    # The child's key, never its id: keys.child_key of the id as the door cleans it (as dbt and erasure do).
    conn.execute(
        "insert into dq.return_errors (delivery_version_id, return_type, la_code, ruleset, rule_code, table_name,"
        " source_file, row_number, child_key, affected_fields)"
        " select %s, %s, %s, %s, rule_code, table_name, source_file, row_number,"
        " keys.child_key(%s, raw.clean_id(child_id)), affected_fields from return_findings",
        [*key, version.la_code, choice.ruleset, version.la_code],
    )
