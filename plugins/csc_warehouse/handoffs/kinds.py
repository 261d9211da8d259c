"""The kinds a hand-off names: severities, scopes, states and outcomes; and XCom, a hand-off as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from enum import StrEnum
from typing import Any, Self

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


class FlatHandoff:
    """A dataclass hand-off of plain JSON values only: to XCom as its fields, back field by field
    (a field the XCom lacks is None)."""

    def to_xcom(self) -> XCom:
        return asdict(self)

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(**{f.name: data.get(f.name) for f in fields(cls)})
