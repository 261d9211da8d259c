"""What a run says at its end: its summary, as dq.runs records it and its email tells it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Self

from csc_warehouse.handoffs.deliveries import delivery_fields
from csc_warehouse.handoffs.kinds import FlatHandoff, RunState, XCom
from csc_warehouse.handoffs.returns import ReturnReadiness
from csc_warehouse.handoffs.verdicts import CheckResult, results_to_xcom


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
        return cls(**delivery_fields(data))


@dataclass(frozen=True)
class HeadlineFigure(FlatHandoff):
    """One authority's week in the run's email: its looked-after figures, its child protection figure,
    its front door figures (reporting.cin_weekly, where it delivered a CIN census), or some of them
    (None where its mart had no row for the week)."""

    la_code: str
    as_at: str
    children_looked_after: int | None = None
    lac_starts: int | None = None
    lac_ceased: int | None = None
    change_vs_previous: int | None = None
    children_on_plan: int | None = None
    cp_change_vs_previous: int | None = None
    referrals: int | None = None
    re_referrals_12m: int | None = None
    assessments_completed: int | None = None
    assessments_within_45wd: int | None = None
    icpcs: int | None = None
    icpcs_within_15wd: int | None = None
    children_on_cin_plan: int | None = None
    cin_plan_step_downs: int | None = None


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
    # Each authority's DfE return findings this week (the weekly run), as reporting.return_readiness has them.
    return_readiness: tuple[ReturnReadiness, ...] = ()

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
            "failed_checks": results_to_xcom(self.failed_checks),
            "kept_la_codes": list(self.kept_la_codes),
            "published": list(self.published),
            "figures": [figure.to_xcom() for figure in self.figures],
            "data_docs": self.data_docs,
            "reports": list(self.reports),
            "return_readiness": [readiness.to_xcom() for readiness in self.return_readiness],
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
            return_readiness=tuple(ReturnReadiness.from_xcom(r) for r in data.get("return_readiness") or []),
        )
