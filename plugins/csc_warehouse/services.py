"""Start and stop what the local setup needs: the embedded warehouse and the mail sink (stopping
also stops Airflow's components when `csc airflow start` started them).

A warehouse given by CSC_WAREHOUSE_URL, or a mail server given by AIRFLOW_CONN_SMTP_DEFAULT, is
used as it is and nothing local is started for it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time

from csc_warehouse import settings
from csc_warehouse.embedded import EmbeddedWarehouse, free_port

log = logging.getLogger(__name__)


def _mailsink_state_file():
    return settings.state_dir() / "services" / "mailsink.json"


def _mailsink_alive(state: dict) -> bool:
    if not state.get("pid"):
        return False
    try:
        os.kill(state["pid"], 0)
    except (ProcessLookupError, PermissionError):
        return False
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", state["port"])) == 0


def start_mailsink() -> dict:
    state_file = _mailsink_state_file()
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    if _mailsink_alive(state):
        return state
    port = free_port()
    folder = settings.mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    logfile = (settings.state_dir() / "mailsink.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "csc_warehouse.mailsink", "--dir", str(folder), "--port", str(port)],
        stdout=logfile,
        stderr=logfile,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    state = {"pid": process.pid, "port": port, "dir": str(folder)}
    for _ in range(100):
        if _mailsink_alive(state):
            break
        time.sleep(0.1)
    else:
        raise RuntimeError(f"the mail sink did not start; see {settings.state_dir() / 'mailsink.log'}")
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state))
    return state


def stop_mailsink() -> None:
    state_file = _mailsink_state_file()
    if not state_file.exists():
        return
    state = json.loads(state_file.read_text())
    if _mailsink_alive(state):
        os.kill(state["pid"], signal.SIGTERM)
    state_file.unlink()


def start() -> dict[str, str]:
    """Start what is not given by the environment; returns what is in use, for people to read."""
    in_use = {}
    if os.environ.get("CSC_WAREHOUSE_URL"):
        in_use["warehouse"] = "CSC_WAREHOUSE_URL (external)"
    else:
        in_use["warehouse"] = settings.redacted(EmbeddedWarehouse().start())
    if os.environ.get("AIRFLOW_CONN_SMTP_DEFAULT"):
        in_use["mail"] = "AIRFLOW_CONN_SMTP_DEFAULT (external)"
    else:
        sink = start_mailsink()
        in_use["mail"] = f"smtp://127.0.0.1:{sink['port']} -> {sink['dir']}"
    return in_use


def stop() -> None:
    """Airflow first (its tasks hold connections to the warehouse), then the mail sink and the warehouse."""
    from csc_warehouse import airflow_services

    airflow_services.stop()
    stop_mailsink()
    EmbeddedWarehouse().stop()
