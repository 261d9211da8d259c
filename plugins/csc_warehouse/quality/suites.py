"""The suites in expectations/: one YAML file per table, read into typed Suite and Expectation.

A suite is a plain YAML file, one per table. Every expectation names its severity (`block` stops
publication, `warn` publishes and alerts), why it matters, and, where it mirrors a DfE rule, the
rule code. An expectation is either SQL returning the offending rows (`sql:`, where `{batch}` is
the rows under check) or, in a mart suite, a Great Expectations expectation class with its
arguments (a delivery check is always SQL: the delivery gate counts its rows per version). Loading a
suite fails loudly on anything it does not understand: GX would otherwise drop an invalid entry
silently."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from csc_warehouse import settings
from csc_warehouse.handoffs import Scope, Severity

SEVERITIES = tuple(severity.value for severity in Severity)
SCOPES = tuple(scope.value for scope in Scope)
SUITE_KEYS = {"table", "scope", "description", "params", "expectations"}
EXPECTATION_KEYS = {"name", "severity", "why", "rule", "sql", "expectation", "kwargs", "meaning", "action"}
# The placeholders the gates fill in themselves; any other must be one of the suite's params.
GATE_PLACEHOLDERS = {"batch", "version", "versions", "as_at", "schema"}


class SuiteError(ValueError):
    """A suite file the gate does not understand; raised on loading, before any check runs."""


@dataclass(frozen=True)
class Expectation:
    name: str
    severity: Severity
    why: str
    rule: str | None = None
    sql: str | None = None
    expectation: str | None = None
    kwargs: dict = field(default_factory=dict)
    meaning: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    scope: Scope
    expectations: tuple[Expectation, ...]
    path: Path
    params: dict = field(default_factory=dict)

    @property
    def schema_and_table(self) -> tuple[str, str]:
        if "." in self.table:
            schema, table = self.table.split(".", 1)
            return schema, table
        return settings.build_schema(), self.table


def load_suite(path: Path) -> Suite:
    data = yaml.safe_load(path.read_text()) or {}
    unknown = set(data) - SUITE_KEYS
    if unknown or "table" not in data or not isinstance(data.get("expectations"), list):
        raise SuiteError(f"{path.name}: a suite has `table` and a list of `expectations` (unknown keys: {unknown})")
    scope = data.get("scope", "mart")
    if scope not in SCOPES:
        raise SuiteError(f"{path.name}: scope must be one of {SCOPES}")
    params = data.get("params") or {}
    expectations = []
    for index, entry in enumerate(data["expectations"], start=1):
        if not isinstance(entry, dict):
            raise SuiteError(f"{path.name} expectation {index}: an expectation is a mapping of keys, not {entry!r}")
        where = f"{path.name} expectation {index} ({entry.get('name', 'unnamed')})"
        if set(entry) - EXPECTATION_KEYS:
            raise SuiteError(f"{where}: unknown keys {set(entry) - EXPECTATION_KEYS}")
        for key in ("name", "severity", "why"):
            if not entry.get(key):
                raise SuiteError(f"{where}: `{key}` is required")
        if entry["severity"] not in SEVERITIES:
            raise SuiteError(f"{where}: severity must be one of {SEVERITIES}")
        if bool(entry.get("sql")) == bool(entry.get("expectation")):
            raise SuiteError(f"{where}: give exactly one of `sql` or `expectation`")
        if entry.get("sql"):
            if "{batch}" not in entry["sql"]:
                raise SuiteError(f"{where}: `sql` must select from {{batch}}")
            placeholders = set(re.findall(r"\{(\w+)\}", entry["sql"]))
            unknown_params = placeholders - set(params) - GATE_PLACEHOLDERS
            if unknown_params:
                raise SuiteError(f"{where}: `sql` uses {unknown_params}, which the suite's params do not define")
        if entry.get("expectation"):
            if scope == Scope.DELIVERY:
                raise SuiteError(f"{where}: a delivery check is `sql` (its rows are counted per delivery version)")
            expectation_class(entry["expectation"], where)
        expectations.append(
            Expectation(
                name=entry["name"],
                severity=Severity(entry["severity"]),
                why=entry["why"],
                rule=str(entry["rule"]) if entry.get("rule") is not None else None,
                sql=entry.get("sql"),
                expectation=entry.get("expectation"),
                kwargs=entry.get("kwargs") or {},
                meaning=entry.get("meaning"),
                action=entry.get("action"),
            )
        )
    names = [e.name for e in expectations]
    if len(names) != len(set(names)):
        raise SuiteError(f"{path.name}: expectation names must be unique")
    return Suite(
        name=path.stem,
        table=data["table"],
        scope=Scope(scope),
        expectations=tuple(expectations),
        path=path,
        params=params,
    )


def load_suites(folder: Path | None = None, scope: Scope | str | None = None) -> list[Suite]:
    folder = folder or settings.expectations_dir()
    suites = [load_suite(path) for path in sorted(folder.glob("*.yml"))]
    return [suite for suite in suites if scope is None or suite.scope == scope]


def suite_parameters(suite: Suite) -> dict:
    """The suite's params, each overridable by CSC_DQ_<NAME> in the environment."""
    values = {}
    for name, default in suite.params.items():
        raw = os.environ.get(f"CSC_DQ_{name.upper()}")
        values[name] = type(default)(raw) if raw is not None else default
    return values


def render(expectation_sql: str, values: dict) -> str:
    """Fill in the suite's params; `{batch}` is left for Great Expectations."""
    rendered = expectation_sql
    for name, value in values.items():
        rendered = rendered.replace("{" + name + "}", str(value))
    return rendered


def expectation_class(name: str, where: str):
    """The Great Expectations class of that name; a SuiteError naming `where` if GX has none."""
    import great_expectations as gx

    cls = getattr(gx.expectations, name, None)
    if cls is None:
        raise SuiteError(f"{where}: {name} is not a Great Expectations expectation")
    return cls
