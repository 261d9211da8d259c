"""The quality gate: the suites in expectations/, run by Great Expectations inside PostgreSQL.

A suite is a plain YAML file, one per table. Every expectation names its severity (`block` stops
publication, `warn` publishes and alerts), why it matters, and, where it mirrors a DfE rule, the
rule code. An expectation is either SQL returning the offending rows (`sql:`, where `{batch}` is
the table) or a Great Expectations expectation class with its arguments. Loading a suite fails
loudly on anything it does not understand: GX would otherwise drop an invalid entry silently.
Results go to dq.validations.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from csc_warehouse import settings, warehouse

log = logging.getLogger(__name__)

SEVERITIES = ("block", "warn")
EXPECTATION_KEYS = {"name", "severity", "why", "rule", "sql", "expectation", "kwargs"}


class SuiteError(ValueError):
    pass


@dataclass(frozen=True)
class Expectation:
    name: str
    severity: str
    why: str
    rule: str | None = None
    sql: str | None = None
    expectation: str | None = None
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    expectations: tuple[Expectation, ...]
    path: Path


def load_suite(path: Path) -> Suite:
    data = yaml.safe_load(path.read_text()) or {}
    unknown = set(data) - {"table", "expectations"}
    if unknown or "table" not in data or not isinstance(data.get("expectations"), list):
        raise SuiteError(f"{path.name}: a suite has `table` and a list of `expectations` (unknown: {unknown})")
    expectations = []
    for index, entry in enumerate(data["expectations"], start=1):
        where = f"{path.name} expectation {index} ({entry.get('name', 'unnamed')})"
        if not isinstance(entry, dict) or set(entry) - EXPECTATION_KEYS:
            raise SuiteError(f"{where}: unknown keys {set(entry) - EXPECTATION_KEYS}")
        for key in ("name", "severity", "why"):
            if not entry.get(key):
                raise SuiteError(f"{where}: `{key}` is required")
        if entry["severity"] not in SEVERITIES:
            raise SuiteError(f"{where}: severity must be one of {SEVERITIES}")
        if bool(entry.get("sql")) == bool(entry.get("expectation")):
            raise SuiteError(f"{where}: give exactly one of `sql` or `expectation`")
        if entry.get("sql") and "{batch}" not in entry["sql"]:
            raise SuiteError(f"{where}: `sql` must select from {{batch}}")
        if entry.get("expectation"):
            _expectation_class(entry["expectation"], where)
        expectations.append(Expectation(
            name=entry["name"], severity=entry["severity"], why=entry["why"],
            rule=str(entry["rule"]) if entry.get("rule") is not None else None,
            sql=entry.get("sql"), expectation=entry.get("expectation"), kwargs=entry.get("kwargs") or {},
        ))
    names = [e.name for e in expectations]
    if len(names) != len(set(names)):
        raise SuiteError(f"{path.name}: expectation names must be unique")
    return Suite(name=path.stem, table=data["table"], expectations=tuple(expectations), path=path)


def load_suites(folder: Path | None = None) -> list[Suite]:
    folder = folder or settings.expectations_dir()
    return [load_suite(path) for path in sorted(folder.glob("*.yml"))]


def _expectation_class(name: str, where: str):
    import great_expectations as gx

    cls = getattr(gx.expectations, name, None)
    if cls is None:
        raise SuiteError(f"{where}: {name} is not a Great Expectations expectation")
    return cls


def _gx_expectation(expectation: Expectation):
    import great_expectations as gx

    if expectation.sql:
        return gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query=expectation.sql, description=expectation.name)
    cls = _expectation_class(expectation.expectation, expectation.name)
    return cls(**expectation.kwargs)


@dataclass
class CheckResult:
    suite: str
    table: str
    expectation: str
    severity: str
    rule: str | None
    success: bool
    errored: bool
    unexpected_count: int | None
    why: str
    details: dict

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def run_suites(run_id: str, schema: str | None = None, suites: list[Suite] | None = None,
               url: str | None = None) -> list[CheckResult]:
    """Validate every suite's table in `schema` (the build schema), record into dq.validations."""
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    schema = schema or settings.build_schema()
    suites = suites if suites is not None else load_suites()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_postgres(name="warehouse", connection_string=url or settings.warehouse_url())
    results: list[CheckResult] = []
    for suite in suites:
        batch = None
        try:
            asset = source.add_table_asset(name=suite.name, table_name=suite.table, schema_name=schema)
            batch = asset.add_batch_definition_whole_table("whole table").get_batch()
        except Exception as error:  # a missing table is an error, and an error blocks
            log.error("suite %s: cannot read %s.%s: %s", suite.name, schema, suite.table, error)
        for expectation in suite.expectations:
            results.append(_validate(batch, suite, expectation))
    _record(run_id, results, url)
    for result in results:
        level = logging.INFO if result.success else logging.WARNING
        log.log(level, "%s %s.%s: %s%s", result.severity, result.table, result.expectation,
                "passed" if result.success else "ERRORED" if result.errored else "FAILED",
                f" ({result.unexpected_count} rows)" if result.unexpected_count else "")
    return results


def _validate(batch, suite: Suite, expectation: Expectation) -> CheckResult:
    base = dict(suite=suite.name, table=suite.table, expectation=expectation.name, severity=expectation.severity,
                rule=expectation.rule, why=expectation.why)
    if batch is None:
        return CheckResult(**base, success=False, errored=True, unexpected_count=None,
                           details={"error": f"table {suite.table} could not be read"})
    try:
        outcome = batch.validate(_gx_expectation(expectation)).to_json_dict()
    except Exception as error:
        return CheckResult(**base, success=False, errored=True, unexpected_count=None, details={"error": str(error)})
    errored = bool(outcome.get("exception_info", {}).get("raised_exception"))
    result = outcome.get("result") or {}
    unexpected = result.get("unexpected_count", result.get("observed_value"))
    return CheckResult(**base, success=bool(outcome["success"]) and not errored, errored=errored,
                       unexpected_count=int(unexpected) if isinstance(unexpected, int | float) else None,
                       details={"exception": outcome.get("exception_info", {}).get("exception_message")}
                       if errored else {})


def _record(run_id: str, results: list[CheckResult], url: str | None) -> None:
    with warehouse.connect(url) as conn, conn.cursor() as cursor:
        cursor.executemany(
            "insert into dq.validations (run_id, suite, table_name, expectation, rule_code, severity, success,"
            " errored, unexpected_count, description, details) values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [(run_id, r.suite, r.table, r.expectation, r.rule, r.severity, r.success, r.errored,
              r.unexpected_count, r.why, json.dumps(r.details)) for r in results],
        )


def verdict(results: list[CheckResult]) -> dict:
    """What the gate decided: blocked when a `block` check failed or any check errored."""
    blocking = [r for r in results if not r.success and (r.severity == "block" or r.errored)]
    warnings = [r for r in results if not r.success and r not in blocking]
    return {
        "blocked": bool(blocking),
        "checks": len(results),
        "failed_blocking": [r.as_dict() for r in blocking],
        "failed_warnings": [r.as_dict() for r in warnings],
    }
