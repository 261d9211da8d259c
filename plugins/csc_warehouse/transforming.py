"""dbt: parsing the project, the DAGs' build task, building outside Airflow and the unit tests.

A DAG runs its dbt selection as one task, one `dbt build` in the task's process (build_for_run):
under a scheduler every task pays for its own start, so a task per model cost about five CPU
seconds each (issue 15). Each node's result goes to dq.dbt_results and the task log instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from csc_warehouse import dbt_results, seeds, settings, staging_tests

log = logging.getLogger(__name__)


def manifest_path() -> Path:
    return settings.dbt_project_dir() / "target" / "manifest.json"


def _invoke(args: list[str], *, with_warehouse: bool = True):
    from dbt.cli.main import dbtRunner

    if with_warehouse:
        # Set, not defaulted: profiles.yml's CSC_DBT_* are derived from the warehouse URL, and values
        # left in the environment by an earlier build for another warehouse must not point dbt there.
        os.environ.update(settings.dbt_environment())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    project = str(settings.dbt_project_dir())
    return dbtRunner().invoke([*args, "--project-dir", project, "--profiles-dir", project, "--quiet"])


def _dbt(args: list[str], *, with_warehouse: bool = True):
    result = _invoke(args, with_warehouse=with_warehouse)
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


def build_arguments(
    select: list[str] | str | None = None, *, exclude: list[str] | None = None, full_refresh: bool = False
) -> list[str]:
    """`dbt build` of models, seeds and data tests, without unit tests: the DAGs' and everyone else's."""
    args = ["build", *WITHOUT_UNIT_TESTS]
    selected = [select] if isinstance(select, str) else list(select or [])
    if selected:
        args += ["--select", *selected]
    if exclude:
        args += ["--exclude", *exclude]
    if full_refresh:
        args.append("--full-refresh")
    return args


def seeds_to_leave_out(full_refresh: bool) -> list[str]:
    """The seeds whose table already holds their file (csc_warehouse.seeds); none on a full refresh."""
    return [] if full_refresh else seeds.unchanged(ensure_manifest())


def build(select: str | None = None, *, full_refresh: bool = False) -> None:
    """`dbt build` outside Airflow (tests and benchmarks), with the DAG's flags.

    It writes no JSON into the project's target/: the manifest there is `dbt parse`'s, which
    publishing reads while other builds run (two test workers, or a test beside a DAG run), and dbt
    rewrites a manifest in place, not atomically."""
    args = build_arguments(select, full_refresh=full_refresh, exclude=seeds_to_leave_out(full_refresh))
    _dbt([*args, *NO_JSON_ARTEFACTS])


# dbt writes a debug log of every event and statement to a file by default: about a sixth of the
# weekly build's CPU in a profile (issue 15), for a file in the task's temporary folder nobody reads. Its
# console log costs nearly as much under --quiet: dbt formats every event's line (and searches the
# environment for secrets to hide in it) before the level drops it. So the build task has dbt log
# nothing: each node's result, and the message of each that failed, goes to dq.dbt_results and the
# task log (dbt_results.tell), and an error before any node ran is raised with dbt's own words.
NO_DBT_LOGS = ["--log-level", "none", "--log-level-file", "none"]
# dbt also writes manifest.json twice (after parsing and after the run), graph.gpickle and
# run_results.json into the task's temporary folder, which nobody reads either: the nodes' results are
# taken from what dbtRunner returns instead.
NO_JSON_ARTEFACTS = ["--no-write-json"]


def build_for_run(
    run_id: str,
    dag_id: str,
    select: list[str] | None = None,
    *,
    exclude: list[str] | None = None,
    full_refresh: bool = False,
) -> dict[str, int]:
    """A DAG's dbt task: one `dbt build` of `select` (the whole project when None) less `exclude`, each node's result
    into dq.dbt_results and one log line per node. Raises DbtBuildFailed naming the nodes that failed.
    Returns how many nodes ended in each status.

    dbt's target and log folders are the task's own temporary folder (and dbt writes no log or JSON):
    nothing this task leaves on local disk is read by another, so the task runs on any worker. The
    deployment's partial-parse file (`csc dbt-parse`) is copied in when present, which spares dbt a
    full parse. Seeds whose table already holds their file are left out (csc_warehouse.seeds), unless
    it is a full refresh.

    A build of the whole project records the versions its staging tests passed on, which later
    builds skip (csc_warehouse.staging_tests); a full refresh tests every authority's latest again."""
    whole_project = select is None
    if whole_project and full_refresh:
        staging_tests.forget_passed()
    staging_tested = staging_tests.awaiting() if whole_project else []
    with tempfile.TemporaryDirectory(prefix="csc-dbt-") as folder:
        target = Path(folder) / "target"
        target.mkdir()
        partial_parse = settings.dbt_project_dir() / "target" / "partial_parse.msgpack"
        if partial_parse.exists():
            shutil.copy2(partial_parse, target / partial_parse.name)
        args = build_arguments(
            select, exclude=[*(exclude or []), *seeds_to_leave_out(full_refresh)], full_refresh=full_refresh
        )
        log.info("dbt %s", " ".join(args))
        log.info("dbt's target and logs: %s (this task's own temporary folder)", folder)
        logs = ["--log-path", str(Path(folder) / "logs"), *NO_DBT_LOGS]
        outcome = _invoke([*args, "--target-path", str(target), *logs, *NO_JSON_ARTEFACTS])
    results = dbt_results.results_of(outcome.result)
    if results:
        dbt_results.record(run_id, dag_id, results)
    counts = dbt_results.tell(results)
    failure = dbt_results.failure_of(results)
    if failure is not None:
        raise failure
    if not outcome.success:
        # dbt stopped before any node ran (a project that does not parse, no warehouse): its own words.
        raise dbt_results.DbtBuildFailed(f"dbt build failed: {outcome.exception or 'see the dbt log above'}")
    staging_tests.record_passed(run_id, staging_tested)
    return counts


def run_unit_tests() -> int:
    """The dbt unit tests: each definition on hand-made rows (fixtures only, no warehouse data). Returns
    how many passed; any failure raises."""
    return len(_dbt(["test", "--select", "test_type:unit"]).results)


def generate_docs() -> Path:
    _dbt(["docs", "generate"])
    return settings.dbt_project_dir() / "target" / "index.html"
