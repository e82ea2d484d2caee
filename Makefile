# ServiceHub: `make run` to try it, `make test` to test it. Both set everything up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SPA_PORT ?= 5173
FRONT := frontend
FRONT_STAMP := $(FRONT)/node_modules/.installed

.PHONY: run test test-pg test-sqlite install worker openapi migrate seed clean bench-customers bench-tickets \
	bench-background bench-reports bench-scorecard spa

$(STAMP): backend/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e "./backend[test]"
	@touch $(STAMP)

install: $(STAMP)

$(FRONT_STAMP): $(FRONT)/package-lock.json
	cd $(FRONT) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(FRONT_STAMP)

# The SPA, built into frontend/dist (served by `vite preview` next to the API, or by nginx).
spa: $(FRONT_STAMP)
	cd $(FRONT) && npm run build

migrate: install
	$(BIN)/servicehub db upgrade

seed: migrate
	$(BIN)/servicehub seed demo

# Quick local run: SQLite under var/, jobs in-process unless REDIS_URL is set; the built SPA is
# served by `vite preview`, which proxies /api to the API.
run: seed spa
	@echo ""
	@echo "  ServiceHub:      http://$(HOST):$(SPA_PORT)/   (group demo, e.g. project_agent / Demo@2026)"
	@echo "  ServiceHub API:  http://$(HOST):$(PORT)/api/v1   (health: /api/v1/health, spec: /openapi.json)"
	@echo ""
	@trap 'kill 0' EXIT; \
	if [ -n "$$REDIS_URL" ]; then $(BIN)/servicehub worker --with-scheduler & fi; \
	$(BIN)/servicehub serve --host $(HOST) --port $(PORT) & \
	cd $(FRONT) && SERVICEHUB_API=http://$(HOST):$(PORT) npx vite preview --host $(HOST) --port $(SPA_PORT) --strictPort

worker: install
	$(BIN)/servicehub worker --with-scheduler

openapi: install
	$(BIN)/servicehub openapi

# Every test: the SPA's unit tests and build, then the API's (and the browser's, tests/e2e, when
# Chromium is installed) on PostgreSQL + Redis when they are reachable (CI: always), then the API's
# again on SQLite (the browser drives the same API: its tests run once, on PostgreSQL).
test: install spa
	cd $(FRONT) && npm test
	$(BIN)/python -m pytest tests -q -ra
	@if [ "$$($(BIN)/python -c 'import tests.conftest as c; print(c.BACKEND)')" = "postgres" ]; then \
		echo "--- again on SQLite alone, jobs in-process ---"; \
		SERVICEHUB_TEST_DB=sqlite SERVICEHUB_TEST_REDIS=0 SERVICEHUB_REQUIRE_SERVICES= $(BIN)/python -m pytest tests -q -ra \
			--ignore=tests/e2e; \
	fi

test-pg: install
	SERVICEHUB_TEST_DB=postgres $(BIN)/python -m pytest tests -q -ra

test-sqlite: install
	SERVICEHUB_TEST_DB=sqlite SERVICEHUB_TEST_REDIS=0 $(BIN)/python -m pytest tests -q -ra

# Search on 1,000,000 customers / 1,200,000 units on the local PostgreSQL (see docs/benchmarks.md).
bench-customers: install
	$(BIN)/python bench/customers_search.py

# Lists, detail and create on 2,000,000 tickets on the local PostgreSQL (see docs/benchmarks.md);
# seeds in about a minute, drops the database at the end. Smoke run: bench/tickets.py --tickets 20000.
bench-tickets: install
	$(BIN)/python bench/tickets.py

# The reports (overview, breakdown) on the same 2,000,000 tickets (see docs/benchmarks.md); seeds in
# about a minute (or reuses a database kept by `bench/tickets.py --keep`). Smoke run: bench/reports.py --tickets 20000.
bench-reports: install
	$(BIN)/python bench/reports.py

# The contractor scorecard of a region with 200 contractors and 100,000 done work orders over a year
# on the local PostgreSQL (see docs/benchmarks.md); seeds in about a minute, drops the database at
# the end. Smoke run: bench/scorecard.py --jobs 5000.
bench-scorecard: install
	$(BIN)/python bench/scorecard.py

# Background work on the local PostgreSQL + Redis (db 14, flushed; see docs/benchmarks.md): POST of a
# major complaint → the hq's inbox through 2 real workers, and the SLA sweep of 10,000 due among
# 2,000,000 tickets. Seeds in about a minute, drops the database at the end.
# Smoke run: bench/background.py --smoke.
bench-background: install
	$(BIN)/python bench/background.py

clean:
	rm -rf $(VENV) var .pytest_cache
