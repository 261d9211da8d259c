"""Airflow for real on this machine: `csc airflow start|stop|status` and `make airflow`.

The four components of Airflow 3 (api-server, scheduler, dag-processor, triggerer) run as background
processes against the warehouse's server, with Airflow's metadata in its `airflow` database: the
same environment `csc run-week` gives `dag.test()` (settings.airflow_environment), plus what only a
running scheduler needs (a port, a login, shared secrets). Not `airflow standalone`, which its own
documentation keeps out of production.

Everything lives under Airflow's home (`.local/airflow/`, git-ignored): one pid file and one log per
component, the task logs in `logs/`, the generated admin password and the secrets the components
share. Each component is the leader of its own process group, so that stopping it stops what it
started too (LocalExecutor workers, task processes, the api-server's workers).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from csc_warehouse import airflow_api, process_groups, settings

log = logging.getLogger(__name__)

START_DEADLINE_SECONDS = 300
STOP_DEADLINE_SECONDS = 60
POLL_SECONDS = 1.0


class Component(StrEnum):
    """The components, in the order they start; the value is the `airflow` subcommand."""

    API_SERVER = "api-server"
    SCHEDULER = "scheduler"
    DAG_PROCESSOR = "dag-processor"
    TRIGGERER = "triggerer"


class AirflowStartError(RuntimeError):
    """A component died or Airflow did not become ready in time; the message names the log to read."""


@dataclass(frozen=True)
class ComponentState:
    component: Component
    pid: int | None  # None: stopped

    def line(self) -> str:
        return f"{self.component}: " + (f"running (pid {self.pid})" if self.pid else "stopped")


@dataclass(frozen=True)
class AirflowStatus:
    components: tuple[ComponentState, ...]
    url: str | None
    user: str
    password_file: Path

    def lines(self) -> list[str]:
        return [
            *(state.line() for state in self.components),
            f"url: {self.url or '(not started yet)'}",
            f"user: {self.user}",
            f"password-file: {self.password_file}",
        ]


@dataclass(frozen=True)
class Started:
    status: AirflowStatus
    seconds: float
    new_password: str | None  # set on the first start only: the one time it is printed
    import_errors: tuple[str, ...]


# -- where things are ---------------------------------------------------------------------------


def pid_file(component: Component) -> Path:
    return settings.airflow_home() / f"{component}.pid"


def leftovers_file() -> Path:
    """The process groups of components that died and left processes behind (see _launch)."""
    return settings.airflow_home() / "leftover-groups"


def log_file(component: Component) -> Path:
    return settings.airflow_home() / f"{component}.log"


def task_logs_dir() -> Path:
    return settings.airflow_home() / "logs"


def password_file() -> Path:
    return settings.airflow_home() / "simple_auth_manager_passwords.json"


def _secrets_file() -> Path:
    return settings.airflow_home() / "secrets.json"


def _server_file() -> Path:
    return settings.airflow_home() / "api-server.json"


def _private_json(path: Path, content: dict) -> None:
    """Written readable by this user only: it holds a password or a secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(content, file)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def _shared_secrets() -> dict[str, str]:
    """The JWT secret every component signs and checks tokens with, the api-server's session key and
    the Fernet key of the metadata database: made once, kept."""
    stored = _read_json(_secrets_file())
    if {"jwt_secret", "secret_key", "fernet_key"} <= set(stored):
        return stored
    from cryptography.fernet import Fernet

    stored = {
        "jwt_secret": secrets.token_urlsafe(48),
        "secret_key": secrets.token_urlsafe(32),
        "fernet_key": Fernet.generate_key().decode(),
    }
    _private_json(_secrets_file(), stored)
    return stored


def _ensure_password() -> str | None:
    """The admin's password file; returns the password when it was made now (first start)."""
    if settings.AIRFLOW_ADMIN_USER in _read_json(password_file()):
        return None
    password = secrets.token_urlsafe(18)
    _private_json(password_file(), {settings.AIRFLOW_ADMIN_USER: password})
    return password


def admin_password() -> str:
    return _read_json(password_file())[settings.AIRFLOW_ADMIN_USER]


def api_url() -> str | None:
    return _read_json(_server_file()).get("url")


def _choose_port() -> int:
    from csc_warehouse.embedded import free_port, port_is_free

    configured = settings.airflow_port()
    if configured:
        return configured
    saved = _read_json(_server_file()).get("port")
    return saved if saved and port_is_free(saved) else free_port()


def services_environment(port: int) -> dict[str, str]:
    """The components' environment: `make run`'s Airflow settings (a value already set wins), then
    the api-server's address, the login and the secrets, which must be these to fit together."""
    env = dict(os.environ)
    for key, value in {**settings.airflow_environment(), **settings.SCHEDULER_SETTINGS}.items():
        env.setdefault(key, value)
    shared = _shared_secrets()
    base_url = f"http://127.0.0.1:{port}"
    env.setdefault("AIRFLOW__CORE__PARALLELISM", str(settings.airflow_parallelism()))
    env.setdefault("AIRFLOW__LOGGING__BASE_LOG_FOLDER", str(task_logs_dir()))
    env.setdefault("AIRFLOW__CORE__FERNET_KEY", shared["fernet_key"])
    env.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", shared["jwt_secret"])
    env.setdefault("AIRFLOW__API__SECRET_KEY", shared["secret_key"])
    env.update(
        {
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": base_url,
            # Tasks report to the execution API of this api-server, not the default localhost:8080.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file()),
        }
    )
    return env


# -- processes ----------------------------------------------------------------------------------


def _is_component(pid: int, component: Component) -> bool:
    """The process is that component (not a pid the system has given to another process since)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    # The api-server retitles itself `airflow api_server -- host:... port:...`.
    names = (component.value.encode(), component.value.replace("-", "_").encode())
    return process_groups.alive(pid) and b"airflow" in command and any(name in command for name in names)


def _recorded_pid(component: Component) -> int | None:
    path = pid_file(component)
    text = path.read_text().strip() if path.exists() else ""
    return int(text) if text.isdigit() else None


def _running_pid(component: Component) -> int | None:
    pid = _recorded_pid(component)
    return pid if pid and _is_component(pid, component) else None


def status() -> AirflowStatus:
    return AirflowStatus(
        components=tuple(ComponentState(component, _running_pid(component)) for component in Component),
        url=api_url(),
        user=settings.AIRFLOW_ADMIN_USER,
        password_file=password_file(),
    )


def _launch(component: Component, env: dict[str, str]) -> subprocess.Popen:
    airflow = str(Path(sys.executable).parent / "airflow")
    # A component that died (killed, out of memory) may leave what it started running: a scheduler's
    # executor workers finish their tasks and report them to the api-server. They may finish; their
    # group is kept, so that `stop` stops them too once the pid file names the new component.
    died = _recorded_pid(component)
    if died and process_groups.live_members(died):
        with leftovers_file().open("a") as file:
            file.write(f"{died}\n")
    with log_file(component).open("ab") as output:
        process = subprocess.Popen(
            [airflow, component.value],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() signals the group
            cwd=settings.airflow_home(),
        )
    pid_file(component).write_text(str(process.pid))
    return process


def _log_tail(component: Component, lines: int = 30) -> str:
    path = log_file(component)
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


# -- readiness ----------------------------------------------------------------------------------


def _exited(component: Component, launched: dict[Component, subprocess.Popen]) -> bool:
    """A component launched now is asked through its handle: for a moment after it starts, its
    /proc cmdline is still empty (measured), so the name check of _running_pid would call it gone."""
    if component in launched:
        return launched[component].poll() is not None
    return _running_pid(component) is None


def _wait_until_ready(url: str, deadline: float, launched: dict[Component, subprocess.Popen]) -> tuple[str, ...]:
    """Polls until the api-server is healthy and the DAG files are parsed; a component that dies
    ends the wait at once with its log."""
    while True:
        for component in Component:
            if _exited(component, launched):
                raise AirflowStartError(
                    f"airflow {component} exited; {log_file(component)} ends with:\n{_log_tail(component)}"
                )
        if airflow_api.healthy(url):
            token = airflow_api.access_token(url, settings.AIRFLOW_ADMIN_USER, admin_password())
            parsed = airflow_api.dag_files_parsed(url, token, settings.dags_dir())
            if parsed.complete:
                return parsed.import_errors
        if time.monotonic() > deadline:
            raise AirflowStartError(
                f"Airflow was not ready after {START_DEADLINE_SECONDS} s; see the logs in {settings.airflow_home()}"
            )
        time.sleep(POLL_SECONDS)


# -- start and stop -----------------------------------------------------------------------------


def start(progress: Callable[[str], None] = log.info) -> Started:
    """Migrate the metadata database, start what is not running, wait until the UI answers and the
    DAGs are parsed. Running it again starts only what has stopped."""
    from csc_warehouse import orchestration, transforming, warehouse

    began = time.monotonic()
    warehouse.migrate()
    transforming.ensure_manifest()  # publishing reads the marts from it; dbt builds start from its parse
    orchestration.prepare_airflow()  # the environment of `make run`, and `airflow db migrate`
    new_password = _ensure_password()
    current = status()
    api_server_running = _running_pid(Component.API_SERVER) is not None
    port = _read_json(_server_file())["port"] if api_server_running else _choose_port()
    env = services_environment(port)
    _private_json(_server_file(), {"port": port, "url": env["AIRFLOW__API__BASE_URL"]})
    task_logs_dir().mkdir(parents=True, exist_ok=True)
    launched = {}
    for state in current.components:
        if state.pid is None:
            progress(f"starting airflow {state.component} (log: {log_file(state.component)})")
            launched[state.component] = _launch(state.component, env)
    import_errors = _wait_until_ready(env["AIRFLOW__API__BASE_URL"], began + START_DEADLINE_SECONDS, launched)
    return Started(status(), time.monotonic() - began, new_password, import_errors)


def _groups_to_stop() -> dict[Component, int]:
    """Each component's process group that still has a live process. A group whose leader has exited
    may keep a task it started; a recorded pid now held by another program is not ours to signal."""
    groups = {}
    for component in Component:
        pid = _recorded_pid(component)
        if pid is None or (process_groups.alive(pid) and not _is_component(pid, component)):
            continue
        if process_groups.live_members(pid):
            groups[component] = pid
    return groups


def _leftover_groups() -> list[int]:
    """The groups that components which died left behind, with a process still alive."""
    groups = [int(word) for word in leftovers_file().read_text().split()] if leftovers_file().exists() else []
    return [group for group in groups if process_groups.live_members(group)]


def stop() -> list[Component]:
    """Stops every component and all it started, tasks included, and waits until they have exited.
    The api-server goes last: a task's supervisor reports the task's end to it, and without it
    retries until killed. Returns the components that were running."""
    groups = _groups_to_stop()
    api_server = [groups[Component.API_SERVER]] if Component.API_SERVER in groups else []
    others = [group for component, group in groups.items() if component != Component.API_SERVER]
    others += _leftover_groups()
    left = process_groups.stop_groups(others, STOP_DEADLINE_SECONDS)
    left += process_groups.stop_groups(api_server, STOP_DEADLINE_SECONDS)
    if left:
        log.warning("process groups %s outlived SIGKILL", left)
    for component in Component:
        pid_file(component).unlink(missing_ok=True)
    leftovers_file().unlink(missing_ok=True)
    return list(groups)
