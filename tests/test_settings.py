import json

from csc_warehouse import settings


def test_a_value_set_in_the_environment_wins(monkeypatch):
    monkeypatch.setenv("CSC_WAREHOUSE_URL", "postgresql://someone:pw@db.example:6543/warehouse")
    monkeypatch.setenv("CSC_ALERT_TO", "team@example.org")
    assert settings.warehouse_url() == "postgresql://someone:pw@db.example:6543/warehouse"
    assert settings.alert_to() == "team@example.org"
    env = settings.dbt_environment()
    assert (env["CSC_DBT_HOST"], env["CSC_DBT_PORT"], env["CSC_DBT_DBNAME"]) == ("db.example", "6543", "warehouse")


def test_without_the_environment_the_embedded_server_is_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("CSC_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("CSC_STATE_DIR", str(tmp_path))
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "warehouse.json").write_text(json.dumps({"url": "postgresql://p@127.0.0.1:5/csc"}))
    assert settings.warehouse_url() == "postgresql://p@127.0.0.1:5/csc"


def test_no_warehouse_at_all_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.delenv("CSC_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("CSC_STATE_DIR", str(tmp_path))
    try:
        settings.warehouse_url()
    except settings.SettingMissing as error:
        assert "CSC_WAREHOUSE_URL" in str(error)
    else:
        raise AssertionError("expected SettingMissing")


def test_airflow_runs_quietly_with_its_metadata_beside_the_warehouse(monkeypatch):
    monkeypatch.setenv("CSC_WAREHOUSE_URL", "postgresql://u:pw@127.0.0.1:5433/csc")
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    env = settings.airflow_environment()
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["SCARF_ANALYTICS"] == "false"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://u:pw@127.0.0.1:5433/airflow"
    assert env["AIRFLOW_CONN_CSC_WAREHOUSE"] == "postgres://u:pw@127.0.0.1:5433/csc"


def test_passwords_are_redacted_for_screens_and_logs():
    assert settings.redacted("postgresql://u:secret@h:1/d") == "postgresql://u:***@h:1/d"
    assert settings.redacted("postgresql://u@h:1/d") == "postgresql://u@h:1/d"


def test_what_people_read_goes_to_the_output_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("CSC_DATA_DOCS_DIR", raising=False)
    monkeypatch.delenv("CSC_REPORT_DIR", raising=False)
    monkeypatch.setenv("CSC_OUTPUT_DIR", str(tmp_path / "shared"))
    assert settings.data_docs_dir() == tmp_path / "shared" / "data_docs"
    assert settings.report_dir() == tmp_path / "shared" / "reports"


def test_the_celery_services_environment_names_redis_the_metadata_database_and_each_worker(monkeypatch, tmp_path):
    from csc_warehouse import airflow_services, celery_services

    monkeypatch.setenv("CSC_WAREHOUSE_URL", "postgresql://u:pw@127.0.0.1:5433/csc")
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    monkeypatch.delenv("AIRFLOW__CORE__EXECUTOR", raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    monkeypatch.setenv("CSC_AIRFLOW_EXECUTOR", "celery")
    env = airflow_services.services_environment(8080)
    password = json.loads((tmp_path / "airflow" / "secrets.json").read_text())["redis_password"]
    port = json.loads((tmp_path / "airflow" / "redis.json").read_text())["port"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == f"redis://:{password}@127.0.0.1:{port}/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql+psycopg2://u:pw@127.0.0.1:5433/airflow"
    assert env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] == "csc_warehouse.celery_services.hostname"
    workers = [celery_services.worker_environment(name, env, 9000) for name in celery_services.worker_names()]
    assert len({worker["TMPDIR"] for worker in workers}) == len({worker["CSC_WORKER_NAME"] for worker in workers}) == 2
    monkeypatch.setenv("CSC_WORKER_NAME", workers[0]["CSC_WORKER_NAME"])
    assert celery_services.hostname() == workers[0]["CSC_WORKER_NAME"]
    monkeypatch.setenv("CSC_AIRFLOW_EXECUTOR", "local")
    assert airflow_services.services_environment(8080)["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"


def test_the_return_checks_pool_has_one_slot_unless_more_are_asked_for(monkeypatch):
    from csc_warehouse import airflow_pools

    monkeypatch.delenv("CSC_RETURN_CHECK_SLOTS", raising=False)
    assert [(pool.name, pool.slots) for pool in airflow_pools.pools()] == [("csc_return_checks", 1)]
    monkeypatch.setenv("CSC_RETURN_CHECK_SLOTS", "4")
    assert [pool.slots for pool in airflow_pools.pools()] == [4]
    monkeypatch.setenv("CSC_RETURN_CHECK_SLOTS", "0")
    try:
        settings.return_check_slots()
    except ValueError as error:
        assert "CSC_RETURN_CHECK_SLOTS must be 1 or more" in str(error)
    else:
        raise AssertionError("expected ValueError")
