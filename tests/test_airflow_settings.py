import pytest

from csc_warehouse import airflow_settings


def test_the_executor_is_local_unless_celery_is_asked_for(monkeypatch):
    monkeypatch.delenv("CSC_AIRFLOW_EXECUTOR", raising=False)
    assert airflow_settings.airflow_executor() is airflow_settings.Executor.LOCAL
    monkeypatch.setenv("CSC_AIRFLOW_EXECUTOR", "Celery")
    assert airflow_settings.airflow_executor().airflow_name == "CeleryExecutor"
    monkeypatch.setenv("CSC_AIRFLOW_EXECUTOR", "kubernetes")
    with pytest.raises(ValueError, match="local or celery"):
        airflow_settings.airflow_executor()


def test_a_separate_set_of_components_inherits_no_airflow_csc_or_dbt_setting_but_those_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW__CORE__PARALLELISM", "64")
    monkeypatch.setenv("CSC_DBT_THREADS", "8")
    monkeypatch.setenv("DBT_PROFILES_DIR", "/elsewhere")
    monkeypatch.setenv("CSC_RETURN_CHECK_SLOTS", "3")
    environment = airflow_settings.separate_airflow_environment(
        tmp_path, "postgresql://w@h/csc", "postgresql://w@h/airflow", "{}", keep=("CSC_RETURN_CHECK_SLOTS",)
    )
    assert "AIRFLOW__CORE__PARALLELISM" not in environment and "CSC_DBT_THREADS" not in environment
    assert "DBT_PROFILES_DIR" not in environment
    assert environment["CSC_RETURN_CHECK_SLOTS"] == "3"
    assert environment["AIRFLOW_HOME"] == str(tmp_path / "airflow")
    assert environment["CSC_WAREHOUSE_URL"] == "postgresql://w@h/csc"
