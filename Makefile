# holdfast: `make run` serves the demo, `make test` runs the whole suite. Nothing else is needed by hand.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/holdfast
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= auto

.PHONY: run dev test test-pg test-sqlite bench soak install install-test chromium postgres worker demo doctor clean lint-imports

$(BIN)/.installed: pyproject.toml
	@BASE=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then \
	  rm -rf $(VENV); echo "creating $(VENV) with $$BASE"; $$BASE -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed pyproject.toml
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed
install-test: $(BIN)/.installed-test

chromium:
	@scripts/ensure-system-packages

postgres:
	@scripts/ensure-postgres "$(PG_URL)"

run: install
	@mkdir -p var
	$(BIN)/holdfast migrate --noinput -v0
	$(BIN)/holdfast collectstatic --noinput -v0
	$(BIN)/holdfast demo
	@echo "Serving http://$(HOST):$(PORT)/ with gunicorn (API docs at /api/docs) and one worker; Ctrl-C stops both."
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/holdfast worker & \
	  scripts/serve $(HOST):$(PORT)

# Development: Django's autoreloading server instead of gunicorn (never for more than one person).
dev: install
	@mkdir -p var
	$(BIN)/holdfast migrate --noinput -v0
	$(BIN)/holdfast demo
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/holdfast worker & \
	  $(BIN)/holdfast runserver --insecure $(HOST):$(PORT)

worker: install
	$(BIN)/holdfast worker

demo: install
	$(BIN)/holdfast migrate --noinput -v0 && $(BIN)/holdfast demo

doctor: install
	$(BIN)/holdfast doctor

# The whole suite on PostgreSQL (the system of record), then on SQLite (the embedded default).
test: install-test chromium postgres
	$(MAKE) --no-print-directory test-pg
	$(MAKE) --no-print-directory test-sqlite

test-pg:
	DATABASE_URL="$(PG_URL)" $(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-sqlite:
	HOLDFAST_TEST_DB=sqlite $(BIN)/pytest -n $(PYTEST_WORKERS) -q -m "not pg_only"

lint-imports: install-test
	$(BIN)/lint-imports

bench: install-test postgres
	DATABASE_URL="$(PG_URL)" $(PY) -m bench

# Crash proof (not part of `make test`): kill -9 rounds of web and worker under load, nothing acknowledged lost (bench/soak.py).
soak: install-test postgres
	DATABASE_URL="$(PG_URL)" $(PY) -m bench.soak

clean:
	rm -rf $(VENV) var staticfiles *.egg-info
