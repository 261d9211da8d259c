"""Check one delivery version against the rules of each DfE return it delivered; keep the findings in dq.

`check_version` is what the weekly DAG's return task calls, in the validators' environment
(`python -m csc_warehouse.returns.run VERSION_ID ...` does the same from a shell): the SSDA903 rules on
the version's SSDA903 tables, the CIN rules on its CIN census, each with the ruleset of the collection
year of its extract date. A version checked again replaces its earlier check and findings of that
return, in one transaction.
"""

from __future__ import annotations

import time

import psycopg
from psycopg.types.json import Jsonb

from csc_warehouse import warehouse
from csc_warehouse.handoffs.returns import ReturnCheck, ReturnType
from csc_warehouse.returns import authorities, cin, ssda903, years
from csc_warehouse.returns.findings import RulesOutcome, Version


def check_version(delivery_version_id: int, *, url: str | None = None) -> list[ReturnCheck]:
    """Both returns' checks of the version: a return it did not deliver is not checked (`checked` False)."""
    return [check_ssda903(delivery_version_id, url=url), check_cin(delivery_version_id, url=url)]


def check_ssda903(delivery_version_id: int, *, url: str | None = None) -> ReturnCheck:
    """Run the SSDA903 ruleset of the version's collection year on its SSDA903 tables as delivered."""
    started = time.perf_counter()
    with warehouse.connect(url) as conn:
        version, tables = ssda903.read_version(conn, delivery_version_id)
    if not tables:
        return ReturnCheck(delivery_version_id, version.la_code, ReturnType.SSDA903.value)
    choice = years.choose_ruleset(version.extract_date, ssda903.RULESET_PREFIX, ssda903.available_rulesets())
    local_authority = authorities.ons_code(version.la_code)
    metadata = {"collectionYear": choice.metadata_year, "localAuthority": local_authority or ""}
    outcome = ssda903.run_rules(tables, choice.ruleset, metadata)
    return _keep(version, ReturnType.SSDA903, choice, local_authority, outcome, started, url)


def check_cin(delivery_version_id: int, *, url: str | None = None) -> ReturnCheck:
    """Run the CIN ruleset of the version's collection year on the CIN census it delivered, as delivered."""
    started = time.perf_counter()
    with warehouse.connect(url) as conn:
        version, censuses = cin.read_version(conn, delivery_version_id)
    if not censuses:
        return ReturnCheck(delivery_version_id, version.la_code, ReturnType.CIN.value)
    choice = years.choose_ruleset(version.extract_date, cin.RULESET_PREFIX, cin.available_rulesets())
    # No localAuthority: the CIN validator takes the authority from the census header (LEA), and no rule reads it.
    outcome = cin.run_rules(censuses, choice.ruleset)
    return _keep(version, ReturnType.CIN, choice, None, outcome, started, url)


def _keep(
    version: Version,
    return_type: ReturnType,
    choice: years.RulesetChoice,
    local_authority: str | None,
    outcome: RulesOutcome,
    started: float,
    url: str | None,
) -> ReturnCheck:
    """Write the check and its findings to dq, replacing the version's earlier ones of that return."""
    seconds = round(time.perf_counter() - started, 3)
    with warehouse.connect(url) as conn, conn.transaction():
        _replace(conn, version, return_type, choice, local_authority, outcome, seconds)
    return ReturnCheck(
        version.delivery_version_id,
        version.la_code,
        return_type.value,
        checked=True,
        collection_year=choice.collection_year,
        ruleset=choice.ruleset,
        ruleset_note=choice.note,
        findings=len(outcome.findings),
        rules_flagged=sorted({finding.rule_code for finding in outcome.findings}),
        rules_failed=outcome.rules_failed,
        seconds=seconds,
    )


def _replace(
    conn: psycopg.Connection,
    version: Version,
    return_type: ReturnType,
    choice: years.RulesetChoice,
    local_authority: str | None,
    outcome: RulesOutcome,
    seconds: float,
) -> None:
    key = [version.delivery_version_id, return_type.value]
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
