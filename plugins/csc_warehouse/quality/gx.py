"""The Great Expectations adapter: one ephemeral context per gate run, our suites as GX suites,
GX's results as our CheckResult. Data Docs go to a folder the run summary names, built once at the
end of each gate run (GxRun.build_data_docs): a checkpoint action rebuilding them after every
validation cost 23.5 s for 60 checkpoints against 4.6 s built once (issue 15).

GX is imported inside the functions: importing it is slow, and parsing a DAG must stay fast.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from csc_warehouse import settings
from csc_warehouse.handoffs import CheckResult
from csc_warehouse.quality.suites import Expectation, Suite, SuiteError, expectation_class, render

log = logging.getLogger(__name__)


class GxRun:
    """One ephemeral Great Expectations context per gate run, writing Data Docs to a folder."""

    def __init__(self, url: str | None):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        # GX logs a few INFO lines per validation: 37,800 in the gate's task log of a 150-authority week.
        # What a person needs from a check is in dq.validations, the run's email and Data Docs.
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
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
            gx.Checkpoint(name=self._unique(f"checkpoint_{name}"), validation_definitions=[definition], actions=[])
        )
        outcome = checkpoint.run()
        by_name = {}
        for validation in outcome.run_results.values():
            for result in validation.results:
                data = result.to_json_dict()
                by_name[data["expectation_config"]["meta"]["name"]] = data
        return by_name

    def build_data_docs(self) -> Path:
        """The Data Docs of every validation of this gate run, built once; returns the index page.
        A failure to write them is logged, not raised: the checks' results are in dq already."""
        try:
            self.context.build_data_docs(site_names=["csc"])
        except Exception as error:
            log.error("could not build the Data Docs in %s: %s", self.docs_dir, error)
        return data_docs_index()


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
            gx_expectation = expectation_class(expectation.expectation, expectation.name)(**expectation.kwargs)
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


def run_suite(gx_run: GxRun, suite: Suite, name: str, query: str, values: dict, **where) -> list[CheckResult]:
    """The suite on the rows `query` selects, one CheckResult per expectation; `where` says which batch."""
    try:
        by_name = gx_run.validate(suite, name, query, values)
    except Exception as error:  # a missing table or a broken query: every check of the suite errored
        log.error("suite %s could not run on %s: %s", suite.name, name, error)
        return [_to_result(suite, e, None, error=str(error), **where) for e in suite.expectations]
    return [_to_result(suite, e, by_name.get(e.name), **where) for e in suite.expectations]
