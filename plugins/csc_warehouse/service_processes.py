"""The background processes `csc airflow start` runs, each known by its name under Airflow's home: a
pid file and a log per service, and the check that a recorded pid is still that service (not a pid the
system has given to another program since).

Each service is the leader of its own process group, so that stopping it stops what it started too
(executor workers, task processes, the api-server's workers).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from csc_warehouse import process_groups, settings


def private_json(path: Path, content: dict) -> None:
    """Written readable by this user only: it holds a password, a secret or what leads to them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(content, file)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def pid_file(name: str) -> Path:
    return settings.airflow_home() / f"{name}.pid"


def log_file(name: str) -> Path:
    return settings.airflow_home() / f"{name}.log"


def leftovers_file() -> Path:
    """The process groups of services that died and left processes behind (see launch)."""
    return settings.airflow_home() / "leftover-groups"


def recorded_pid(name: str) -> int | None:
    path = pid_file(name)
    text = path.read_text().strip() if path.exists() else ""
    return int(text) if text.isdigit() else None


def is_service(pid: int, markers: tuple[bytes, ...]) -> bool:
    """The process is alive and its command line holds every marker (an `airflow` component's
    subcommand, `redis-server`)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return process_groups.alive(pid) and all(marker in command for marker in markers)


def launch(name: str, command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    # A service that died (killed, out of memory) may leave what it started running: a scheduler's
    # executor workers finish their tasks and report them to the api-server. They may finish; their
    # group is kept, so that `stop` stops them too once the pid file names the new service.
    died = recorded_pid(name)
    if died and process_groups.live_members(died):
        with leftovers_file().open("a") as file:
            file.write(f"{died}\n")
    cwd.mkdir(parents=True, exist_ok=True)
    with log_file(name).open("ab") as output:
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() signals the group
            cwd=cwd,
        )
    pid_file(name).write_text(str(process.pid))
    return process


def log_tail(name: str, lines: int = 30) -> str:
    path = log_file(name)
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


# A scheduler killed outright (out of memory, SIGKILL) leaves its LocalExecutor workers behind, and an
# idle one ignores SIGTERM: it waits for its scheduler's word to stop, which never comes. A stop would
# wait its whole deadline for them (measured: 60 s), though they hold no task.
IDLE_EXECUTOR_WORKER = b"airflow worker -- LocalExecutor: <idle>"


def kill_idle_executor_workers(groups: list[int]) -> list[int]:
    """SIGKILL to the idle executor workers in the groups of services that have died (a live scheduler
    stops its own workers when told to). Returns their pids."""
    orphaned = [group for group in groups if not process_groups.alive(group)]
    return process_groups.kill_members_titled(orphaned, IDLE_EXECUTOR_WORKER)


def leftover_groups() -> list[int]:
    """The groups that services which died left behind, with a process still alive."""
    path = leftovers_file()
    groups = [int(word) for word in path.read_text().split()] if path.exists() else []
    return [group for group in groups if process_groups.live_members(group)]
