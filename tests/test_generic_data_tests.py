"""The project's own generic data tests (dbt_project/tests/generic) fail on exactly the rows they
forbid: run by real dbt on a small project of their own, against the session's warehouse."""

import shutil

import psycopg
import pytest
from dbt.cli.main import dbtRunner

from csc_warehouse import settings

SCHEMA = "generic_data_tests"

MODELS = {
    # id 1 twice (a grain broken), id 2 with no label (a required column null): two failing keys.
    "rows_with_a_repeated_key_and_a_null": (
        "select * from (values (1, 'a'), (1, 'b'), (2, null), (3, 'c')) r (id, label)"
    ),
    "rows_as_they_should_be": "select * from (values (1, 'a'), (2, 'b'), (3, 'c')) r (id, label)",
}

SCHEMA_YML = """version: 2
models:
""" + "".join(
    f"""  - name: {name}
    data_tests:
      - unique_key_and_not_null_columns:
          arguments:
            key: [id]
            not_null: [label]
"""
    for name in MODELS
)


@pytest.fixture
def checks_project(tmp_path, warehouse_url, monkeypatch):
    """A dbt project of two models, the real project's profile and generic tests, building into a
    schema of its own, dropped afterwards."""
    project = settings.dbt_project_dir()
    (tmp_path / "models").mkdir()
    (tmp_path / "tests").mkdir()
    shutil.copytree(project / "tests" / "generic", tmp_path / "tests" / "generic")
    shutil.copy2(project / "profiles.yml", tmp_path / "profiles.yml")
    (tmp_path / "dbt_project.yml").write_text(
        "name: generic_data_tests\nversion: '1.0.0'\nconfig-version: 2\nprofile: csc_warehouse\n"
        "models:\n  generic_data_tests:\n    +materialized: view\n"
    )
    for name, select in MODELS.items():
        (tmp_path / "models" / f"{name}.sql").write_text(select + "\n")
    (tmp_path / "models" / "schema.yml").write_text(SCHEMA_YML)
    monkeypatch.setenv("CSC_WAREHOUSE_URL", warehouse_url)
    for name, value in settings.dbt_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CSC_DBT_SCHEMA", SCHEMA)
    yield tmp_path
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute(f"drop schema if exists {SCHEMA} cascade")


def test_unique_key_and_not_null_columns_fails_on_a_repeated_key_and_on_a_null(checks_project):
    outcome = dbtRunner().invoke(
        ["build", "--project-dir", str(checks_project), "--profiles-dir", str(checks_project), "--quiet"]
    )
    tests = {
        result.node.attached_node.split(".")[-1]: (str(result.status), result.failures)
        for result in outcome.result.results
        if result.node.resource_type == "test"
    }
    assert tests == {
        "rows_with_a_repeated_key_and_a_null": ("fail", 2),
        "rows_as_they_should_be": ("pass", 0),
    }
