"""The quality gate: the suites in expectations/, run by Great Expectations inside PostgreSQL.

A suite is a plain YAML file, one per table. Every expectation names its severity (`block` stops
publication, `warn` publishes and alerts), why it matters, and, where it mirrors a DfE rule, the
rule code. An expectation is either SQL returning the offending rows (`sql:`, where `{batch}` is
the rows under check) or a Great Expectations expectation class with its arguments. Loading a
suite fails loudly on anything it does not understand: GX would otherwise drop an invalid entry
silently.

Two scopes:
- `delivery` suites check each newly loaded delivery version on its own (`{batch}` is that
  version's rows of a raw table, or of its typed view raw.<table>_typed, `{version}` its id). A
  `block` failure rejects the version: its authority's published figures stay those of its last
  accepted version.
- `mart` suites check the marts dbt built in the build schema before publication. A `block`
  failure on an authority's rows keeps that authority's published rows as they were.
A check that errors, rather than fails, counts as `block`. Every result goes to dq.validations,
the flagged records (pseudonymous key, dates and codes only) to dq.flagged_records.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import yaml
from psycopg import sql as pgsql

from csc_warehouse import settings, warehouse
from csc_warehouse.statuses import FileStatus, VersionStatus

log = logging.getLogger(__name__)

SEVERITIES = ("block", "warn")
SCOPES = ("delivery", "mart")
SUITE_KEYS = {"table", "scope", "description", "params", "expectations"}
EXPECTATION_KEYS = {"name", "severity", "why", "rule", "sql", "expectation", "kwargs", "meaning", "action"}
FLAGGED_RECORDS_PER_CHECK = 500
# Never copied into dq: the analysts who read it see pseudonymous keys, dates and codes only.
IDENTIFYING_COLUMNS = {
    "child",
    "child_id",
    "lachildid",
    "upn",
    "dob",
    "mc_dob",
    "mother",
    "home_post",
    "pl_post",
    "urn",
    "personbirthdate",
    "birth_date",
    "name",
    "postcode",
    "sw_id",
}


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
    meaning: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    scope: str
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
            unknown_params = placeholders - set(params) - {"batch", "version", "as_at", "schema"}
            if unknown_params:
                raise SuiteError(f"{where}: `sql` uses {unknown_params}, which the suite's params do not define")
        if entry.get("expectation"):
            _expectation_class(entry["expectation"], where)
        expectations.append(
            Expectation(
                name=entry["name"],
                severity=entry["severity"],
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
        name=path.stem, table=data["table"], scope=scope, expectations=tuple(expectations), path=path, params=params
    )


def load_suites(folder: Path | None = None, scope: str | None = None) -> list[Suite]:
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


def _expectation_class(name: str, where: str):
    import great_expectations as gx

    cls = getattr(gx.expectations, name, None)
    if cls is None:
        raise SuiteError(f"{where}: {name} is not a Great Expectations expectation")
    return cls


# -- results -----------------------------------------------------------------------------------


@dataclass
class CheckResult:
    suite: str
    scope: str
    table: str
    expectation: str
    severity: str
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
        return not self.success and (self.severity == "block" or self.errored)

    def as_dict(self) -> dict:
        return asdict(self)


# -- running suites with Great Expectations ------------------------------------------------------


class _Gx:
    """One ephemeral Great Expectations context per gate run, writing Data Docs to a folder."""

    def __init__(self, url: str | None):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.docs_dir = data_docs_dir()
        self.context.add_data_docs_site(
            site_name="csc",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        self.source = self.context.data_sources.add_postgres(
            name="warehouse", connection_string=url or settings.warehouse_url()
        )
        self._names: set[str] = set()

    def _unique(self, name: str) -> str:
        base, number = re.sub(r"[^A-Za-z0-9_]", "_", name), 1
        candidate = base
        while candidate in self._names:
            number += 1
            candidate = f"{base}_{number}"
        self._names.add(candidate)
        return candidate

    def validate(self, suite: Suite, name: str, query: str, values: dict) -> dict[str, dict]:
        """Run the suite on the rows `query` selects; returns each expectation's GX result by name."""
        gx = self.gx
        asset = self.source.add_query_asset(name=self._unique(name), query=query)
        batch_definition = asset.add_batch_definition_whole_table("rows under check")
        gx_suite = self.context.suites.add(gx_suite_for(suite, values, name=self._unique(f"{suite.name}__{name}")))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=self._unique(name), data=batch_definition, suite=gx_suite)
        )
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(
                name=self._unique(f"checkpoint_{name}"),
                validation_definitions=[definition],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["csc"])],
            )
        )
        outcome = checkpoint.run()
        by_name = {}
        for validation in outcome.run_results.values():
            for result in validation.results:
                data = result.to_json_dict()
                by_name[data["expectation_config"]["meta"]["name"]] = data
        return by_name


def gx_suite_for(suite: Suite, values: dict, name: str | None = None):
    """The Great Expectations suite for one of ours, every expectation carrying its severity and rule.

    GX drops an expectation it cannot build without a word, so the counts are compared here."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    gx_suite = gx.ExpectationSuite(name=name or suite.name)
    for expectation in suite.expectations:
        if expectation.sql:
            gx_expectation = gx.expectations.UnexpectedRowsExpectation(
                unexpected_rows_query=render(expectation.sql, values), description=expectation.name
            )
        else:
            gx_expectation = _expectation_class(expectation.expectation, expectation.name)(**expectation.kwargs)
        gx_expectation.meta = {
            "name": expectation.name,
            "severity": expectation.severity,
            "rule": expectation.rule,
            "why": expectation.why,
        }
        gx_suite.add_expectation(gx_expectation)
    if len(gx_suite.expectations) != len(suite.expectations):
        raise SuiteError(
            f"{suite.path.name}: Great Expectations kept {len(gx_suite.expectations)} of "
            f"{len(suite.expectations)} expectations"
        )
    return gx_suite


def data_docs_dir() -> Path:
    return settings.data_docs_dir()


def data_docs_index() -> Path:
    return data_docs_dir() / "index.html"


def _to_result(
    suite: Suite, expectation: Expectation, gx_result: dict | None, error: str | None = None, **where
) -> CheckResult:
    base = dict(
        suite=suite.name,
        scope=suite.scope,
        table=suite.table,
        expectation=expectation.name,
        severity=expectation.severity,
        rule=expectation.rule,
        why=expectation.why,
        meaning=expectation.meaning,
        action=expectation.action,
        **where,
    )
    if gx_result is None:
        return CheckResult(
            **base, success=False, errored=True, unexpected_count=None, error=error or "the check did not run"
        )
    error = _raised_exception(gx_result.get("exception_info") or {})
    if error:
        return CheckResult(**base, success=False, errored=True, unexpected_count=None, error=error)
    result = gx_result.get("result") or {}
    unexpected = result.get("unexpected_count", result.get("observed_value"))
    return CheckResult(
        **base,
        success=bool(gx_result["success"]),
        errored=False,
        unexpected_count=int(unexpected) if isinstance(unexpected, int | float) else None,
    )


def _raised_exception(exception_info: dict) -> str | None:
    """GX reports an error at the top level, or per metric when a query failed; either is an error."""
    if exception_info.get("raised_exception"):
        return exception_info.get("exception_message") or "the check raised an exception"
    for value in exception_info.values():
        if isinstance(value, dict) and (value.get("raised_exception") or value.get("exception_traceback")):
            message = value.get("exception_message") or value.get("exception_traceback", "").strip().splitlines()[-1]
            return message
    return None


def _run_suite(gx_run: _Gx, suite: Suite, name: str, query: str, values: dict, **where) -> list[CheckResult]:
    try:
        by_name = gx_run.validate(suite, name, query, values)
    except Exception as error:  # a missing table or a broken query: every check of the suite errored
        log.error("suite %s could not run on %s: %s", suite.name, name, error)
        return [_to_result(suite, e, None, error=str(error), **where) for e in suite.expectations]
    return [_to_result(suite, e, by_name.get(e.name), **where) for e in suite.expectations]


# -- the two gates -------------------------------------------------------------------------------


def versions_to_check(conn) -> list[tuple[int, str, date]]:
    return conn.execute(
        "select delivery_version_id, la_code, extract_date from ledger.delivery_versions"
        " where status = %s order by extract_date, la_code, delivery_version_id",
        [VersionStatus.LOADED],
    ).fetchall()


def _tables_in(conn, version: int) -> set[str]:
    """The suite tables a version delivered: raw.<table>, and its typed view raw.<table>_typed (migration 008)."""
    rows = conn.execute(
        "select table_name from ledger.delivery_files where delivery_version_id = %s and status = %s",
        [version, FileStatus.ACCEPTED],
    ).fetchall()
    return {f"raw.{name}{view}" for (name,) in rows for view in ("", "_typed")}


def check_deliveries(run_id: str, *, url: str | None = None, suites: list[Suite] | None = None) -> dict:
    """Check every loaded-but-unchecked delivery version; accept or reject each."""
    suites = suites if suites is not None else load_suites(scope="delivery")
    with warehouse.connect(url) as conn:
        versions = versions_to_check(conn)
        if not versions:
            log.info("no newly loaded delivery version to check")
            return {"versions": [], "results": []}
        gx_run = _Gx(url)
        results: list[CheckResult] = []
        outcomes = []
        for version, la_code, extract_date in versions:
            present = _tables_in(conn, version)
            version_results = []
            for suite in suites:
                if suite.table not in present:
                    continue
                values = {**suite_parameters(suite), "version": version, "as_at": f"date '{extract_date}'"}
                query = f"select * from {suite.table} where delivery_version_id = {int(version)}"
                version_results += _run_suite(
                    gx_run,
                    suite,
                    f"{suite.name}_v{version}",
                    query,
                    values,
                    delivery_version_id=version,
                    la_code=la_code,
                    as_at=extract_date.isoformat(),
                )
            blocking = [r for r in version_results if r.blocks]
            status = VersionStatus.REJECTED if blocking else VersionStatus.ACCEPTED
            reason = None
            if blocking:
                first = blocking[0]
                reason = (
                    f"{len(blocking)} blocking check(s) failed; first: {first.table}.{first.expectation}"
                    + (f" (DfE rule {first.rule})" if first.rule else "")
                    + (f" on {first.unexpected_count} row(s)" if first.unexpected_count else "")
                    + (f": {first.error}" if first.error else "")
                )
            conn.execute(
                "update ledger.delivery_versions set status = %s, reason = coalesce(%s, reason),"
                " checked_at = now(), checked_by_run = %s where delivery_version_id = %s",
                [status, reason, run_id, version],
            )
            log.log(
                logging.WARNING if blocking else logging.INFO,
                "delivery %s/%s version %s: %s%s",
                la_code,
                extract_date,
                version,
                status,
                f" ({reason})" if reason else "",
            )
            outcomes.append(
                {
                    "delivery_version_id": version,
                    "la_code": la_code,
                    "extract_date": extract_date.isoformat(),
                    "status": str(status),  # plain text in the XCom hand-off
                    "reason": reason,
                }
            )
            results += version_results
        conn.commit()
    _record(run_id, results, suites, url)
    return {"versions": outcomes, "results": [r.as_dict() for r in results], "data_docs": str(data_docs_index())}


def check_marts(run_id: str, as_at: str, *, url: str | None = None, suites: list[Suite] | None = None) -> dict:
    """Check the built marts; a blocking failure keeps the failing authorities' published rows."""
    suites = suites if suites is not None else load_suites(scope="mart")
    gx_run = _Gx(url)
    results: list[CheckResult] = []
    for suite in suites:
        schema, table = suite.schema_and_table
        values = {**suite_parameters(suite), "as_at": f"date '{date.fromisoformat(as_at)}'", "schema": schema}
        query = f'select * from "{schema}"."{table}"'
        results += _run_suite(gx_run, suite, f"{suite.name}_{as_at}", query, values, as_at=as_at)
    _record(run_id, results, suites, url)
    blocking = [r for r in results if r.blocks]
    blocked_everywhere = any(r.errored or not r.failing_la_codes for r in blocking)
    kept = sorted({code for r in blocking for code in r.failing_la_codes})
    return {
        "results": [r.as_dict() for r in results],
        "blocked_everywhere": blocked_everywhere,
        "kept_la_codes": kept,
        "data_docs": str(data_docs_index()),
    }


# -- recording ---------------------------------------------------------------------------------


def _flagged_rows(conn, suite: Suite, expectation: Expectation, result: CheckResult, values: dict):
    """The rows a failed SQL check flagged, as (la_code, child_key, record without identifiers)."""
    if not expectation.sql or result.errored:
        return []
    schema, table = suite.schema_and_table
    if result.delivery_version_id is not None:
        batch = f"(select * from {suite.table} where delivery_version_id = {int(result.delivery_version_id)})"
    else:
        batch = f'"{schema}"."{table}"'
    query = render(expectation.sql, values).replace("{batch}", batch)
    has_key_function = conn.execute("select to_regprocedure('keys.child_key(text,text)') is not null").fetchone()[0]
    cursor = conn.execute(
        pgsql.SQL("select * from ({}) as flagged limit {}").format(
            pgsql.SQL(query), pgsql.Literal(FLAGGED_RECORDS_PER_CHECK)
        )
    )
    columns = [c.name for c in cursor.description]
    flagged = []
    for row in cursor.fetchall():
        record = dict(zip(columns, row, strict=True))
        la_code = record.get("la_code") or result.la_code
        child = record.get("child") or record.get("child_id") or record.get("lachildid")
        key = record.get("child_key")
        if key is None and child is not None and la_code is not None and has_key_function:
            key = conn.execute("select keys.child_key(%s, %s)", [la_code, str(child)]).fetchone()[0]
        kept = {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in record.items()
            if k.lower() not in IDENTIFYING_COLUMNS and k != "child_key"
        }
        flagged.append((la_code, key, json.dumps(kept, default=str)))
    return flagged


def _record(run_id: str, results: list[CheckResult], suites: list[Suite], url: str | None) -> None:
    by_name = {(s.name, e.name): (s, e) for s in suites for e in s.expectations}
    with warehouse.connect(url) as conn:
        for result in results:
            suite, expectation = by_name[(result.suite, result.expectation)]
            values = {
                **suite_parameters(suite),
                "version": result.delivery_version_id or 0,
                "as_at": f"date '{result.as_at}'" if result.as_at else "current_date",
                "schema": suite.schema_and_table[0],
            }
            flagged = [] if result.success else _flagged_rows(conn, suite, expectation, result, values)
            result.failing_la_codes = sorted({la for la, _key, _record in flagged if la})
            result.example_keys = [key for _la, key, _record in flagged if key][:10]
            result.validation_id = conn.execute(
                "insert into dq.validations (run_id, suite, scope, table_name, expectation, rule_code, severity,"
                " success, errored, unexpected_count, la_code, delivery_version_id, as_at, description, details)"
                " values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) returning validation_id",
                [
                    run_id,
                    result.suite,
                    result.scope,
                    result.table,
                    result.expectation,
                    result.rule,
                    result.severity,
                    result.success,
                    result.errored,
                    result.unexpected_count,
                    result.la_code,
                    result.delivery_version_id,
                    result.as_at,
                    result.why,
                    json.dumps({"error": result.error} if result.error else {}),
                ],
            ).fetchone()[0]
            if flagged:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "insert into dq.flagged_records (validation_id, la_code, child_key, record)"
                        " values (%s, %s, %s, %s)",
                        [(result.validation_id, *row) for row in flagged],
                    )
    for result in results:
        if not result.success:
            log.warning(
                "%s %s.%s%s: %s",
                result.severity,
                result.table,
                result.expectation,
                f" (rule {result.rule})" if result.rule else "",
                f"ERRORED: {result.error}" if result.errored else f"{result.unexpected_count} row(s)",
            )
