"""What the first tasks of a run hand on: the run's plan, the delivery batches and what ingest loaded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Self

from csc_warehouse import settings
from csc_warehouse.handoffs.kinds import XCom
from csc_warehouse.statuses import FileStatus


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


def delivery_fields(data: Mapping[str, Any]) -> XCom:
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
        return cls(**delivery_fields(data), files=files)


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
