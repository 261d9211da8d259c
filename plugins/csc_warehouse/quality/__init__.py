"""The quality gate: the suites in expectations/, run by Great Expectations inside PostgreSQL.

- suites.py: the YAML suite files, read into Suite and Expectation (and rejected when unclear);
- gx.py: the Great Expectations adapter, Data Docs, GX results as CheckResult;
- gates.py: the delivery gate and the mart gate, returning typed verdicts (csc_warehouse.handoffs);
- results.py: every result into dq.validations, the flagged rows into dq.flagged_records.
"""

from csc_warehouse.quality.gates import check_deliveries, check_marts, versions_to_check
from csc_warehouse.quality.gx import data_docs_dir, data_docs_index, gx_suite_for
from csc_warehouse.quality.results import CheckResult
from csc_warehouse.quality.suites import (
    Expectation,
    Suite,
    SuiteError,
    load_suite,
    load_suites,
    render,
    suite_parameters,
)

__all__ = [
    "CheckResult",
    "Expectation",
    "Suite",
    "SuiteError",
    "check_deliveries",
    "check_marts",
    "data_docs_dir",
    "data_docs_index",
    "gx_suite_for",
    "load_suite",
    "load_suites",
    "render",
    "suite_parameters",
    "versions_to_check",
]
