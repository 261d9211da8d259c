"""Processes by their process group, read from /proc (Linux): alive or exited, who belongs to a group,
signalling a group and waiting until it has gone.

A background service started with `start_new_session=True` leads its own process group, and every
process it starts stays in that group unless it asks otherwise: stopping the group stops them all,
and a group with no live member has left nothing behind. A zombie counts as exited: it holds no
resources, and its parent (often init) reaps it in its own time.
"""

from __future__ import annotations

import os
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


def live_members(group: int) -> list[int]:
    """Processes of a process group that have not exited."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = process_state(int(entry.name))
            if found and found[1] == group and found[0] not in ("Z", "X"):
                members.append(int(entry.name))
    return members


def signal_group(group: int, signum: int) -> None:
    """Sends the signal to every process of the group; a group that has gone is left alone."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        pass


def wait_for_exit(groups: list[int], seconds: float) -> list[int]:
    """Waits until the groups have no live process; returns those that still have one."""
    deadline = time.monotonic() + seconds
    while True:
        left = [group for group in groups if live_members(group)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)
