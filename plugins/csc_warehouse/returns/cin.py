"""One delivery version's CIN census, as delivered, through the DfE's CIN rules (cin_validator).

The door keeps each CIN census XML whole (raw.cin_census_files); the validator reads it as its own
command line does (`python -m cin_validator run FILE`: ElementTree, convert_data, process_data,
CinValidator), with convert_data's tables made by returns.cin_tables (five times faster, the same
tables). It takes no metadata: the census's own header gives it the collection period (its
ReferenceDate) and the authority (its LEA, which no rule reads). Only the ruleset is chosen here, by the
collection year of the version's extract date, as for SSDA903 (years.choose_ruleset).

Its report (CinValidator.user_report) has a line per child, rule, column and row of one of its tables
(ChildIdentifiers, CINdetails, Section47, ...); a Finding is a flagged row of a table, as the 903
validator counts records, with the columns flagged in it. A row's place in the file is the position of
the <Child> element it was read from (1-based), as raw.cin_cp_plans numbers its rows; the census header
has none. Return-level rules (CinValidator.la_rule_issues) flag no row: one Finding each, with no table.

Runs in the validators' environment only (CSC_VALIDATORS_PYTHON): cin_validator is imported inside the
functions that use it, so this module imports in either environment.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import pkgutil
import re
from collections import defaultdict
from dataclasses import dataclass
from xml.etree import ElementTree

import psycopg

from csc_warehouse.returns.cin_tables import census_tables
from csc_warehouse.returns.findings import Finding, RulesOutcome, Version, ledger_facts

log = logging.getLogger(__name__)

RULESET_PREFIX = "cin"
HEADER_TABLE = "Header"  # the census header: one row, no child
# What CinValidator prints when a rule raises, instead of raising itself.
RULE_ERROR = re.compile(r"^Error with rule (\S+): ", re.MULTILINE)


@dataclass(frozen=True)
class DeliveredCensus:
    source_file: str
    xml: bytes


def read_version(conn: psycopg.Connection, delivery_version_id: int) -> tuple[Version, list[DeliveredCensus]]:
    """The version's ledger facts and each CIN census it delivered (none: it is no CIN return)."""
    version = ledger_facts(conn, delivery_version_id)
    censuses = [
        DeliveredCensus(source_file, bytes(census))
        for source_file, census in conn.execute(
            "select source_file, census from raw.cin_census_files where delivery_version_id = %s order by source_file",
            [delivery_version_id],
        )
    ]
    return version, censuses


def available_rulesets() -> list[str]:
    """The CIN rulesets the installed validator holds (cin2022_23, cin2023_24, ...)."""
    rules = importlib.import_module("cin_validator.rules")
    return sorted(module.name for module in pkgutil.iter_modules(rules.__path__) if module.ispkg)


def run_rules(censuses: list[DeliveredCensus], ruleset: str) -> RulesOutcome:
    """Every rule of the ruleset on each census; one Finding per row a rule flags (and per return-level rule)."""
    registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
    findings: list[Finding] = []
    failed: set[str] = set()
    for census in censuses:
        census_findings, census_failed = _run_on(census, registry)
        findings += census_findings
        failed |= census_failed
    messages = {str(rule.code): rule.message for rule in registry.values()}
    flagged = sorted({finding.rule_code for finding in findings})
    return RulesOutcome(
        findings,
        rules_run=len(registry) - len(failed),
        rules_skipped=0,  # the validator runs every rule; a table the census lacks is an empty table
        rules_failed=sorted(failed),
        rule_messages={code: messages.get(code, "") for code in flagged},
    )


def _run_on(census: DeliveredCensus, registry) -> tuple[list[Finding], set[str]]:
    from cin_validator import cin_validator

    tables, positions = census_tables(ElementTree.fromstring(census.xml))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # it prints a rule's exception and carries on
        validator = cin_validator.CinValidator(cin_validator.process_data(tables), registry)
    failed = set(RULE_ERROR.findall(printed.getvalue()))
    if failed:
        log.warning("%s: rules %s raised in the validator: %s", census.source_file, sorted(failed), printed.getvalue())
    columns: dict[tuple[str, str | None, int | None], set[str]] = defaultdict(set)
    report = validator.user_report  # every value as text, "nan" for none
    if not report.empty:
        located = report[["rule_code", "tables_affected", "ROW_ID", "columns_affected"]]
        for rule_code, table, row, column in located.itertuples(index=False):
            where = (None, None) if table == "nan" else (table, int(row) if str(row).isdigit() else None)
            columns[(str(rule_code), *where)].add(str(column))
    findings = []
    for (rule_code, table, row), fields in columns.items():
        position, child_id = positions.origin(table, row)
        findings.append(
            Finding(
                rule_code=rule_code,
                table_name=table,
                source_file=census.source_file,
                row_number=position,
                child_id=child_id,
                affected_fields=tuple(sorted(fields)),
            )
        )
    return_level = validator.la_rule_issues
    codes = sorted({str(code) for code in return_level["rule_code"]}) if len(return_level) else []
    findings += [Finding(code, None, census.source_file, None, None, ()) for code in codes]
    return findings, failed
