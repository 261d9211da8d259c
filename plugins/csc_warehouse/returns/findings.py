"""What a DfE return's rules found in one delivery version, whichever the return (SSDA903, CIN)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import psycopg


@dataclass(frozen=True)
class Version:
    """The ledger's facts about a version that choose its ruleset and key its findings."""

    delivery_version_id: int
    la_code: str
    extract_date: date


def ledger_facts(conn: psycopg.Connection, delivery_version_id: int) -> Version:
    found = conn.execute(
        "select la_code, extract_date from ledger.delivery_versions where delivery_version_id = %s",
        [delivery_version_id],
    ).fetchone()
    if found is None:
        raise LookupError(f"no delivery version {delivery_version_id} in the ledger")
    return Version(delivery_version_id, *found)


@dataclass(frozen=True)
class Finding:
    """One record a rule flagged: the validator's own unit of count. A rule about the return as a whole
    (the CIN validator's return-level rules) flags no record of any table: table, row and child are None."""

    rule_code: str
    table_name: str | None
    source_file: str | None
    row_number: int | None
    child_id: str | None
    affected_fields: tuple[str, ...]


@dataclass
class RulesOutcome:
    findings: list[Finding]
    rules_run: int
    rules_skipped: int
    rules_failed: list[str]
    rule_messages: dict[str, str] = field(default_factory=dict)
