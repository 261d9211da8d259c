"""The statuses the ledger stores, one enum per column (the check constraints of migrations 001, 005).

Their values are the text in the database: a StrEnum compares equal to it, formats as it and is
passed to psycopg as it, so a status read back from the ledger (plain text) can be compared with
these members directly, or turned into one with `VersionStatus(text)`.
"""

from __future__ import annotations

from enum import StrEnum


class VersionStatus(StrEnum):
    """ledger.delivery_versions.status: where a delivery version is on its way through the door and the gate."""

    LOADING = "loading"  # its loading transaction is still open
    LOADED = "loaded"  # through the door; the quality gate has yet to judge it
    ACCEPTED = "accepted"  # by the quality gate, or by a person after review (`csc accept`)
    REJECTED = "rejected"  # by a `block` check of the quality gate
    QUARANTINED = "quarantined"  # stopped at the door: nothing of it stays in raw


class FileStatus(StrEnum):
    """ledger.delivery_files.status: what the door made of one file (or one sheet of a workbook)."""

    ACCEPTED = "accepted"  # at the door; the version's status says what became of it
    QUARANTINED = "quarantined"  # it, or another file of its version, broke a door check
    IGNORED = "ignored"  # not a table the warehouse knows
