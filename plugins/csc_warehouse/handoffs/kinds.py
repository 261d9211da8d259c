"""The kinds a hand-off names: severities, scopes, states and outcomes; and XCom, a hand-off as JSON."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

XCom = dict[str, Any]


class Severity(StrEnum):
    """How much a failed check matters: `block` stops publication, `warn` publishes and alerts."""

    BLOCK = "block"
    WARN = "warn"


class Scope(StrEnum):
    """What a suite checks: each newly loaded delivery version, or the marts dbt built."""

    DELIVERY = "delivery"
    MART = "mart"


class RunState(StrEnum):
    """A run's final state as dq.runs records it."""

    SUCCESS = "success"
    FAILED = "failed"


class MartOutcome(StrEnum):
    """What the mart gate lets through to publication."""

    ALL_PASSED = "all_passed"
    SOME_KEPT = "some_kept"  # the failing authorities keep their published rows; the others publish
    BLOCKED_EVERYWHERE = "blocked_everywhere"  # nothing is published
