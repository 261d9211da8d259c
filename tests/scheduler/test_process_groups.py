"""Stopping a background service stops what it started, even a child that left for a process group
of its own (as Airflow's task processes do): real processes, no Airflow."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from csc_warehouse import process_groups, service_processes

# A parent that starts a child in a new session (its own process group), says the child's pid, and waits.
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(600)
"""


def wait_for_file(path: Path, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, f"{path} was not written"
        time.sleep(0.05)
    return path.read_text()


def start_service(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    said = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(said)], start_new_session=True)
    return parent, int(wait_for_file(said))


def test_stopping_a_service_stops_a_child_in_a_process_group_of_its_own(tmp_path):
    parent, child = start_service(tmp_path)
    assert process_groups.process_state(child)[1] == child  # the child leads its own group

    left = process_groups.stop_groups([parent.pid], seconds=30)

    parent.wait(timeout=30)  # reaped here: this test is its parent
    assert left == []
    assert not process_groups.alive(parent.pid)
    assert not process_groups.alive(child)


def test_a_stopped_group_has_no_live_member(tmp_path):
    parent, child = start_service(tmp_path)
    assert process_groups.live_members(parent.pid) == [parent.pid]

    process_groups.stop_groups([parent.pid], seconds=30)
    parent.wait(timeout=30)

    assert process_groups.live_members(parent.pid) == []
    assert process_groups.live_members(child) == []


def test_a_component_just_launched_counts_as_running_before_its_name_shows(tmp_path):
    """Regression (CI, 2026-12-06): for a moment after Popen returns, /proc/<pid>/cmdline of the
    launched `airflow` script is empty, and `csc airflow start` took the triggerer for dead."""
    from csc_warehouse.airflow_services import Component, _exited

    airflow = str(Path(sys.executable).parent / "airflow")
    launched = subprocess.Popen([airflow, "triggerer", "--help"], stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        assert not _exited(Component.TRIGGERER, {Component.TRIGGERER: launched})
    finally:
        launched.kill()
        launched.wait(timeout=30)
    assert _exited(Component.TRIGGERER, {Component.TRIGGERER: launched})


# A scheduler's LocalExecutor workers: they stay in its process group, title themselves, and an idle one
# ignores SIGTERM. The "scheduler" says their pids, then is killed outright by the test.
SCHEDULER_WITH_WORKERS = """
import subprocess, sys, time
WORKER = '''
import signal, sys, time, setproctitle
signal.signal(signal.SIGTERM, signal.SIG_IGN)
setproctitle.setproctitle(sys.argv[1])
time.sleep(600)
'''
titles = ["airflow worker -- LocalExecutor: <idle>", "airflow worker -- LocalExecutor: running a task"]
workers = [subprocess.Popen([sys.executable, "-c", WORKER, title]) for title in titles]
open(sys.argv[1], "w").write(" ".join(str(worker.pid) for worker in workers))
time.sleep(600)
"""


def test_a_killed_schedulers_idle_executor_workers_are_killed_and_a_busy_one_left_to_stop(tmp_path):
    said = tmp_path / "workers.pid"
    scheduler = subprocess.Popen([sys.executable, "-c", SCHEDULER_WITH_WORKERS, str(said)], start_new_session=True)
    idle, busy = (int(pid) for pid in wait_for_file(said).split())
    # Until setproctitle has run, the title is only an argument of the worker's command line.
    titled = lambda pid: Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"airflow worker")  # noqa: E731
    deadline = time.monotonic() + 30
    while not (titled(idle) and titled(busy)):
        assert time.monotonic() < deadline, "the workers did not title themselves"
        time.sleep(0.05)
    scheduler.kill()
    scheduler.wait()

    killed = service_processes.kill_idle_executor_workers([scheduler.pid])

    assert killed == [idle]
    assert process_groups.wait_for_exit([scheduler.pid], 0) == [scheduler.pid]  # the busy one is left
    process_groups.signal_group(scheduler.pid, signal.SIGKILL)
    assert process_groups.wait_for_exit([scheduler.pid], 10) == []
