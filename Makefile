# Joined Up: `make run` serves the demo, `make test` runs the suite (both on the embedded
# default: SQLite, Celery eager). See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DEBUG ?= 1

.PHONY: run test lint format bench assets install migrate seed clean schemathesis

# The development pins include the production ones (requirements-dev.lock starts with -r).
$(STAMP): requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

var/webroot/assets: node_modules/.package-lock.json
	mkdir -p var/webroot
	rm -rf var/webroot/assets
	cp -r node_modules/govuk-frontend/dist/govuk/assets var/webroot/assets

assets: var/webroot/assets

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: install assets seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install assets
	$(BIN)/python -m pytest -n 2 --no-migrations $(PYTEST_ARGS)

# Schemathesis over the OpenAPI against a live server, as staff, manager and citizen (.ci/run runs it).
schemathesis: install
	.ci/schemathesis

# Fast checks CI runs before the tests: lint, formatting, and no model change without its migration.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# PostgreSQL at BENCH_DATABASE_URL (default: local joinedup_bench, created and loaded with
# BENCH_FAMILIES=20000 synthetic families once); BENCH_ARGS=load runs only the matching benchmarks.
bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf var/webroot staticfiles .pytest_cache
