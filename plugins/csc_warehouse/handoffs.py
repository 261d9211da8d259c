"""What the tasks of a run hand each other, typed.

Airflow keeps a task's return value as JSON (XCom), so every hand-off here has `to_xcom()`, a
dict of plain JSON values, and `from_xcom(dict)`, its inverse. A task receives the XCom dict,
converts it at its first line and works with these objects; it converts back on return. The dict
shapes are the ones stored in dq.runs.summary and read by the alert emails: keep them stable.

This module imports nothing of the warehouse but settings, so the quality gate, the run steps
and the DAG parts can all use it without import cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from csc_warehouse import settings
from csc_warehouse.statuses import FileStatus, VersionStatus

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


@dataclass(frozen=True)
class RunPlan:
    """The run's as_at and the landing area it reads deliveries from."""

    as_at: date
    landing: Path

    def to_xcom(self) -> XCom:
        return {"as_at": self.as_at.isoformat(), "landing": str(self.landing)}

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        # A plan written by hand (tests, csc) may leave the landing area out: the configured one.
        landing = data.get("landing") or settings.landing_dir()
        return cls(as_at=date.fromisoformat(str(data["as_at"])), landing=Path(landing))


@dataclass(frozen=True)
class IngestedFile:
    """One file (or workbook sheet) of an ingested delivery: the table it fed and its status."""

    table_name: str | None
    status: str

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(table_name=data.get("table_name"), status=data.get("status", FileStatus.IGNORED))


def _delivery_fields(data: Mapping[str, Any]) -> XCom:
    """The fields a delivery has wherever it is told: at the door, in the gate, in the summary."""
    return {
        "la_code": data.get("la_code"),
        "extract_date": data.get("extract_date"),
        "delivery_version_id": data.get("delivery_version_id"),
        "status": data.get("status", ""),
        "reason": data.get("reason"),
        "already_loaded": bool(data.get("already_loaded")),
    }


@dataclass(frozen=True)
class IngestedDelivery:
    """What the ingest task reports of one delivery (loading's DeliveryOutcome as XCom).

    Only what later tasks read is kept; loading's outcome carries more (hashes, findings)."""

    la_code: str | None
    extract_date: str | None
    delivery_version_id: int | None
    status: str
    reason: str | None = None
    already_loaded: bool = False
    files: tuple[IngestedFile, ...] = ()

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        files = tuple(IngestedFile.from_xcom(file) for file in data.get("files") or [])
        return cls(**_delivery_fields(data), files=files)


@dataclass(frozen=True)
class DeliveryBatch:
    """The delivery folders one mapped ingest task loads: every folder of up to CSC_INGEST_BATCH_SIZE
    authorities, an authority's folders always in the same batch, oldest first (a correction loads
    after what it corrects)."""

    folders: tuple[str, ...] = ()

    @property
    def la_codes(self) -> tuple[str, ...]:
        return tuple(sorted({Path(folder).parent.name for folder in self.folders}))

    @property
    def label(self) -> str:
        """How the UI names the batch's ingest task: its authorities."""
        return ", ".join(self.la_codes) if self.folders else "no delivery"

    def to_xcom(self) -> XCom:
        return {"label": self.label, "la_codes": list(self.la_codes), "folders": list(self.folders)}

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(folders=tuple(data.get("folders") or []))


def concatenated(batch_outcomes: Iterable[list[XCom]] | None) -> list[XCom]:
    """The ingest's outcomes of every batch that reported, in batch order."""
    return [outcome for outcomes in batch_outcomes or [] for outcome in outcomes or []]


def ingested_in_batches(
    batch_outcomes: Iterable[list[XCom]] | None, batches: list[XCom] | None
) -> tuple[IngestedDelivery, ...] | None:
    """Every delivery the mapped ingest reported, or None when a batch did not report (its task
    failed): the run then says ingestion did not finish, as it does when one unmapped ingest failed."""
    if batches is None or batch_outcomes is None:
        return None
    reported = list(batch_outcomes)
    if len(reported) < len(batches) or any(outcomes is None for outcomes in reported):
        return None
    return tuple(IngestedDelivery.from_xcom(outcome) for outcome in concatenated(reported))


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


def _results_to_xcom(results: tuple[CheckResult, ...]) -> list[XCom]:
    return [result.to_xcom() for result in results]


def _results_from_xcom(data: Mapping[str, Any]) -> tuple[CheckResult, ...]:
    return tuple(CheckResult.from_xcom(result) for result in data.get("results") or [])


@dataclass(frozen=True)
class VersionVerdict:
    """The delivery gate's decision on one newly loaded delivery version."""

    delivery_version_id: int
    la_code: str
    extract_date: str
    status: str  # accepted or rejected: a version status of the ledger
    reason: str | None

    @property
    def rejected(self) -> bool:
        return self.status == VersionStatus.REJECTED

    def to_xcom(self) -> XCom:
        return asdict(self)

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(**{f.name: data.get(f.name) for f in fields(cls)})


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
            "results": _results_to_xcom(self.results),
            "data_docs": self.data_docs,
        }

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            versions=tuple(VersionVerdict.from_xcom(version) for version in data.get("versions") or []),
            results=_results_from_xcom(data),
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
            "results": _results_to_xcom(self.results),
            "blocked_everywhere": self.blocked_everywhere,
            "kept_la_codes": list(self.kept_la_codes),
            "data_docs": self.data_docs,
        }

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            results=_results_from_xcom(data),
            blocked_everywhere=bool(data["blocked_everywhere"]),
            kept_la_codes=tuple(data.get("kept_la_codes") or []),
            data_docs=data.get("data_docs"),
        )


@dataclass(frozen=True)
class DeliveryLine:
    """One delivery as the run summary and its email tell it: the door's outcome, then the gate's."""

    la_code: str | None
    extract_date: str | None
    delivery_version_id: int | None
    status: str
    reason: str | None
    already_loaded: bool

    def to_xcom(self) -> XCom:
        return asdict(self)

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(**_delivery_fields(data))


@dataclass(frozen=True)
class HeadlineFigure:
    """One authority's week in the run's email: its looked-after figures, its child protection figure,
    or both (None where its mart had no row for the week)."""

    la_code: str
    as_at: str
    children_looked_after: int | None = None
    lac_starts: int | None = None
    lac_ceased: int | None = None
    change_vs_previous: int | None = None
    children_on_plan: int | None = None
    cp_change_vs_previous: int | None = None

    def to_xcom(self) -> XCom:
        return asdict(self)

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(**{f.name: data.get(f.name) for f in fields(cls)})


@dataclass(frozen=True)
class RunSummary:
    """What a run did, as recorded in dq.runs and sent in the run's email; `failed` decides its state."""

    run_id: str
    as_at: str | None
    errors: tuple[str, ...]
    deliveries: tuple[DeliveryLine, ...] = ()
    checks: int = 0
    failed_checks: tuple[CheckResult, ...] = ()
    kept_la_codes: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    figures: tuple[HeadlineFigure, ...] = ()
    data_docs: str | None = None
    reports: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    @property
    def state(self) -> RunState:
        return RunState.FAILED if self.failed else RunState.SUCCESS

    def to_xcom(self) -> XCom:
        return {
            "run_id": self.run_id,
            "as_at": self.as_at,
            "failed": self.failed,
            "errors": list(self.errors),
            "deliveries": [delivery.to_xcom() for delivery in self.deliveries],
            "checks": self.checks,
            "failed_checks": _results_to_xcom(self.failed_checks),
            "kept_la_codes": list(self.kept_la_codes),
            "published": list(self.published),
            "figures": [figure.to_xcom() for figure in self.figures],
            "data_docs": self.data_docs,
            "reports": list(self.reports),
        }

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            run_id=data["run_id"],
            as_at=data.get("as_at"),
            errors=tuple(data.get("errors") or []),
            deliveries=tuple(DeliveryLine.from_xcom(delivery) for delivery in data.get("deliveries") or []),
            checks=int(data.get("checks") or 0),
            failed_checks=tuple(CheckResult.from_xcom(check) for check in data.get("failed_checks") or []),
            kept_la_codes=tuple(data.get("kept_la_codes") or []),
            published=tuple(data.get("published") or []),
            figures=tuple(HeadlineFigure.from_xcom(figure) for figure in data.get("figures") or []),
            data_docs=data.get("data_docs"),
            reports=tuple(data.get("reports") or []),
        )
