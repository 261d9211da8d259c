"""The landing area's disk unreadable: a delivery folder or file the process may not read.

Tests run as root, who reads any file whatever its mode; `csc ingest` here runs without that
power, as a deployment's airflow user would. The error names the path, and nothing is loaded.
"""

import pytest
from conftest import scenario_database
from fault_helpers import raw_rows_of, run_csc_without_file_access, versions_of
from loading_fixtures import GOOD_EPISODES, GOOD_HEADER, deliver

LA_CODE = "312"


@pytest.fixture
def warehouse_and_delivery(warehouse_url, tmp_path):
    url = scenario_database(warehouse_url, "fault_unreadable")
    folder = deliver(
        tmp_path / "landing", LA_CODE, "2014-02-10", {"header.csv": GOOD_HEADER, "episodes.csv": GOOD_EPISODES}
    )
    yield url, folder
    for path in (folder, *folder.iterdir()):
        path.chmod(0o755)


@pytest.mark.parametrize("unreadable", ["the delivery folder", "a file in it", "the authority's folder"])
def test_an_unreadable_landing_path_is_named_and_nothing_is_loaded(warehouse_and_delivery, unreadable):
    url, folder = warehouse_and_delivery
    path = {
        "the delivery folder": folder,
        "a file in it": folder / "header.csv",
        "the authority's folder": folder.parent,
    }[unreadable]
    path.chmod(0o000)
    try:
        result = run_csc_without_file_access("ingest", str(folder.parents[1]), CSC_WAREHOUSE_URL=url)
    finally:
        path.chmod(0o755)
    assert result.returncode != 0
    assert f"Permission denied: '{path}'" in result.stderr
    assert versions_of(url, LA_CODE) == [] and raw_rows_of(url, LA_CODE) == 0
