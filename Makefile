# Two commands a new user needs: `make run` (the demo, end to end) and `make test`.
# Everything is installed here, into .venv, from requirements.lock: nothing relies on what
# happens to be on the machine. The DfE return validators, whose pins (pandas<2) the main environment
# cannot hold, get their own: .venv-validators, from requirements-validators.lock.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VALIDATORS_VENV := .venv-validators
VALIDATORS_STAMP := $(VALIDATORS_VENV)/.installed
UV_VERSION := 0.13.8

export AIRFLOW__CORE__LOAD_EXAMPLES ?= False
export DO_NOT_TRACK ?= 1
export SCARF_ANALYTICS ?= false

.PHONY: help venv run test test-fast lint dbt-parse stop clean bench bench-dbt bench-scheduler bench-returns bench-returns-national bench-memory fuzz services demo airflow

# A bare `make` installs, as it always has; `make help` lists the targets by their `## ` comments.
.DEFAULT_GOAL := venv
help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 18

venv: $(STAMP) $(VALIDATORS_STAMP) ## install everything into .venv (requirements.lock) and .venv-validators

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# The return validators' environment: their lock, and this project (no dependencies) for the entry point
# csc_warehouse.returns, which imports only the standard library, psycopg, pyyaml and the validators.
# Compiled once here (uv does not): where PYTHONDONTWRITEBYTECODE is set, every return check would
# otherwise compile pandas and the validator's 300 rule modules again, about 2 CPU seconds each time.
$(VALIDATORS_STAMP): requirements-validators.lock pyproject.toml | $(STAMP)
	test -x $(VALIDATORS_VENV)/bin/python || $(PYTHON) -m venv $(VALIDATORS_VENV)
	$(BIN)/uv pip install --quiet --python $(VALIDATORS_VENV)/bin/python -r requirements-validators.lock
	$(BIN)/uv pip install --quiet --python $(VALIDATORS_VENV)/bin/python --no-deps -e .
	$(VALIDATORS_VENV)/bin/python -m compileall -q $(VALIDATORS_VENV)/lib
	touch $(VALIDATORS_STAMP)

# Starts the embedded warehouse and mail sink (or uses CSC_WAREHOUSE_URL), migrates, makes the
# demo deliveries, runs the weekly DAG for each demo week and says where to look.
run: venv ## the demo end to end: warehouse, demo deliveries, the weekly DAG for each week
	$(BIN)/csc demo

services: venv ## start the embedded warehouse and the mail sink
	$(BIN)/csc services start

# The scheduler, the UI and the REST API as background processes (not dag.test()): `csc airflow start` starts
# the warehouse and mail sink, runs `airflow db migrate`, starts the four components, waits until the UI
# answers and the DAGs are parsed, and prints the URL, the login and the password file.
airflow: venv ## start Airflow for real: api-server (UI, REST API), scheduler, dag-processor, triggerer
	$(BIN)/csc airflow start

stop: venv ## stop Airflow, the warehouse and the mail sink
	$(BIN)/csc services stop

# ruff's rules and its formatting on the Python, sqlfluff on the dbt SQL (its .sqlfluff config is in the repository).
lint: venv ## ruff check, ruff format --check and sqlfluff lint
	$(BIN)/ruff check plugins dags tests $(wildcard scripts)
	$(BIN)/ruff format --check plugins dags tests $(wildcard scripts)
	$(BIN)/sqlfluff lint dbt_project

dbt-parse: venv ## parse the dbt project (no database needed)
	$(BIN)/csc dbt-parse

# The manifest and partial parse the dbt build tasks start from: parsed again only when
# a file of the dbt project is newer, so that test-fast does not pay for a parse each time.
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -type f -not -path '*/target/*' -not -path '*/logs/*' -not -path '*/dbt_packages/*')
$(MANIFEST): $(DBT_SOURCES) | $(STAMP)
	$(BIN)/csc dbt-parse

# Everything: lint, the dbt parse and the whole suite, the slow and end-to-end tests too (about 19 min on 2 cores).
# Two pytest-xdist workers: the Airflow tests (tests/scheduler/) mostly wait on heartbeats and task
# processes, and the rest of the suite runs beside them. The tests that must share a worker are
# grouped by module in tests/conftest.py; the Airflow group is first in the collection, and
# --no-loadscope-reorder hands it to a worker first. TEST_WORKERS=1 runs it on one worker.
TEST_WORKERS ?= 2
test: venv lint dbt-parse ## everything: lint, dbt-parse and every test
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

# The unit-level tests, for the edit-test loop: no dbt build of the project, no DAG run, no history
# (the tests marked slow or e2e in pyproject.toml's markers). Under 5 minutes on 2 cores.
test-fast: venv $(MANIFEST) ## the unit-level tests only, under 5 minutes
	$(BIN)/python -m pytest -q -m "not slow and not e2e"

bench: venv ## how fast `csc ingest` loads 1M episodes
	$(BIN)/python scripts/bench_ingest.py

# Not part of `make test` or CI: a national-scale history (150 authorities, EPISODES episodes over
# their accepted deliveries), a full dbt refresh, then the weekly path; ends with weekly_vs_full=<ratio>.
EPISODES ?= 5000000
bench-dbt: venv ## a dbt full refresh of a national history against the weekly path (EPISODES=...)
	$(BIN)/python scripts/bench_dbt.py --episodes $(EPISODES)

# Not part of `make test` or CI: the weekly run under the real scheduler (`csc airflow start` in a
# temporary folder, triggered through the REST API), for one authority's demo week and then for
# AUTHORITIES authorities delivering a week with a national history of EPISODES episodes behind them;
# prints task instance counts, the seconds until each run's publish task ended, and ends with
# national_vs_one_la=<ratio>.
AUTHORITIES ?= 150
EXECUTOR ?= local
bench-scheduler: venv ## one authority's week against AUTHORITIES' under the real scheduler (EPISODES=..., EXECUTOR=local|celery)
	$(BIN)/python scripts/bench_scheduler.py --episodes $(EPISODES) --authorities $(AUTHORITIES) --executor $(EXECUTOR)

# Not part of `make test` or CI: the DfE return rules on the validators' fake SSDA903 return and CIN census and a demo week,
# run as the weekly DAG's mapped task runs them (the validators' interpreter); wall and CPU seconds per delivery.
bench-returns: venv ## seconds per delivery of the DfE SSDA903 and CIN return rules
	$(BIN)/python scripts/bench_returns.py

# Not part of `make test` or CI: NATIONAL_SAMPLE authorities' deliveries of a national week (a history of
# EPISODES episodes over 150 authorities behind them), each checked as the weekly DAG's task checks it;
# seconds per delivery, then the national CPU and wall seconds they estimate.
NATIONAL_SAMPLE ?= 10
bench-returns-national: venv ## the DfE return checks of a national week, estimated from NATIONAL_SAMPLE deliveries
	$(BIN)/python scripts/bench_returns.py --national-sample $(NATIONAL_SAMPLE) --episodes $(EPISODES)

# Not part of `make test` or CI: the peak memory of `csc ingest` (its process's ru_maxrss) on a 5-million-row Episodes
# CSV, a 1 GB file of one repeated line (with and without line breaks) and a 200 MB SSDA903 XML, in an embedded
# warehouse of its own; target under 500 MB. Ends with
# peak_rss_mb episodes_5m=<n> repeated_line_1gb=<n> one_line_1gb=<n> ssda903_xml_200mb=<n>. Needs about 6 GB of
# disk in the temporary folder; 5-10 minutes on 2 cores.
bench-memory: venv ## peak RSS of csc ingest on a 5M-row Episodes CSV and a 1 GB file of one repeated line
	$(BIN)/python scripts/bench_memory.py

# Not part of `make test`, which runs 300 cases of the same test (a fixed sequence): N mutated deliveries
# through the door (tests/fuzz/), new ones each run, against the tests' own embedded PostgreSQL. Ends with
# cases=<n> crashes=0 partial_loads=0 findings_without_location=0; a failing case's files are kept in
# .local/fuzz-failures/ (its folder is named in the failure).
N ?= 10000
fuzz: venv ## N mutated deliveries through the door (N=10000); prints crashes, partial loads, unlocated findings
	rm -rf .local/fuzz-failures .local/fuzz-report.txt && mkdir -p .local
	CSC_FUZZ_CASES=$(N) CSC_FUZZ_RANDOM=1 CSC_FUZZ_FAILURES=$(CURDIR)/.local/fuzz-failures CSC_FUZZ_REPORT=$(CURDIR)/.local/fuzz-report.txt \
		$(BIN)/python -m pytest tests/fuzz -q -s -p no:cacheprovider; status=$$?; cat .local/fuzz-report.txt 2>/dev/null; exit $$status

clean: ## stop the services, remove .local and dbt's target and logs
	-test -x $(BIN)/csc && $(BIN)/csc services stop
	rm -rf .local dbt_project/target dbt_project/logs
