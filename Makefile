# zgw-gateway developer tasks (GNU make).
#
#   make venv            create .venv and install requirements-dev.lock + the package (editable)
#   make run             run the service on http://127.0.0.1:8000 (PORT=... for another port)
#   make test            lint, typecheck, test-sqlite, test-postgres (in that order, fail fast)
#   make test-postgres   run the tests against a throwaway PostgreSQL cluster
#                        (or against $TEST_DATABASE_URL when that is set)
#   make fmt             format and autofix
#   make lock            regenerate requirements.lock and requirements-dev.lock with uv
#   make clean           remove .venv, caches and the default SQLite database

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Only the folders that exist (git does not keep empty ones, e.g. bench/ before it has files).
SRC_DIRS := $(wildcard app tests bench migrations)
PG_CLUSTER := bash scripts/pg_cluster.sh
UV_FLAGS ?=
PORT ?= 8000
PYTEST_ARGS ?=

# pytest exits 5 when it collected no tests: make treats that as a failure (any non-zero
# status fails the recipe); this only adds a clear message.
define run_pytest
rc=0; $(1) $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
if [ "$$rc" -eq 5 ]; then echo "error: pytest collected no tests (exit 5)" >&2; fi; \
exit $$rc
endef

.PHONY: help venv run lint typecheck test test-sqlite test-postgres fmt bench lock clean

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

# --- virtualenv ------------------------------------------------------------------------------

$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock file or pyproject.toml changed.
$(STAMP): requirements-dev.lock pyproject.toml | $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements-dev.lock
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

venv: $(STAMP)

# --- running ---------------------------------------------------------------------------------

run: venv
	@if [ ! -f .env ] && [ -f .env.example ]; then cp .env.example .env; echo "created .env from .env.example"; fi
	exec $(BIN)/zgw-gateway serve --host 127.0.0.1 --port $(PORT)

bench: venv
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.decision_made

# --- checks ----------------------------------------------------------------------------------

lint: venv
	$(BIN)/ruff check $(SRC_DIRS)
	$(BIN)/ruff format --check $(SRC_DIRS)

typecheck: venv
	$(BIN)/mypy app

# The SQLite run ignores any TEST_DATABASE_URL from the environment, so it really is SQLite.
test-sqlite: venv
	$(call run_pytest,env -u TEST_DATABASE_URL)

# Uses $TEST_DATABASE_URL when set; otherwise starts a throwaway cluster, runs the tests against
# it and always stops it again (keeping pytest's exit status). A cluster that was already
# running before (scripts/pg_cluster.sh start by hand) is reused and left running.
test-postgres: venv
	@if [ -n "$${TEST_DATABASE_URL:-}" ]; then \
		echo "test-postgres: using TEST_DATABASE_URL from the environment"; \
		$(call run_pytest,); \
	fi; \
	if url="$$($(PG_CLUSTER) url 2>/dev/null)"; then \
		echo "test-postgres: reusing running cluster $$url"; \
	else \
		trap '$(PG_CLUSTER) stop' EXIT; \
		trap 'exit 130' INT TERM; \
		url="$$($(PG_CLUSTER) start)"; \
		echo "test-postgres: started cluster $$url"; \
	fi; \
	export TEST_DATABASE_URL="$$url"; \
	$(call run_pytest,)

test:
	$(MAKE) lint
	$(MAKE) typecheck
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

fmt: venv
	$(BIN)/ruff format $(SRC_DIRS)
	$(BIN)/ruff check --fix $(SRC_DIRS)

# --- lock files ------------------------------------------------------------------------------

# Only needs the virtualenv itself, not the installed lock (which may be what is broken).
lock: | $(VENV)/pyvenv.cfg
	@test -x $(BIN)/uv || $(BIN)/python -m pip install uv
	$(BIN)/uv pip compile pyproject.toml -o requirements.lock --python-version 3.11 --no-header $(UV_FLAGS)
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock --python-version 3.11 --no-header $(UV_FLAGS)

# --- cleaning --------------------------------------------------------------------------------

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
	rm -f zgw-gateway.db zgw-gateway.db-*
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
