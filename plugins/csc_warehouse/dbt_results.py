"""What one `dbt build` did, node by node: read from its result (or run_results.json), kept in dq.dbt_results, told
in the task log, and turned into the error that fails the build task when a node failed.

The weekly and audit DAGs run dbt as one task (csc_warehouse.transforming.build_for_run), so a
model's or a test's result is not an Airflow task state any more: it is here instead.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from csc_warehouse import warehouse

log = logging.getLogger(__name__)


class NodeStatus(StrEnum):
    """dbt's statuses in run_results.json: models and seeds succeed or error, tests pass, warn or fail."""

    SUCCESS = "success"
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"
    NO_OP = "no-op"


FAILED_STATUSES = {NodeStatus.FAIL, NodeStatus.ERROR}
# A message line that ends in a quoted value ('invalid input syntax for type date: "31/02/2014"')
# may quote a child's id or date; DETAIL lines show whole rows. dq.dbt_results is read by every
# authority's analysts, so neither is kept there.
QUOTED_VALUE_AT_END = re.compile(r':\s*"[^"]*"\s*$')
MESSAGE_LINES_KEPT = 6


class DbtBuildFailed(RuntimeError):
    """A model, seed or data test failed: the build task fails, naming them."""


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    status: str
    execution_time: float | None
    message: str | None
    failures: int | None

    @property
    def resource_type(self) -> str:
        """model, seed, test, snapshot: the first part of dbt's unique_id (model.csc_warehouse.lac_weekly)."""
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.unique_id.split(".", 2)[-1]

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    def log_line(self) -> str:
        seconds = f"{self.execution_time:.1f}s" if self.execution_time is not None else "-"
        failures = f", {self.failures} failing row(s)" if self.failures else ""
        message = f": {without_values(self.message)}" if self.failed and self.message else ""
        return f"dbt {self.resource_type} {self.name}: {self.status} in {seconds}{failures}{message}"


def without_values(message: str | None) -> str | None:
    """dbt's message fit for dq and the logs: the first lines, with DETAIL lines and quoted values withheld."""
    if message is None:
        return None
    kept = []
    for line in message.strip().splitlines()[:MESSAGE_LINES_KEPT]:
        line = line.strip()
        if not line or line.startswith("DETAIL:"):
            continue
        kept.append(QUOTED_VALUE_AT_END.sub(': "(value withheld)"', line))
    return " ".join(kept)


def read_run_results(path: Path) -> list[NodeResult]:
    """Every node of run_results.json, in the order dbt finished them."""
    data = json.loads(path.read_text())
    return [
        NodeResult(
            unique_id=result["unique_id"],
            status=str(result["status"]),
            execution_time=result.get("execution_time"),
            message=result.get("message"),
            failures=result.get("failures"),
        )
        for result in data.get("results") or []
    ]


def results_of(execution) -> list[NodeResult]:
    """Every node of the result `dbtRunner().invoke` returns (a RunExecutionResult), as run_results.json
    would list them: the build task reads them there, since it has dbt write no JSON (transforming)."""
    return [
        NodeResult(
            unique_id=result.node.unique_id,
            status=str(result.status),
            execution_time=result.execution_time,
            message=result.message,
            failures=result.failures,
        )
        for result in getattr(execution, "results", None) or []
    ]


def record(run_id: str, dag_id: str, results: list[NodeResult], url: str | None = None) -> None:
    """One row per node in dq.dbt_results; a retried build adds its own rows (recorded_at tells them apart)."""
    with warehouse.connect(url) as conn, conn.cursor() as cursor:
        cursor.executemany(
            "insert into dq.dbt_results (run_id, dag_id, unique_id, resource_type, status, execution_time,"
            " message, failures) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    run_id,
                    dag_id,
                    r.unique_id,
                    r.resource_type,
                    r.status,
                    r.execution_time,
                    without_values(r.message),
                    r.failures,
                )
                for r in results
            ],
        )


def tell(results: list[NodeResult]) -> dict[str, int]:
    """One log line per node, then how many ended in each status (what the build task returns)."""
    counts: dict[str, int] = {}
    for result in results:
        log.log(logging.ERROR if result.failed else logging.INFO, "%s", result.log_line())
        counts[result.status] = counts.get(result.status, 0) + 1
    log.info("dbt build: %d node(s): %s", len(results), ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return counts


def failure_of(results: list[NodeResult]) -> DbtBuildFailed | None:
    """The error naming every failed node and its message, or None when none failed."""
    failed = [result for result in results if result.failed]
    if not failed:
        return None
    skipped = sum(1 for result in results if result.status == NodeStatus.SKIPPED)
    named = "; ".join(
        f"{r.resource_type} {r.name} {r.status}" + (f" ({without_values(r.message)})" if r.message else "")
        for r in failed
    )
    return DbtBuildFailed(
        f"dbt build: {len(failed)} node(s) failed: {named}"
        + (f"; {skipped} node(s) skipped after them" if skipped else "")
    )
