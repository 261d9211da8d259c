# Two commands a new user needs: `make run` (the demo, end to end) and `make test`.
# Everything is installed here, into .venv, from requirements.lock: nothing relies on what
# happens to be on the machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.8

export AIRFLOW__CORE__LOAD_EXAMPLES ?= False
export DO_NOT_TRACK ?= 1
export SCARF_ANALYTICS ?= false

.PHONY: venv run test lint dbt-parse stop clean bench bench-dbt services demo

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# Starts the embedded warehouse and mail sink (or uses CSC_WAREHOUSE_URL), migrates, makes the
# demo deliveries, runs the weekly DAG for each demo week and says where to look.
run: venv
	$(BIN)/csc demo

services: venv
	$(BIN)/csc services start

stop: venv
	$(BIN)/csc services stop

lint: venv
	$(BIN)/ruff check plugins dags tests $(wildcard scripts)

dbt-parse: venv
	$(BIN)/csc dbt-parse

test: venv lint dbt-parse
	$(BIN)/python -m pytest -q

bench: venv
	$(BIN)/python scripts/bench_ingest.py

# Not part of `make test` or CI: a national-scale history (150 authorities, EPISODES episodes over
# their accepted deliveries), a full dbt refresh, then the weekly path; ends with weekly_vs_full=<ratio>.
EPISODES ?= 5000000
bench-dbt: venv
	$(BIN)/python scripts/bench_dbt.py --episodes $(EPISODES)

clean:
	-test -x $(BIN)/csc && $(BIN)/csc services stop
	rm -rf .local dbt_project/target dbt_project/logs
