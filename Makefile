# Two jobs a new user needs: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint typecheck bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/signoff quickstart signoff-demo

lint: setup
	$(BIN)/ruff check
	$(BIN)/ruff format --check

typecheck: setup
	$(BIN)/mypy

# The tests start their own throwaway PostgreSQL (scripts/with-postgres) so the store
# suite runs on SQLite and PostgreSQL alike.
test: lint typecheck
	scripts/with-postgres $(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/run.py

docs: setup
	$(BIN)/signoff metrics --markdown > docs/metrics.md

clean:
	rm -rf $(VENV) signoff-demo signoff-audit .pytest_cache .mypy_cache .ruff_cache
