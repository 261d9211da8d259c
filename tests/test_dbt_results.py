"""The weekly and audit DAGs build dbt in one task: every node's result is still seen, in dq.dbt_results
and the task log, and a failed model or test fails the task naming it."""

import json
import logging

import psycopg
import pytest

from csc_warehouse import access, dbt_results, transforming

RUN_RESULTS = {
    "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json"},
    "results": [
        {
            "unique_id": "model.csc_warehouse.int_child_keys_hashed",
            "status": "error",
            "execution_time": 0.25,
            "message": "Database Error in model int_child_keys_hashed (models/intermediate/int_child_keys_hashed.sql)\n"
            "  function keys.child_key(text, text) does not exist\n"
            "  HINT:  No function matches the given name and argument types.",
            "failures": None,
        },
        {
            "unique_id": "test.csc_warehouse.not_null_lac_weekly_la_code.1a2b",
            "status": "fail",
            "execution_time": 0.05,
            "message": "Got 2 results, configured to fail if != 0",
            "failures": 2,
        },
        {
            "unique_id": "model.csc_warehouse.stg_ssda903__episodes",
            "status": "error",
            "execution_time": 0.1,
            "message": 'Database Error\n  invalid input syntax for type integer: "A1234567"\n  DETAIL: row (A1234567)',
            "failures": None,
        },
        {
            "unique_id": "model.csc_warehouse.lac_brief_episodes",
            "status": "skipped",
            "execution_time": 0,
            "message": None,
            "failures": None,
        },
        {
            "unique_id": "seed.csc_warehouse.population_0_17",
            "status": "success",
            "execution_time": 1.5,
            "message": "INSERT 30",
            "failures": None,
        },
    ],
}


@pytest.fixture
def results(tmp_path):
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps(RUN_RESULTS))
    return dbt_results.read_run_results(path)


def test_each_node_is_read_with_its_resource_type_and_status(results):
    assert [(r.resource_type, r.status) for r in results] == [
        ("model", "error"),
        ("test", "fail"),
        ("model", "error"),
        ("model", "skipped"),
        ("seed", "success"),
    ]


def test_the_failure_names_every_failed_node_and_what_dbt_said(results):
    failure = str(dbt_results.failure_of(results))
    assert failure.startswith("dbt build: 3 node(s) failed: model int_child_keys_hashed error")
    assert "function keys.child_key(text, text) does not exist" in failure
    assert "test not_null_lac_weekly_la_code.1a2b fail (Got 2 results, configured to fail if != 0)" in failure
    assert failure.endswith("; 1 node(s) skipped after them")
    assert dbt_results.failure_of([r for r in results if not r.failed]) is None


def test_a_value_quoted_in_an_error_is_withheld(results):
    message = dbt_results.without_values(results[2].message)
    assert "A1234567" not in message
    assert message == 'Database Error invalid input syntax for type integer: "(value withheld)"'


def test_the_task_log_has_one_line_per_node(results, caplog):
    with caplog.at_level(logging.INFO, logger="csc_warehouse.dbt_results"):
        counts = dbt_results.tell(results)
    lines = [record.getMessage() for record in caplog.records if record.getMessage().startswith("dbt ")]
    assert len(lines) == len(results) + 1  # and the count by status
    assert "dbt seed population_0_17: success in 1.5s" in lines
    assert counts == {"error": 2, "fail": 1, "skipped": 1, "success": 1}


def test_results_are_kept_in_dq_and_every_analyst_reads_them(fresh_warehouse, results):
    dbt_results.record("run-1", "cp_lac_weekly", results, fresh_warehouse)
    with psycopg.connect(fresh_warehouse) as conn:
        access.apply_row_security(conn)
        rows = conn.execute(
            "select resource_type, status, failures, message from dq.dbt_results where run_id = 'run-1'"
            " order by dbt_result_id"
        ).fetchall()
        conn.execute("set role csc_analyst")
        analyst_sees = conn.execute("select count(*) from dq.dbt_results where run_id = 'run-1'").fetchone()[0]
    assert [row[:3] for row in rows] == [
        ("model", "error", None),
        ("test", "fail", 2),
        ("model", "error", None),
        ("model", "skipped", None),
        ("seed", "success", None),
    ]
    assert not any("A1234567" in (row[3] or "") for row in rows)
    assert analyst_sees == len(results)


def seed_nodes_recorded(url: str, run_id: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from dq.dbt_results where run_id = %s and resource_type = 'seed'", [run_id]
        ).fetchone()[0]


@pytest.mark.slow
def test_the_build_task_runs_one_dbt_build_and_records_each_node(fresh_warehouse):
    with psycopg.connect(fresh_warehouse) as conn:
        conn.execute("drop table if exists build.population_0_17")  # loaded by an earlier build, or not
    project_target = transforming.settings.dbt_project_dir() / "target"
    before = sorted(path.name for path in project_target.iterdir()) if project_target.exists() else []
    counts = transforming.build_for_run("run-seed", "test_dag", ["population_0_17"])
    with psycopg.connect(fresh_warehouse) as conn:
        recorded = conn.execute(
            "select resource_type, count(*) from dq.dbt_results where run_id = 'run-seed' group by 1 order by 1"
        ).fetchall()
    assert dict(recorded)["seed"] == 1 and sum(counts.values()) == sum(n for _type, n in recorded)
    assert set(counts) <= {"success", "pass"}
    # dbt wrote its target to the task's own folder, which is gone: nothing left for another task.
    assert sorted(path.name for path in project_target.iterdir()) == before


@pytest.mark.slow
def test_a_build_leaves_out_a_seed_whose_table_holds_its_file_unless_it_is_a_full_refresh(fresh_warehouse):
    """A seed is loaded when its table is missing, then left out (with its tests) while its file is the
    same; its table's comment names the file's sha256; a full refresh loads it again."""
    with psycopg.connect(fresh_warehouse) as conn:
        conn.execute("drop table if exists build.population_0_17")
    transforming.build_for_run("seed-missing", "test_dag", ["population_0_17"])
    transforming.build_for_run("seed-loaded", "test_dag", ["population_0_17"])
    transforming.build_for_run("seed-refreshed", "test_dag", ["population_0_17"], full_refresh=True)
    assert [seed_nodes_recorded(fresh_warehouse, run) for run in ("seed-missing", "seed-loaded", "seed-refreshed")] == [
        1,
        0,
        1,
    ]
    with psycopg.connect(fresh_warehouse) as conn:
        (comment,) = conn.execute("select obj_description('build.population_0_17'::regclass, 'pg_class')").fetchone()
    manifest = json.loads(transforming.ensure_manifest().read_text())
    checksum = manifest["nodes"]["seed.csc_warehouse.population_0_17"]["checksum"]["checksum"]
    assert comment == f"seed file sha256 {checksum}"
    assert "population_0_17" in transforming.seeds_to_leave_out(full_refresh=False)
    assert transforming.seeds_to_leave_out(full_refresh=True) == []


@pytest.mark.slow
def test_a_build_leaves_a_view_holding_its_sql_as_it_is_and_a_full_refresh_creates_it_again(fresh_warehouse):
    """A view is created again only when its SQL changed (macros/materializations/view.sql): the same
    relation (same oid) after a second build, a new one after a full refresh; its comment names the
    md5 of its SQL."""

    def view_oid() -> int:
        with psycopg.connect(fresh_warehouse) as conn:
            return conn.execute("select 'build.stg_ledger__delivery_versions'::regclass::oid").fetchone()[0]

    with psycopg.connect(fresh_warehouse) as conn:
        conn.execute("drop view if exists build.stg_ledger__delivery_versions cascade")
    transforming.build_for_run("view-missing", "test_dag", ["stg_ledger__delivery_versions"])
    created = view_oid()
    transforming.build_for_run("view-same", "test_dag", ["stg_ledger__delivery_versions"])
    assert view_oid() == created
    transforming.build_for_run("view-refreshed", "test_dag", ["stg_ledger__delivery_versions"], full_refresh=True)
    assert view_oid() != created
    with psycopg.connect(fresh_warehouse) as conn:
        (comment,) = conn.execute(
            "select obj_description('build.stg_ledger__delivery_versions'::regclass, 'pg_class')"
        ).fetchone()
    assert comment.startswith("view of sql md5 ") and len(comment) == len("view of sql md5 ") + 32
