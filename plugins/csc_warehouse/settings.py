"""Every setting, its local default, and the environment variable that overrides it.

A value already set in the environment always wins. The defaults describe the embedded local
setup that `make run` starts: a PostgreSQL server and a mail sink under `.local/`, whose
addresses are written to state files when they start. Nothing here opens a connection.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The checkout (or image folder) holding dags/, dbt_project/ and expectations/."""
    if "CSC_HOME" in os.environ:
        return Path(os.environ["CSC_HOME"]).resolve()
    return PACKAGE_DIR.parents[1]


def state_dir() -> Path:
    """Local, git-ignored state of the embedded setup: database files, mail, Airflow home."""
    return Path(os.environ.get("CSC_STATE_DIR", project_root() / ".local")).resolve()


def _state_file(name: str) -> dict:
    path = state_dir() / "services" / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


class SettingMissing(RuntimeError):
    pass


def warehouse_url() -> str:
    """CSC_WAREHOUSE_URL, else the embedded server started by `csc services start`."""
    if os.environ.get("CSC_WAREHOUSE_URL"):
        return os.environ["CSC_WAREHOUSE_URL"]
    embedded = _state_file("warehouse")
    if embedded.get("url"):
        return embedded["url"]
    raise SettingMissing(
        "No warehouse: set CSC_WAREHOUSE_URL to a PostgreSQL URL, or start the embedded one "
        "with `csc services start` (make run does this)."
    )


def redacted(url: str) -> str:
    """A URL fit for logs and screens: the password replaced by ***."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def landing_dir() -> Path:
    return Path(os.environ.get("CSC_LANDING_DIR", state_dir() / "landing")).resolve()


def alert_to() -> str:
    return os.environ.get("CSC_ALERT_TO", "performance-team@localhost")


def alert_from() -> str:
    return os.environ.get("CSC_ALERT_FROM", "csc-warehouse@localhost")


SMTP_CONN_ID = "smtp_default"
WAREHOUSE_CONN_ID = "csc_warehouse"
WEEKLY_DAG_ID = "cp_lac_weekly"


def smtp_connection_uri() -> str | None:
    """AIRFLOW_CONN_SMTP_DEFAULT, else the local mail sink (plain SMTP, no TLS)."""
    if os.environ.get("AIRFLOW_CONN_SMTP_DEFAULT"):
        return os.environ["AIRFLOW_CONN_SMTP_DEFAULT"]
    sink = _state_file("mailsink")
    if sink.get("port"):
        return json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": sink["port"],
                "extra": {
                    "disable_tls": True,
                    "disable_ssl": True,
                    "from_email": alert_from(),
                    "retry_limit": 2,
                    "timeout": 10,
                },
            }
        )
    return None


def mail_dir() -> Path:
    """Where the local mail sink keeps every message it receives, one .eml file each."""
    return Path(os.environ.get("CSC_MAIL_DIR", state_dir() / "mail")).resolve()


def dbt_project_dir() -> Path:
    return project_root() / "dbt_project"


def expectations_dir() -> Path:
    return project_root() / "expectations"


def dags_dir() -> Path:
    return project_root() / "dags"


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME", state_dir() / "airflow")).resolve()


def output_dir() -> Path:
    """CSC_OUTPUT_DIR: what people read after a run (Data Docs, committee report drafts). With workers
    on several machines it must be a folder every worker reaches: a task writes only here and to the
    warehouse, never to a local path another task reads."""
    return Path(os.environ.get("CSC_OUTPUT_DIR", state_dir())).resolve()


def data_docs_dir() -> Path:
    """Where the quality gate writes Great Expectations Data Docs."""
    return Path(os.environ.get("CSC_DATA_DOCS_DIR", output_dir() / "data_docs")).resolve()


def report_dir() -> Path:
    """Where the committee report drafts are written, one folder per authority and as_at."""
    return Path(os.environ.get("CSC_REPORT_DIR", output_dir() / "reports")).resolve()


def expected_la_codes() -> list[str]:
    """CSC_EXPECTED_LA_CODES (comma-separated): who must deliver each week. Empty: every authority
    that delivered in the five weeks before."""
    return sorted({code.strip() for code in os.environ.get("CSC_EXPECTED_LA_CODES", "").split(",") if code.strip()})


def alert_repeat_days() -> int:
    """For how many days an unchanged failure on the same records is said to persist, not repeated in full."""
    return int(os.environ.get("CSC_ALERT_REPEAT_DAYS", "7"))


def delivery_deadline_cron() -> str:
    """When the week's deliveries must have arrived (cron, Europe/London): the missing-delivery alert."""
    return os.environ.get("CSC_DELIVERY_DEADLINE_CRON", "0 10 * * MON")


def ingest_batch_size() -> int:
    """CSC_INGEST_BATCH_SIZE: how many authorities one mapped ingest task of the weekly DAG loads.
    Smaller batches run in parallel on a larger executor; each task costs its own start."""
    size = int(os.environ.get("CSC_INGEST_BATCH_SIZE", "10"))
    if size < 1:
        raise ValueError(f"CSC_INGEST_BATCH_SIZE must be 1 or more, not {size}")
    return size


def dbt_threads() -> int:
    """CSC_DBT_THREADS: how many models and tests one `dbt build` runs at once. Two per core by
    default: a node spends most of its time waiting on PostgreSQL, and dbt itself needs one core."""
    threads = int(os.environ.get("CSC_DBT_THREADS") or max(4, 2 * (os.cpu_count() or 1)))
    if threads < 1:
        raise ValueError(f"CSC_DBT_THREADS must be 1 or more, not {threads}")
    return threads


def validators_python() -> Path:
    """CSC_VALIDATORS_PYTHON: the interpreter of the DfE return validators' own environment (`make venv`
    builds .venv-validators from requirements-validators.lock), which the weekly DAG's return checks run
    with. Not resolved: a virtual environment's python is a link, and only its own path finds the packages."""
    configured = os.environ.get("CSC_VALIDATORS_PYTHON", "").strip()
    return Path(configured) if configured else project_root() / ".venv-validators" / "bin" / "python"


# The Airflow pool of the weekly DAG's DfE return checks (csc_warehouse.airflow_pools creates it).
RETURN_CHECK_POOL = "csc_return_checks"


def return_check_slots() -> int:
    """CSC_RETURN_CHECK_SLOTS: how many DfE return checks run at once under the scheduler (their pool's
    slots). The rules cost about 1 CPU-ms per episode and 2 s to import per check, so at 150 authorities
    they would take every executor slot from the build and publication; one slot by default."""
    slots = int(os.environ.get("CSC_RETURN_CHECK_SLOTS", "1"))
    if slots < 1:
        raise ValueError(f"CSC_RETURN_CHECK_SLOTS must be 1 or more, not {slots}")
    return slots


def blocking_return_rules() -> frozenset[str]:
    """CSC_BLOCKING_RETURN_RULES (comma-separated DfE rule codes, e.g. 103,388): the return rules whose
    findings stop a delivery version's publication. Empty by default: return rules only report."""
    configured = os.environ.get("CSC_BLOCKING_RETURN_RULES", "")
    return frozenset(code.strip() for code in configured.split(",") if code.strip())


def build_schema() -> str:
    """Where dbt builds the marts before the gate; publication swaps them into `reporting`."""
    return os.environ.get("CSC_BUILD_SCHEMA", "build")


def retention_days() -> int:
    """How long superseded and rejected delivery versions keep their raw rows (`csc purge`)."""
    return int(os.environ.get("CSC_RETENTION_DAYS", "90"))


def weekly_start_date() -> date | None:
    """CSC_WEEKLY_START_DATE: the first Monday the scheduler runs the weekly DAG, and from which it
    catches up every week it missed. Unset, the DAG does not catch up (a first deployment must not
    run every week since 2014)."""
    configured = os.environ.get("CSC_WEEKLY_START_DATE", "").strip()
    return date.fromisoformat(configured) if configured else None


@dataclass(frozen=True)
class PostgresParts:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> PostgresParts:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        host = parts.hostname or (query.get("host", ["127.0.0.1"])[0])
        return cls(
            host=host,
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
        )

    def url(self, dbname: str | None = None, driver: str = "postgresql") -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"{driver}://{auth}@{self.host}:{self.port}/{dbname or self.dbname}"


def airflow_metadata_url() -> str:
    """AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, else database `airflow` on the warehouse server."""
    if os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        return os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    return PostgresParts.from_url(warehouse_url()).url("airflow", driver="postgresql+psycopg2")


def dbt_environment() -> dict[str, str]:
    """The variables dbt_project/profiles.yml reads, derived from the warehouse URL."""
    parts = PostgresParts.from_url(warehouse_url())
    return {
        "CSC_DBT_HOST": parts.host,
        "CSC_DBT_PORT": str(parts.port),
        "CSC_DBT_USER": parts.user,
        "CSC_DBT_PASSWORD": parts.password,
        "CSC_DBT_DBNAME": parts.dbname,
        "CSC_DBT_SCHEMA": build_schema(),
        "CSC_DBT_THREADS": str(dbt_threads()),
        "DBT_PROFILES_DIR": str(dbt_project_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }


# Telemetry off everywhere: there is no internet, and councils' runs are nobody else's business.
QUIET_ENVIRONMENT = {
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    "SCARF_ANALYTICS": "false",
    "DO_NOT_TRACK": "1",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
    "GE_USAGE_STATISTICS_ENABLED": "False",
    "GX_ANALYTICS_ENABLED": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "AIRFLOW__SMTP__SMTP_STARTTLS": "False",
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
}


def airflow_environment() -> dict[str, str]:
    """What Airflow needs to run this project's DAGs locally (dag.test() and the CLI)."""
    env = dict(QUIET_ENVIRONMENT)
    env["AIRFLOW_HOME"] = str(airflow_home())
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_dir())
    env["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(project_root() / "plugins")
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = airflow_metadata_url()
    env["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"  # dag.test() runs in-process; the services choose their own
    if "AIRFLOW_CONN_CSC_WAREHOUSE" not in os.environ:
        env["AIRFLOW_CONN_CSC_WAREHOUSE"] = PostgresParts.from_url(warehouse_url()).url(driver="postgres")
    smtp = smtp_connection_uri()
    if smtp:
        env["AIRFLOW_CONN_SMTP_DEFAULT"] = smtp
    env.update(dbt_environment())
    return env


def apply_environment(env: dict[str, str]) -> None:
    """Fill in what the environment lacks; what is already set wins."""
    for key, value in env.items():
        os.environ.setdefault(key, value)
