"""The status enums hold exactly the values the ledger's check constraints allow."""

from __future__ import annotations

import re

import psycopg

from csc_warehouse.statuses import FileStatus, VersionStatus


def allowed_statuses(url: str, constraint: str) -> set[str]:
    with psycopg.connect(url) as conn:
        definition = conn.execute(
            "select pg_get_constraintdef(oid) from pg_constraint where conname = %s", [constraint]
        ).fetchone()[0]
    return set(re.findall(r"'(\w+)'", definition))


def test_version_statuses_are_those_the_ledger_allows(warehouse_url):
    assert allowed_statuses(warehouse_url, "delivery_versions_status_check") == set(VersionStatus)


def test_file_statuses_are_those_the_ledger_allows(warehouse_url):
    assert allowed_statuses(warehouse_url, "delivery_files_status_check") == set(FileStatus)


def test_a_status_is_its_ledger_text():
    assert VersionStatus("quarantined") is VersionStatus.QUARANTINED
    assert f"{FileStatus.IGNORED}" == "ignored" and VersionStatus.LOADED == "loaded"
