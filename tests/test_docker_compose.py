"""docker-compose.yml, read as data: no Docker engine is needed, nothing is started.

Each test cross-checks the deployment against the code it deploys: the variables
plugins/csc_warehouse/settings.py reads, its connection ids, and the services the values name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from csc_warehouse import airflow_settings, settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SETTINGS_SOURCE = Path(settings.__file__).read_text()

EXPECTED_SERVICES = {
    "postgres",
    "mailpit",
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "redis",
    "airflow-worker",
}
CELERY_PROFILE = {"redis", "airflow-worker"}
MUST_BE_DEPLOYED = {"CSC_HOME", "CSC_WAREHOUSE_URL", "CSC_LANDING_DIR", "CSC_ALERT_TO", "AIRFLOW_CONN_SMTP_DEFAULT"}
# Variables settings.py reads that a deployment does not set, and why.
NOT_FOR_DEPLOYMENT = {
    "CSC_MAIL_DIR": "folder of the embedded mail sink; mailpit replaces that sink",
    "CSC_BUILD_SCHEMA": "its default (`build`) is the deployed value",
    "CSC_EXPECTED_LA_CODES": "optional: empty means every authority that delivered in recent weeks",
    "CSC_WEEKLY_START_DATE": "optional: empty means the scheduler does not catch up missed weeks",
    "CSC_BLOCKING_RETURN_RULES": "optional: empty means no DfE return rule holds a delivery version back",
    "CSC_AIRFLOW_PORT": "the port of `csc airflow start`'s api-server; compose publishes AIRFLOW_API_PORT",
    "CSC_AIRFLOW_EXECUTOR": "`csc airflow start`'s; compose sets AIRFLOW_EXECUTOR and the celery profile",
    "CSC_CELERY_WORKERS": "`csc airflow start`'s; compose scales airflow-worker to CELERY_WORKERS",
    "CSC_DATA_DOCS_DIR": "its default, data_docs/ in CSC_OUTPUT_DIR, is the deployed value",
    "CSC_REPORT_DIR": "its default, reports/ in CSC_OUTPUT_DIR, is the deployed value",
}

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
ESCAPED_DOLLAR_OR_INTERPOLATION = re.compile(r"\$\$|" + INTERPOLATION.pattern)
LOCAL_DEFAULT_MARKERS = ("changeme", "change-me", "local-only", "insecure")
SECRET_KEY_NAME = re.compile(r"(PASSWORD|SECRET|SECRET_KEY|FERNET_KEY|TOKEN)$")
# In the resolved text: user:password@ in URLs, "password": "..." in JSON connections.
WRITTEN_PASSWORD = re.compile(r"://[^:/@\s\"']+:(?P<url>[^@\s\"']+)@|\"password\"\s*:\s*\"(?P<json>[^\"]*)\"")


def _settings_variables() -> set[str]:
    name = r"((?:CSC|AIRFLOW_CONN)_[A-Z0-9_]+)"
    patterns = [
        rf'os\.environ\.get\(\s*"{name}"',
        rf'os\.environ\[\s*"{name}"\s*\]',
        rf'"{name}"\s+in\s+os\.environ',
    ]
    return {match for pattern in patterns for match in re.findall(pattern, SETTINGS_SOURCE)}


def resolve(value: str) -> str:
    """The value as compose would see it with nothing set: defaults used, required names as <NAME>."""

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        if match["op"] and match["op"].endswith("-"):
            return match["arg"]
        return f"<{match['name']}>"

    return ESCAPED_DOLLAR_OR_INTERPOLATION.sub(substitute, value)


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def airflow_services(services) -> dict:
    return {name: service for name, service in services.items() if name.startswith("airflow-")}


@pytest.fixture(scope="module")
def airflow_env(airflow_services) -> dict[str, str]:
    """The api-server's environment, resolved: what every Airflow service shares."""
    env = environment_of(airflow_services["airflow-apiserver"])
    return {key: resolve(value) for key, value in env.items()}


def _is_marked_secret_reference(raw: str) -> bool:
    """${NAME:?message} (required), or ${NAME:-default} whose default says it is a local one."""
    match = INTERPOLATION.fullmatch(raw.strip())
    return bool(match and match["op"]) and _is_required_or_marked(resolve(raw))


def _is_required_or_marked(resolved: str) -> bool:
    return bool(re.fullmatch(r"<[A-Za-z0-9_]+>", resolved)) or any(
        marker in resolved.lower() for marker in LOCAL_DEFAULT_MARKERS
    )


def test_the_compose_file_parses_to_a_mapping_of_services(compose):
    assert isinstance(compose, dict)
    assert isinstance(compose.get("services"), dict)


def test_every_expected_service_is_defined(services):
    assert EXPECTED_SERVICES <= set(services), EXPECTED_SERVICES - set(services)


def test_the_settings_regex_finds_the_variables_a_deployment_needs():
    assert MUST_BE_DEPLOYED <= _settings_variables(), MUST_BE_DEPLOYED - _settings_variables()


def test_every_airflow_service_sets_every_deployment_variable_settings_reads(airflow_services):
    needed = (_settings_variables() | MUST_BE_DEPLOYED) - set(NOT_FOR_DEPLOYMENT)
    missing = {
        name: sorted(needed - {key for key, value in environment_of(service).items() if value})
        for name, service in airflow_services.items()
    }
    assert not {name: keys for name, keys in missing.items() if keys}, missing


def test_every_airflow_service_runs_the_local_executor_by_default_from_the_project_image(airflow_services):
    for name, service in airflow_services.items():
        assert resolve(environment_of(service)["AIRFLOW__CORE__EXECUTOR"]) == "LocalExecutor", name
        assert service["build"]["dockerfile"] == "docker/Dockerfile", name


def test_the_celery_profile_holds_the_broker_and_the_workers_and_nothing_else(services):
    profiled = {name for name, service in services.items() if service.get("profiles")}
    assert profiled == CELERY_PROFILE
    assert all(services[name]["profiles"] == ["celery"] for name in CELERY_PROFILE)


def test_the_celery_executor_is_the_one_csc_airflow_start_runs(airflow_env):
    assert airflow_settings.Executor.CELERY.airflow_name == "CeleryExecutor"  # what AIRFLOW_EXECUTOR then says
    assert airflow_env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] == "csc_warehouse.celery_services.hostname"
    assert airflow_env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + airflow_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_the_workers_reach_redis_with_its_password_and_scale_to_celery_workers(services, airflow_env):
    broker = urlsplit(airflow_env["AIRFLOW__CELERY__BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
    raw_broker = environment_of(services["airflow-worker"])["AIRFLOW__CELERY__BROKER_URL"]
    assert raw_broker == "redis://:${REDIS_PASSWORD:-}@redis:6379/0"
    worker = services["airflow-worker"]
    assert worker["command"] == ["airflow", "celery", "worker"]
    assert worker["deploy"]["replicas"] == "${CELERY_WORKERS:-2}"
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"


def test_redis_refuses_to_start_without_a_password(services):
    """Compose interpolates every profile's variables, so `${REDIS_PASSWORD:?...}` would make the
    LocalExecutor deployment set it too: the redis service itself refuses to start without one."""
    redis = services["redis"]
    script = "\n".join(redis["command"])
    assert environment_of(redis)["REDIS_PASSWORD"] == "${REDIS_PASSWORD:-}"
    assert 'test -n "$$REDIS_PASSWORD" ||' in script and "exit 1" in script
    assert '--requirepass "$$REDIS_PASSWORD"' in script and "--appendonly yes" in script


def test_the_image_installs_the_lock_then_the_project_without_dependencies():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    lock = dockerfile.index("pip install -r requirements.lock")
    project = dockerfile.index("pip install --no-deps -e .")
    assert lock < project
    assert re.search(r"^ENV .*CSC_HOME=/opt/csc", dockerfile, re.MULTILINE | re.DOTALL)


def test_every_airflow_service_has_the_same_environment(airflow_services):
    shared = environment_of(airflow_services["airflow-apiserver"])
    for name, service in airflow_services.items():
        env = environment_of(service)
        assert {key: env.get(key) for key in shared} == shared, name


def test_the_smtp_connection_points_at_the_mailpit_smtp_port(services, airflow_env):
    connection = json.loads(airflow_env["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert connection["conn_type"] == "smtp"
    assert connection["host"] == "mailpit" and "mailpit" in services
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert str(connection["port"]) in [str(port) for port in services["mailpit"]["expose"]]
    assert environment_of(services["mailpit"])["MP_SMTP_BIND_ADDR"].endswith(f":{connection['port']}")


def test_the_smtp_connection_sends_in_plain_text_from_the_alert_sender(airflow_env):
    extra = json.loads(airflow_env["AIRFLOW_CONN_SMTP_DEFAULT"])["extra"]
    assert extra["disable_tls"] is True and extra["disable_ssl"] is True
    assert extra["from_email"] == airflow_env["CSC_ALERT_FROM"]
    assert airflow_env["AIRFLOW__SMTP__SMTP_STARTTLS"] == "False"


def test_the_project_connection_ids_are_set_as_airflow_conn_variables(airflow_env):
    for conn_id in (settings.SMTP_CONN_ID, settings.WAREHOUSE_CONN_ID):
        assert airflow_env.get(f"AIRFLOW_CONN_{conn_id.upper()}"), conn_id


def test_the_warehouse_url_is_the_csc_database_on_the_postgres_service(services, airflow_env):
    parts = settings.PostgresParts.from_url(airflow_env["CSC_WAREHOUSE_URL"])
    assert parts.host == "postgres" and "postgres" in services
    assert parts.dbname == "csc"


def test_the_warehouse_connection_names_the_same_database_as_the_warehouse_url(airflow_env):
    url = settings.PostgresParts.from_url(airflow_env["CSC_WAREHOUSE_URL"])
    connection = settings.PostgresParts.from_url(airflow_env["AIRFLOW_CONN_CSC_WAREHOUSE"])
    assert urlsplit(airflow_env["AIRFLOW_CONN_CSC_WAREHOUSE"]).scheme in ("postgres", "postgresql")
    assert connection == url


def test_the_airflow_metadata_is_the_airflow_database_on_the_postgres_service(airflow_env):
    parts = settings.PostgresParts.from_url(airflow_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert airflow_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert (parts.host, parts.dbname) == ("postgres", "airflow")


def test_the_postgres_service_is_a_supported_image_that_creates_both_databases(services):
    postgres = services["postgres"]
    assert re.fullmatch(r"postgres:1[67](\D.*)?", postgres["image"]), postgres["image"]
    init_mounts = [volume.split(":")[0] for volume in postgres["volumes"] if "docker-entrypoint-initdb.d" in volume]
    assert init_mounts, "no init script mounted"
    init_script = (ROOT / init_mounts[0]).read_text()
    assert "CREATE DATABASE csc" in init_script and "CREATE DATABASE airflow" in init_script


def test_the_dags_and_plugins_folders_are_inside_the_mounted_project(airflow_services, airflow_env):
    home = airflow_env["CSC_HOME"]
    assert airflow_env["AIRFLOW__CORE__DAGS_FOLDER"] == f"{home}/dags"
    assert airflow_env["AIRFLOW__CORE__PLUGINS_FOLDER"] == f"{home}/plugins"
    for name, service in airflow_services.items():
        targets = [resolve(volume).split(":")[1] for volume in service["volumes"]]
        assert home in targets, name


def test_the_landing_dir_is_a_mounted_volume(airflow_services, airflow_env):
    for name, service in airflow_services.items():
        targets = [resolve(volume).split(":")[1] for volume in service["volumes"]]
        assert airflow_env["CSC_LANDING_DIR"] in targets, name


def test_the_deployment_keeps_the_projects_telemetry_off_settings(airflow_env):
    differing = {
        key: airflow_env.get(key) for key, value in settings.QUIET_ENVIRONMENT.items() if airflow_env.get(key) != value
    }
    assert not differing, differing


def test_the_deployment_shares_the_scheduler_settings_of_csc_airflow_start(airflow_env):
    differing = {
        key: airflow_env.get(key)
        for key, value in airflow_settings.SCHEDULER_SETTINGS.items()
        if airflow_env.get(key) != value
    }
    assert not differing, differing


def test_airflow_components_reach_the_api_server_with_a_shared_jwt_secret_from_the_environment(
    airflow_services, airflow_env
):
    execution_url = urlsplit(airflow_env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert execution_url.hostname == "airflow-apiserver" and execution_url.path == "/execution/"
    assert "airflow-apiserver" in airflow_services
    raw = environment_of(airflow_services["airflow-apiserver"])["AIRFLOW__API_AUTH__JWT_SECRET"]
    assert re.fullmatch(r"\$\{AIRFLOW_JWT_SECRET:\?[^}]*\}", raw), raw


def test_long_running_airflow_services_wait_for_init_and_have_a_healthcheck(airflow_services):
    for name, service in airflow_services.items():
        if name == "airflow-init":
            continue
        assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy", name
        assert service["healthcheck"]["test"], name


def test_airflow_init_migrates_airflow_and_the_warehouse(services):
    command = services["airflow-init"]["command"]
    script = command if isinstance(command, str) else "\n".join(command)
    assert "airflow db migrate" in script
    assert "csc migrate" in script


def test_no_password_or_secret_is_written_literally(services):
    for name, service in services.items():
        for key, value in environment_of(service).items():
            if (name, key) == ("redis", "REDIS_PASSWORD"):
                continue  # required by the service's command: test_redis_refuses_to_start_without_a_password
            if SECRET_KEY_NAME.search(key):
                assert _is_marked_secret_reference(value), f"{name}: {key}={value}"
    for match in WRITTEN_PASSWORD.finditer(resolve(COMPOSE_FILE.read_text())):
        assert _is_required_or_marked(match["url"] or match["json"]), match.group(0)
