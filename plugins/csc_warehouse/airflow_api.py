"""The few calls of Airflow's REST API that `csc airflow start` and scripts need, over the standard
library's HTTP: a token from the SimpleAuthManager's login, the health of the components, and whether
the dag-processor has parsed every DAG file."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


class ApiError(RuntimeError):
    """The api-server refused or failed a request; the message says which and how."""


@dataclass(frozen=True)
class ParsedDagFiles:
    complete: bool  # every DAG file has become DAGs or an import error
    import_errors: tuple[str, ...]  # `file: the error's last line`, one per failing file


def request(url: str, *, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    """GET (or POST, with a body) returning the status and the JSON answer ({} for an error)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


def access_token(url: str, user: str, password: str) -> str:
    """A JWT for the REST API from a login (`POST /auth/token`)."""
    code, answer = request(f"{url}/auth/token", body={"username": user, "password": password})
    if code not in (200, 201):
        raise ApiError(f"POST {url}/auth/token answered {code}")
    return answer["access_token"]


def healthy(url: str) -> bool:
    """`/api/v2/monitor/health` answers, and every component it reports on is healthy."""
    try:
        code, health = request(f"{url}/api/v2/monitor/health")
    except OSError:  # not listening yet
        return False
    return code == 200 and all(
        isinstance(part, dict) and part.get("status") == "healthy" for part in health.values() if part is not None
    )


def dag_files_parsed(url: str, token: str, dags_dir: Path) -> ParsedDagFiles:
    """Whether each `*.py` of the DAGs folder is known as a DAG's file or an import error's."""
    _, dags = request(f"{url}/api/v2/dags?limit=1000", token=token)
    _, errors = request(f"{url}/api/v2/importErrors?limit=1000", token=token)
    parsed = {Path(dag.get("relative_fileloc") or dag["fileloc"]).name for dag in dags.get("dags", [])}
    failed = {Path(error["filename"]).name: error.get("stack_trace", "") for error in errors.get("import_errors", [])}
    expected = {path.name for path in dags_dir.glob("*.py")}
    last_lines = {name: (trace.strip().splitlines() or [""])[-1] for name, trace in failed.items()}
    return ParsedDagFiles(
        complete=expected <= parsed | set(failed),
        import_errors=tuple(f"{name}: {line}" for name, line in sorted(last_lines.items())),
    )
