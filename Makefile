# Set-up and everyday commands. `make run` and `make test` work on a bare machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SYSTEM  := $(VENV)/.system
ASSETS  := node_modules/.openpcn-assets
export OPENPCN_HOME ?= $(CURDIR)/.openpcn

.PHONY: run test test-long mutation lint format bench reference init clean

## Python environment from the pinned lock file (uv only speeds up the install). Bytecode is
## compiled once here: with PYTHONDONTWRITEBYTECODE set, every CLI call would recompile it.
$(STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

## The benchmark's peers (PySAL spopt, GerryChain: the `bench` extra), from their own lock file,
## compiled with requirements.lock as constraints so the main lock's versions are unchanged.
BENCH   := $(VENV)/.bench
$(BENCH): $(STAMP) requirements-bench.lock
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements-bench.lock
	touch $@

## System packages: Java for the Spark engine, Node.js for the front-end packages, Chromium for
## the browser tests, PostgreSQL's server for the app-database test, Pango for WeasyPrint's PDF
## reports and poppler's pdftotext for the report tests. Installed with apt only
## when missing.
$(SYSTEM):
	@mkdir -p $(VENV)
	@missing=""; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
	touch $@

## Front-end packages from npm (NHS design system, Leaflet, Vega, HTMX, axe-core), copied into
## the package's static folder; not committed.
$(ASSETS): package.json package-lock.json scripts/vendor_assets.py $(STAMP) $(SYSTEM)
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/vendor_assets.py
	touch $@

## Build the Dorset warehouse on first run, then serve the web app on http://127.0.0.1:8000
## (the first run prints the admin account's one-time password).
run: $(STAMP) $(SYSTEM) $(ASSETS)
	@test -f $(OPENPCN_HOME)/warehouse.duckdb || $(BIN)/openpcn init
	$(BIN)/openpcn orgs summary --ics 11J
	$(BIN)/openpcn serve --host 127.0.0.1 --port 8000

init: $(STAMP)
	$(BIN)/openpcn init --force

test: $(STAMP) $(SYSTEM) $(ASSETS)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python -m pytest -q -m "not long" --durations=15

## The tests marked `long` (suites of over a minute, the Spark runs of most specs, each
## capability's axe checks: docs/testing.md): kept out of `make test` so it stays under 15
## minutes; CI does not run them, so run them before a release.
test-long: $(STAMP) $(SYSTEM) $(ASSETS)
	$(BIN)/python -m pytest -q -m long

## Mutation testing of the rule modules (issue 19): mutmut over the Python ([tool.mutmut] in
## pyproject.toml) and every number in the cohort definitions moved by one; prints one JSON line
## and the surviving mutants. Hours on 2 cores for all 8,000 mutants, so it can be run a part at
## a time (`make mutation MODULES="orgs quality/stats.py"`); not part of `make test`.
MUTATE  := $(VENV)/.mutation
$(MUTATE): $(STAMP) requirements-mutation.lock
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements-mutation.lock
	touch $@

mutation: $(STAMP) $(SYSTEM) $(ASSETS) $(MUTATE)
	$(BIN)/python bench/mutation.py $(MODULES)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

bench: $(STAMP) $(BENCH) $(SYSTEM) $(ASSETS)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
	@for script in $(filter-out bench/mutation.py,$(wildcard bench/*.py)); do $(BIN)/python $$script; done

## Re-derive src/openpcn/data/reference/ from ../shared/data/raw (maintainers only).
reference: $(STAMP)
	$(BIN)/python scripts/build_reference.py --raw ../shared/data/raw

clean:
	rm -rf $(VENV) .openpcn .pytest_cache .ruff_cache node_modules src/openpcn/web/static/vendor mutants
