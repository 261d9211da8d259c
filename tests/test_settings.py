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
