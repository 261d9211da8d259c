"""Faults while a delivery loads: the process killed during COPY, the same delivery loaded by two
runs at once, and the database restarting mid-ingest.

Each case loads a big delivery with `csc ingest` in its own process and strikes when the server
says the COPY is streaming. Afterwards: the ledger holds no half version and `raw` no row of it,
the versions accepted before are whole, and loading again loads it exactly once. The two runs at
once race on a lock the test holds until the server shows both queued on it, not on timing.
"""

import signal
from datetime import date
from pathlib import Path

import psycopg
import pytest
from conftest import run_csc, scenario_database
from fault_helpers import DeliveryLock, ServerWatch, raw_rows_of, start_csc, versions_of, wait_for, write_big_delivery
from loading_fixtures import GOOD_EPISODES, GOOD_HEADER, deliver, ingest

from csc_warehouse import publishing, settings
from csc_warehouse.embedded import EmbeddedWarehouse

BIG_LA, ACCEPTED_LA = "311", "310"
CHILDREN = 120_000  # 600,000 rows: the episodes COPY streams long enough to be caught


@pytest.fixture(scope="module")
def big_delivery(tmp_path_factory):
    """One big delivery, written once and copied into each case's own landing area."""
    return write_big_delivery(tmp_path_factory.mktemp("big-delivery"), BIG_LA, "2014-02-10", CHILDREN)


def landed(big_delivery, root: Path) -> Path:
    source, _rows = big_delivery
    folder = root / BIG_LA / "2014-02-10"
    folder.mkdir(parents=True)
    for file in source.iterdir():
        (folder / file.name).hardlink_to(file)
    return folder


def with_an_accepted_delivery(url: str, root: Path) -> tuple:
    """Another authority's version, loaded, accepted and published before the fault; returns what
    the ledger, raw and reporting then hold of it."""
    outcome, _ = ingest(
        url, deliver(root, ACCEPTED_LA, "2014-02-03", {"header.csv": GOOD_HEADER, "episodes.csv": GOOD_EPISODES})
    )
    with psycopg.connect(url) as conn:
        conn.execute(
            "update ledger.delivery_versions set status = 'accepted' where delivery_version_id = %s",
            [outcome.delivery_version_id],
        )
        conn.execute(
            "create table build.ingest_fault_probe as select la_code, count(*) as episodes"
            " from raw.ssda903_episodes group by la_code"
        )
    publishing.publish("before the fault", tables=["ingest_fault_probe"], url=url)
    return what_the_accepted_delivery_left(url)


def what_the_accepted_delivery_left(url: str) -> tuple:
    with psycopg.connect(url) as conn:
        published = conn.execute("select * from reporting.ingest_fault_probe order by la_code").fetchall()
    return versions_of(url, ACCEPTED_LA), raw_rows_of(url, ACCEPTED_LA), published


def assert_nothing_of_it_and_the_accepted_whole(url, accepted_before):
    assert versions_of(url, BIG_LA) == [], "no version, not even a half one, is in the ledger"
    assert raw_rows_of(url, BIG_LA) == 0, "no row of the interrupted delivery is in raw"
    assert what_the_accepted_delivery_left(url) == accepted_before, "accepted and published rows are whole"


def assert_loads_once_again(url, folder, rows):
    again = run_csc("ingest", str(folder), CSC_WAREHOUSE_URL=url)
    assert again.returncode == 0, again.stderr[-2000:]
    [(_version, status, rows_loaded)] = versions_of(url, BIG_LA)
    assert (status, rows_loaded, raw_rows_of(url, BIG_LA)) == ("loaded", rows, rows)


def test_a_process_killed_during_copy_leaves_nothing_and_loads_again(warehouse_url, big_delivery, tmp_path):
    url = scenario_database(warehouse_url, "fault_killed_copy")
    accepted_before = with_an_accepted_delivery(url, tmp_path)
    folder = landed(big_delivery, tmp_path)
    with ServerWatch(url) as server:
        process = start_csc("ingest", str(folder), CSC_WAREHOUSE_URL=url)
        wait_for(server.copy_is_streaming, "the COPY to stream")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        wait_for(server.no_loading_session_left, "the server to roll the dead client's transaction back")
    assert process.returncode == -signal.SIGKILL
    assert_nothing_of_it_and_the_accepted_whole(url, accepted_before)
    assert_loads_once_again(url, folder, big_delivery[1])


def test_two_runs_loading_the_same_delivery_at_once_make_one_version(warehouse_url, big_delivery, tmp_path):
    url = scenario_database(warehouse_url, "fault_two_at_once")
    folder = landed(big_delivery, tmp_path)
    # The test holds the delivery's lock, so both runs are really racing however slow the machine:
    # each queues on it, in the order they started, and the server grants it in that order.
    with ServerWatch(url) as server, DeliveryLock(url, BIG_LA, date(2014, 2, 10)) as lock:
        first = start_csc("ingest", str(folder), CSC_WAREHOUSE_URL=url)
        [first_pid] = wait_for(lambda: server.ingests_waiting_for(lock), "the first run to wait for the lock", 120)
        second = start_csc("ingest", str(folder), CSC_WAREHOUSE_URL=url)

        def both_wait() -> set[int]:
            waiting = server.ingests_waiting_for(lock)
            return waiting if len(waiting) == 2 else set()

        assert first_pid in wait_for(both_wait, "the second run to wait behind the first", 120)
        lock.release()
        outputs = [process.communicate(timeout=300) for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], outputs
    assert "1 loaded" in outputs[0][0]
    assert "these bytes were loaded before" in outputs[1][0] and "1 loaded before" in outputs[1][0]
    [(_version, status, rows_loaded)] = versions_of(url, BIG_LA)
    assert (status, rows_loaded, raw_rows_of(url, BIG_LA)) == ("loaded", big_delivery[1], big_delivery[1])


@pytest.fixture
def own_server(tmp_path):
    """A warehouse server of the test's own, which it may restart without disturbing the others
    (and which exists whether or not CSC_TEST_WAREHOUSE_URL names an outside server)."""
    server = EmbeddedWarehouse(tmp_path / "own-server")
    server.start()
    yield server
    server.stop(keep_data=False)  # its folder goes with the test


def test_a_database_restart_during_an_ingest_leaves_nothing_and_says_so(own_server, big_delivery, tmp_path):
    url = scenario_database(own_server.url, "fault_restart")
    accepted_before = with_an_accepted_delivery(url, tmp_path)
    folder = landed(big_delivery, tmp_path)
    with ServerWatch(url) as server:
        process = start_csc("ingest", str(folder), CSC_WAREHOUSE_URL=url)
        wait_for(server.copy_is_streaming, "the COPY to stream")
        own_server.restart()  # an immediate shutdown, as a crash or a failover would be
    _stdout, stderr = process.communicate(timeout=120)
    # The embedded server comes back on another port when the old one is still held by closing sockets.
    url = settings.PostgresParts.from_url(own_server.url).url("fault_restart")
    assert process.returncode != 0
    assert "server closed the connection unexpectedly" in stderr or "terminating connection" in stderr, stderr
    assert_nothing_of_it_and_the_accepted_whole(url, accepted_before)
    assert_loads_once_again(url, folder, big_delivery[1])
