"""What the tasks of a run hand each other, typed.

Airflow keeps a task's return value as JSON (XCom), so every hand-off here has `to_xcom()`, a
dict of plain JSON values, and `from_xcom(dict)`, its inverse. A task receives the XCom dict,
converts it at its first line and works with these objects; it converts back on return. The dict
shapes are the ones stored in dq.runs.summary and read by the alert emails: keep them stable.

This package imports nothing of the warehouse but settings, so the quality gate, the run steps
and the DAG parts can all use it without import cycles.
"""

from csc_warehouse.handoffs.deliveries import (
    DeliveryBatch,
    IngestedDelivery,
    IngestedFile,
    RunPlan,
    concatenated,
    ingested_in_batches,
)
from csc_warehouse.handoffs.kinds import MartOutcome, RunState, Scope, Severity, XCom
from csc_warehouse.handoffs.summary import DeliveryLine, HeadlineFigure, RunSummary
from csc_warehouse.handoffs.verdicts import CheckResult, DeliveryVerdict, MartVerdict, VersionVerdict

__all__ = [
    "CheckResult",
    "DeliveryBatch",
    "DeliveryLine",
    "DeliveryVerdict",
    "HeadlineFigure",
    "IngestedDelivery",
    "IngestedFile",
    "MartOutcome",
    "MartVerdict",
    "RunPlan",
    "RunState",
    "RunSummary",
    "Scope",
    "Severity",
    "VersionVerdict",
    "XCom",
    "concatenated",
    "ingested_in_batches",
]
