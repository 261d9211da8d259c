"""What loading reports: a finding at the door, and the outcome of each file and delivery version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

from csc_warehouse.readers import Problem
from csc_warehouse.statuses import FileStatus, VersionStatus

# Where loading says what it is doing, a line at a time (the log, or `csc ingest`'s terminal).
Progress = Callable[[str], None]


@dataclass
class Finding:
    file_name: str
    row_number: int | None
    column_name: str | None
    value: str | None
    rule: str
    message: str
    sheet: str = ""
    row_label: str = "row"  # what the row number counts: a file row, or an XML <CHILD> element

    @classmethod
    def of_problem(cls, file_name: str, sheet: str, problem: Problem, row_label: str = "row") -> Finding:
        """A reader's problem with a file, as the door reports it."""
        return cls(
            file_name, problem.row, problem.column, problem.value, problem.rule, problem.message, sheet, row_label
        )

    @classmethod
    def of_delivery(cls, rule: str, message: str) -> Finding:
        """A finding about the delivery folder as a whole, not one of its files."""
        return cls("(delivery)", None, None, None, rule, message)

    def _where(self) -> str:
        where = self.file_name + (f"[{self.sheet}]" if self.sheet else "")
        if self.row_number is not None:
            where += f" {self.row_label} {self.row_number}"
        if self.column_name:
            where += f" column {self.column_name}"
        return where

    def __str__(self) -> str:
        return f"{self._where()}: {self.message} [{self.rule}]"

    def redacted(self) -> str:
        """Where and which rule, without the value or child id: fit for dq and the alert emails,
        which analysts and the performance team read (the full finding stays in the ledger)."""
        return f"{self._where()} breaks the door rule {self.rule} (details: csc ledger)"


@dataclass
class FileOutcome:
    file_name: str
    sha256: str
    sheet: str = ""
    table_name: str | None = None
    status: FileStatus = FileStatus.IGNORED
    reason: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.file_name}[{self.sheet}]" if self.sheet else self.file_name


@dataclass
class DeliveryOutcome:
    la_code: str
    extract_date: date
    sha256: str
    # loaded (through the door) or quarantined; else the status of the version loaded before
    status: VersionStatus
    delivery_version_id: int | None = None
    already_loaded: bool = False
    reason: str | None = None
    files: list[FileOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.la_code}/{self.extract_date.isoformat()}"

    def as_dict(self) -> dict:
        """Plain JSON-ready values (statuses as their text): what the DAG tasks pass on by XCom."""
        data = asdict(self)
        data["extract_date"] = self.extract_date.isoformat()
        data["status"] = str(self.status)
        for file in data["files"]:
            file["status"] = str(file["status"])
        data["findings"] = [str(finding) for finding in self.findings[:20]]
        return data


class Quarantine(Exception):
    """Raised inside the delivery's transaction so that nothing of it stays in raw."""
