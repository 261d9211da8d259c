"""What the two gates hand on: each check's result and the verdicts on deliveries and marts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Self

from csc_warehouse.handoffs.kinds import FlatHandoff, MartOutcome, Scope, Severity, XCom
from csc_warehouse.statuses import VersionStatus


@dataclass
class CheckResult:
    """One expectation's result on one batch: a delivery version's rows, or a mart."""

    suite: str
    scope: Scope
    table: str
    expectation: str
    severity: Severity
    rule: str | None
    why: str
    meaning: str | None
    action: str | None
    success: bool
    errored: bool
    unexpected_count: int | None
    delivery_version_id: int | None = None
    la_code: str | None = None
    as_at: str | None = None
    error: str | None = None
    failing_la_codes: list[str] = field(default_factory=list)
    example_keys: list[str] = field(default_factory=list)
    validation_id: int | None = None

    @property
    def blocks(self) -> bool:
        return not self.success and (self.severity is Severity.BLOCK or self.errored)

    def to_xcom(self) -> XCom:
        data = asdict(self)
        data["scope"], data["severity"] = self.scope.value, self.severity.value
        return data

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        return cls(**{**values, "scope": Scope(data["scope"]), "severity": Severity(data["severity"])})


def results_to_xcom(results: tuple[CheckResult, ...]) -> list[XCom]:
    return [result.to_xcom() for result in results]


def results_from_xcom(data: Mapping[str, Any]) -> tuple[CheckResult, ...]:
    return tuple(CheckResult.from_xcom(result) for result in data.get("results") or [])


@dataclass(frozen=True)
class VersionVerdict(FlatHandoff):
    """The delivery gate's decision on one newly loaded delivery version."""

    delivery_version_id: int
    la_code: str
    extract_date: str
    status: str  # accepted or rejected: a version status of the ledger
    reason: str | None

    @property
    def rejected(self) -> bool:
        return self.status == VersionStatus.REJECTED


@dataclass(frozen=True)
class DeliveryVerdict:
    """The delivery gate's decisions on every version it checked, and every check's result."""

    versions: tuple[VersionVerdict, ...] = ()
    results: tuple[CheckResult, ...] = ()
    data_docs: str | None = None

    @property
    def rejected_la_codes(self) -> set[str]:
        return {version.la_code for version in self.versions if version.rejected}

    def to_xcom(self) -> XCom:
        return {
            "versions": [version.to_xcom() for version in self.versions],
            "results": results_to_xcom(self.results),
            "data_docs": self.data_docs,
        }

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            versions=tuple(VersionVerdict.from_xcom(version) for version in data.get("versions") or []),
            results=results_from_xcom(data),
            data_docs=data.get("data_docs"),
        )


@dataclass(frozen=True)
class MartVerdict:
    """The mart gate's result: whether anything may publish, and whose published rows stay."""

    results: tuple[CheckResult, ...]
    blocked_everywhere: bool
    kept_la_codes: tuple[str, ...]
    data_docs: str | None = None

    @property
    def outcome(self) -> MartOutcome:
        if self.blocked_everywhere:
            return MartOutcome.BLOCKED_EVERYWHERE
        return MartOutcome.SOME_KEPT if self.kept_la_codes else MartOutcome.ALL_PASSED

    def to_xcom(self) -> XCom:
        return {
            "results": results_to_xcom(self.results),
            "blocked_everywhere": self.blocked_everywhere,
            "kept_la_codes": list(self.kept_la_codes),
            "data_docs": self.data_docs,
        }

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            results=results_from_xcom(data),
            blocked_everywhere=bool(data["blocked_everywhere"]),
            kept_la_codes=tuple(data.get("kept_la_codes") or []),
            data_docs=data.get("data_docs"),
        )
