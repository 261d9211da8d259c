"""Processes by their process group, read from /proc (Linux): alive or exited, who belongs to a group,
and stopping a service with everything it started.

A background service started with `start_new_session=True` leads its own process group, and what it
starts stays in that group unless it asks otherwise. Airflow's task supervisors do ask: each task
runs in a process group of its own. So a stop signals the service's group and the group of every
process descending from it, found before anything is signalled (once a supervisor has exited, its
task's parent is init and the link is gone). A zombie counts as exited: it holds no resources, and
its parent (often init) reaps it in its own time.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def process_state(pid: int) -> tuple[str, int] | None:
    """(state, process group) of a process from /proc, None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after its last ')'.
    state, _ppid, group = stat.rsplit(")", 1)[1].split()[:3]
    return state, int(group)


def alive(pid: int) -> bool:
    found = process_state(pid)
    return found is not None and found[0] not in ("Z", "X")  # a zombie has exited


def _live_processes() -> dict[int, tuple[int, int]]:
    """{pid: (parent pid, process group)} of every process that has not exited."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it exited while we looked
            continue
        state, parent, group = stat.rsplit(")", 1)[1].split()[:3]
        if state not in ("Z", "X"):
            processes[int(entry.name)] = (int(parent), int(group))
    return processes


def live_members(group: int) -> list[int]:
    """Processes of a process group that have not exited."""
    return [pid for pid, (_parent, member_of) in _live_processes().items() if member_of == group]


def groups_with_descendants(groups: set[int]) -> set[int]:
    """The groups, and the group of every live process descending from a member of one of them."""
    processes = _live_processes()
    found = set(groups)
    family = {pid for pid, (_parent, group) in processes.items() if group in groups}
    while True:
        children = {pid for pid, (parent, _group) in processes.items() if parent in family} - family
        if not children:
            return found | {processes[pid][1] for pid in family}
        family |= children


def signal_group(group: int, signum: int) -> None:
    """Sends the signal to every process of the group; a group that has gone is left alone."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        pass


def kill_members_titled(groups: list[int], title: bytes) -> list[int]:
    """SIGKILL to each live member of the groups whose command line (a process's title, when it sets
    one) starts with `title`. Returns their pids."""
    killed = []
    for group in groups:
        for pid in live_members(group):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(title):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            except OSError:  # it exited meanwhile (ProcessLookupError is an OSError)
                continue
    return killed


def wait_for_exit(groups: list[int], seconds: float) -> list[int]:
    """Waits until the groups have no live process; returns those that still have one."""
    deadline = time.monotonic() + seconds
    while True:
        left = [group for group in groups if live_members(group)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def stop_groups(groups: list[int], seconds: float) -> list[int]:
    """SIGTERM to the groups and to every group descending from them (looked for again while waiting,
    for what they start meanwhile); after `seconds`, SIGKILL to what is left. Returns the groups that
    outlived even that."""
    signalled: set[int] = set()
    deadline = time.monotonic() + seconds
    while True:
        everything = groups_with_descendants(set(groups) | signalled)
        for group in everything - signalled:
            signal_group(group, signal.SIGTERM)
        signalled |= everything
        left = [group for group in signalled if live_members(group)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for group in left:
        signal_group(group, signal.SIGKILL)
    return wait_for_exit(left, 10)
