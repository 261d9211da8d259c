#!/usr/bin/env bash
# First start of an empty data volume only (/docker-entrypoint-initdb.d): the two databases of
# docker-compose.yml, each owned by its own login role, neither reachable with the other's.
#   csc      the warehouse; `csc migrate` (airflow-init) creates its schemas and tables
#   airflow  Airflow's metadata; `airflow db migrate` (airflow-init) fills it
# Passwords arrive as psql variables and are quoted by psql (:'name'), never pasted into SQL.
set -eo pipefail

: "${CSC_DB_USER:?}" "${CSC_DB_PASSWORD:?}" "${AIRFLOW_DB_USER:?}" "${AIRFLOW_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=csc_user="$CSC_DB_USER" --set=csc_password="$CSC_DB_PASSWORD" \
    --set=airflow_user="$AIRFLOW_DB_USER" --set=airflow_password="$AIRFLOW_DB_PASSWORD" <<'SQL'
CREATE ROLE :"csc_user" LOGIN PASSWORD :'csc_password';
CREATE DATABASE csc OWNER :"csc_user";
REVOKE ALL ON DATABASE csc FROM PUBLIC;

CREATE ROLE :"airflow_user" LOGIN PASSWORD :'airflow_password';
CREATE DATABASE airflow OWNER :"airflow_user";
REVOKE ALL ON DATABASE airflow FROM PUBLIC;
SQL
