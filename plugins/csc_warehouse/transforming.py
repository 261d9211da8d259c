"""dbt: parsing the project into the manifest Cosmos renders from, and building outside Airflow."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from csc_warehouse import settings

log = logging.getLogger(__name__)


def manifest_path() -> Path:
    return settings.dbt_project_dir() / "target" / "manifest.json"


def _dbt(args: list[str], *, with_warehouse: bool = True):
    from dbt.cli.main import dbtRunner

    if with_warehouse:
        settings.apply_environment(settings.dbt_environment())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    project = str(settings.dbt_project_dir())
    result = dbtRunner().invoke([*args, "--project-dir", project, "--profiles-dir", project, "--quiet"])
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception or 'see the dbt log above'}")
    return result.result


def parse_project() -> Path:
    """`dbt parse`: writes target/manifest.json, which the DAG renders its dbt tasks from."""
    _dbt(["parse"], with_warehouse=False)
    return manifest_path()


def ensure_manifest() -> Path:
    """Parse when the manifest is missing or older than any file of the dbt project."""
    manifest = manifest_path()
    project = settings.dbt_project_dir()
    sources = [p for p in project.rglob("*") if p.is_file() and "target" not in p.parts and "logs" not in p.parts]
    if not manifest.exists() or max(p.stat().st_mtime for p in sources) > manifest.stat().st_mtime:
        log.info("parsing the dbt project into %s", manifest)
        parse_project()
    return manifest


# dbt's unit tests check the definitions on fixtures, not the data: they belong to development and CI
# (`make test` runs them), and a weekly run would only pay for them again (dbt's advice too).
WITHOUT_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]


def build(select: str | None = None, *, full_refresh: bool = False) -> None:
    """`dbt build` outside Airflow (tests and benchmarks), as the DAG runs it through Cosmos: models,
    seeds and data tests, without unit tests."""
    args = ["build", *WITHOUT_UNIT_TESTS]
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    _dbt(args)


def run_unit_tests() -> int:
    """The dbt unit tests: each definition on hand-made rows (fixtures only, no warehouse data). Returns
    how many passed; any failure raises."""
    return len(_dbt(["test", "--select", "test_type:unit"]).results)


def generate_docs() -> Path:
    _dbt(["docs", "generate"])
    return settings.dbt_project_dir() / "target" / "index.html"
