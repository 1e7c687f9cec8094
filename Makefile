# Set-up and everyday commands. `make run` and `make test` work on a bare machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SYSTEM  := $(VENV)/.system
export OPENPCN_HOME ?= $(CURDIR)/.openpcn

.PHONY: run test lint format bench reference init clean

## Python environment from the pinned lock file (uv only speeds up the install).
$(STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

## System packages: Java for the Spark engine.
$(SYSTEM):
	@mkdir -p $(VENV)
	@if ! command -v java >/dev/null 2>&1; then \
		echo "Installing Java (for the Spark engine)"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q default-jre-headless; \
	fi
	touch $@

## Build the Dorset warehouse on first run, then show it.
run: $(STAMP) $(SYSTEM)
	@test -f $(OPENPCN_HOME)/warehouse.duckdb || $(BIN)/openpcn init
	$(BIN)/openpcn orgs summary --ics 11J

init: $(STAMP)
	$(BIN)/openpcn init --force

test: $(STAMP) $(SYSTEM)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

bench: $(STAMP)
	@for script in bench/*.py; do $(BIN)/python $$script; done

## Re-derive src/openpcn/data/reference/ from ../shared/data/raw (maintainers only).
reference: $(STAMP)
	$(BIN)/python scripts/build_reference.py --raw ../shared/data/raw

clean:
	rm -rf $(VENV) .openpcn .pytest_cache .ruff_cache
