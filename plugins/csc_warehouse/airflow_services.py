"""Airflow for real on this machine: `csc airflow start|stop|status` and `make airflow`.

The four components of Airflow 3 (api-server, scheduler, dag-processor, triggerer) run as background
processes against the warehouse's server, with Airflow's metadata in its `airflow` database: the
same environment `csc run-week` gives `dag.test()` (settings.airflow_environment), plus what only a
running scheduler needs (a port, a login, shared secrets). Not `airflow standalone`, which its own
documentation keeps out of production.

With CSC_AIRFLOW_EXECUTOR=celery, a Redis broker starts before them and Celery workers after them
(csc_warehouse.celery_services). Everything lives under Airflow's home (`.local/airflow/`,
git-ignored): one pid file and one log per service (csc_warehouse.service_processes), the task logs
in `logs/`, the generated admin password and the secrets the services share.
"""

from __future__ import annotations

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

from csc_warehouse import (
    airflow_api,
    airflow_pools,
    airflow_settings,
    celery_services,
    process_groups,
    service_processes,
    settings,
)
from csc_warehouse.service_processes import private_json, read_json

log = logging.getLogger(__name__)

START_DEADLINE_SECONDS = 300
STOP_DEADLINE_SECONDS = 60
POLL_SECONDS = 1.0
AIRFLOW = str(Path(sys.executable).parent / "airflow")


class Component(StrEnum):
    """The components, in the order they start; the value is the `airflow` subcommand."""

    API_SERVER = "api-server"
    SCHEDULER = "scheduler"
    DAG_PROCESSOR = "dag-processor"
    TRIGGERER = "triggerer"


COMPONENT_NAMES = frozenset(Component)


class AirflowStartError(RuntimeError):
    """A component died or Airflow did not become ready in time; the message names the log to read."""


@dataclass(frozen=True)
class ComponentState:
    component: str  # a Component, `redis` or a Celery worker
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


def task_logs_dir() -> Path:
    return settings.airflow_home() / "logs"


def password_file() -> Path:
    return settings.airflow_home() / "simple_auth_manager_passwords.json"


def _secrets_file() -> Path:
    return settings.airflow_home() / "secrets.json"


def _server_file() -> Path:
    return settings.airflow_home() / "api-server.json"


def _shared_secrets() -> dict[str, str]:
    """The JWT secret every component signs and checks tokens with, the api-server's session key and
    the Fernet key of the metadata database, Redis's password: made once, kept."""
    stored = read_json(_secrets_file())
    if {"jwt_secret", "secret_key", "fernet_key", "redis_password"} <= set(stored):
        return stored
    from cryptography.fernet import Fernet

    made = {
        "jwt_secret": secrets.token_urlsafe(48),
        "secret_key": secrets.token_urlsafe(32),
        "fernet_key": Fernet.generate_key().decode(),
        "redis_password": secrets.token_hex(24),  # hex: it goes into the broker URL as it is
    }
    stored = {**made, **stored}  # a secret made earlier is kept: running components hold it
    private_json(_secrets_file(), stored)
    return stored


def _ensure_password() -> str | None:
    """The admin's password file; returns the password when it was made now (first start)."""
    if airflow_settings.AIRFLOW_ADMIN_USER in read_json(password_file()):
        return None
    password = secrets.token_urlsafe(18)
    private_json(password_file(), {airflow_settings.AIRFLOW_ADMIN_USER: password})
    return password


def admin_password() -> str:
    return read_json(password_file())[airflow_settings.AIRFLOW_ADMIN_USER]


def api_url() -> str | None:
    return read_json(_server_file()).get("url")


def _redis_port() -> int:
    holders = [celery_services.REDIS, Component.SCHEDULER, *celery_services.worker_names()]
    return celery_services.redis_port(in_use=any(_running_pid(name) for name in holders))


def _choose_port() -> int:
    from csc_warehouse.embedded import free_port, port_is_free

    configured = airflow_settings.airflow_port()
    if configured:
        return configured
    saved = read_json(_server_file()).get("port")
    return saved if saved and port_is_free(saved) else free_port()


def services_environment(port: int) -> dict[str, str]:
    """The components' environment: `make run`'s Airflow settings (a value already set wins), the
    executor CSC_AIRFLOW_EXECUTOR names, then the api-server's address, the login and the secrets,
    which must be these to fit together."""
    env = dict(os.environ)
    for key, value in {**settings.airflow_environment(), **airflow_settings.SCHEDULER_SETTINGS}.items():
        env.setdefault(key, value)
    shared = _shared_secrets()
    base_url = f"http://127.0.0.1:{port}"
    env.setdefault("AIRFLOW__CORE__PARALLELISM", str(airflow_settings.airflow_parallelism()))
    env.setdefault("AIRFLOW__LOGGING__BASE_LOG_FOLDER", str(task_logs_dir()))
    env.setdefault("AIRFLOW__CORE__FERNET_KEY", shared["fernet_key"])
    env.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", shared["jwt_secret"])
    env.setdefault("AIRFLOW__API__SECRET_KEY", shared["secret_key"])
    executor = airflow_settings.airflow_executor()
    env["AIRFLOW__CORE__EXECUTOR"] = executor.airflow_name
    if executor is airflow_settings.Executor.CELERY:
        env.update(celery_services.executor_environment(_redis_port(), shared["redis_password"]))
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


def _services() -> list[str]:
    """What runs under the configured executor, in the order it starts: Redis before the components
    (the scheduler sends tasks to it), the workers after them."""
    if airflow_settings.airflow_executor() is airflow_settings.Executor.CELERY:
        return [celery_services.REDIS, *Component, *celery_services.worker_names()]
    return list(Component)


def _known_services() -> list[str]:
    """The configured executor's services and any other with a pid file (a worker started before the
    executor or the number of workers changed): stop() stops them all."""
    recorded = sorted(path.stem for path in settings.airflow_home().glob("*.pid"))
    return [*_services(), *(name for name in recorded if name not in _services())]


def _markers(name: str) -> tuple[bytes, ...]:
    if name == celery_services.REDIS:
        return (b"redis-server",)
    if name in COMPONENT_NAMES:
        return (b"airflow",)  # and the subcommand: see _running_pid
    # A Celery worker retitles itself `[celeryd: celery-worker-1@host:MainProcess] ...`.
    return (b"celery", b"worker", name.encode())


def _is_service(pid: int, name: str) -> bool:
    if not service_processes.is_service(pid, _markers(name)):
        return False
    if name in COMPONENT_NAMES:
        # The api-server retitles itself `airflow api_server -- host:... port:...`.
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        return any(word.encode() in command for word in (name, name.replace("-", "_")))
    return True


def _running_pid(name: str) -> int | None:
    pid = service_processes.recorded_pid(name)
    return pid if pid and _is_service(pid, name) else None


def status() -> AirflowStatus:
    return AirflowStatus(
        components=tuple(ComponentState(name, _running_pid(name)) for name in _known_services()),
        url=api_url(),
        user=airflow_settings.AIRFLOW_ADMIN_USER,
        password_file=password_file(),
    )


# -- readiness ----------------------------------------------------------------------------------


def _exited(name: str, launched: dict[str, subprocess.Popen]) -> bool:
    """A service launched now is asked through its handle: for a moment after it starts, its /proc
    cmdline is still empty (measured), so the name check of _running_pid would call it gone."""
    if name in launched:
        return launched[name].poll() is not None
    return _running_pid(name) is None


def _exit_error(name: str) -> AirflowStartError:
    log_path, tail = service_processes.log_file(name), service_processes.log_tail(name)
    return AirflowStartError(f"{name} exited; {log_path} ends with:\n{tail}")


def _wait_until_ready(url: str, deadline: float, launched: dict[str, subprocess.Popen]) -> tuple[str, ...]:
    """Polls until the api-server is healthy and the DAG files are parsed; a service that dies ends
    the wait at once with its log."""
    while True:
        for name in _services():
            if _exited(name, launched):
                raise _exit_error(name)
        if airflow_api.healthy(url):
            token = airflow_api.access_token(url, airflow_settings.AIRFLOW_ADMIN_USER, admin_password())
            parsed = airflow_api.dag_files_parsed(url, token, settings.dags_dir())
            if parsed.complete:
                return parsed.import_errors
        if time.monotonic() > deadline:
            raise AirflowStartError(
                f"Airflow was not ready after {START_DEADLINE_SECONDS} s; see the logs in {settings.airflow_home()}"
            )
        time.sleep(POLL_SECONDS)


# -- start and stop -----------------------------------------------------------------------------


def _launch(name: str, env: dict[str, str], progress: Callable[[str], None]) -> subprocess.Popen:
    progress(f"starting {name} (log: {service_processes.log_file(name)})")
    if name == celery_services.REDIS:
        return celery_services.launch_redis(
            env, celery_services.chosen_redis_port(), _shared_secrets()["redis_password"]
        )
    if name in COMPONENT_NAMES:
        return service_processes.launch(name, [AIRFLOW, name], env, settings.airflow_home())
    return celery_services.launch_worker(name, env, AIRFLOW)


def _wait_for_redis(launched: subprocess.Popen | None) -> None:
    """The scheduler and the workers connect to Redis as they start: it must answer first."""
    running = (lambda: launched.poll() is None) if launched else (lambda: True)
    port = celery_services.chosen_redis_port()
    if not celery_services.wait_for_redis(port, _shared_secrets()["redis_password"], running):
        raise _exit_error(celery_services.REDIS)


def start(progress: Callable[[str], None] = log.info) -> Started:
    """Migrate the metadata database, start what is not running, wait until the UI answers and the
    DAGs are parsed. Running it again starts only what has stopped."""
    from csc_warehouse import orchestration, transforming, warehouse

    began = time.monotonic()
    warehouse.migrate()
    transforming.ensure_manifest()  # publishing reads the marts from it; dbt builds start from its parse
    orchestration.prepare_airflow()  # the environment of `make run`, and `airflow db migrate`
    airflow_pools.ensure()  # the scheduler queues no task of a pool that does not exist
    new_password = _ensure_password()
    api_server_running = _running_pid(Component.API_SERVER) is not None
    port = read_json(_server_file())["port"] if api_server_running else _choose_port()
    env = services_environment(port)
    private_json(_server_file(), {"port": port, "url": env["AIRFLOW__API__BASE_URL"]})
    task_logs_dir().mkdir(parents=True, exist_ok=True)
    launched = {}
    for name in _services():
        if _running_pid(name) is None:
            launched[name] = _launch(name, env, progress)
        if name == celery_services.REDIS:
            _wait_for_redis(launched.get(name))
    import_errors = _wait_until_ready(env["AIRFLOW__API__BASE_URL"], began + START_DEADLINE_SECONDS, launched)
    return Started(status(), time.monotonic() - began, new_password, import_errors)


def _groups_to_stop() -> dict[str, int]:
    """Each service's process group that still has a live process. A group whose leader has exited
    may keep a task it started; a recorded pid now held by another program is not ours to signal."""
    groups = {}
    for name in _known_services():
        pid = service_processes.recorded_pid(name)
        if pid is None or (process_groups.alive(pid) and not _is_service(pid, name)):
            continue
        if process_groups.live_members(pid):
            groups[name] = pid
    return groups


def stop() -> list[str]:
    """Stops every service and all it started, tasks included, and waits until they have exited.
    The api-server goes after the others: a task's supervisor reports the task's end to it, and
    without it retries until killed; Redis goes last, once nothing sends to it. Returns the
    services that were running."""
    groups = _groups_to_stop()
    last = (Component.API_SERVER, celery_services.REDIS)
    others = [group for name, group in groups.items() if name not in last]
    others += service_processes.leftover_groups()
    service_processes.kill_idle_executor_workers(others)
    left = process_groups.stop_groups(others, STOP_DEADLINE_SECONDS)
    for name in last:
        left += process_groups.stop_groups([groups[name]] if name in groups else [], STOP_DEADLINE_SECONDS)
    if left:
        log.warning("process groups %s outlived SIGKILL", left)
    for name in _known_services():
        service_processes.pid_file(name).unlink(missing_ok=True)
    service_processes.leftovers_file().unlink(missing_ok=True)
    return list(groups)
