# Two jobs a new user needs: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps browser-deps java-deps demo test lint typecheck bench bench-ledger bench-cli docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# PDF reports are typeset by Typst (a wheel, no system library) in DejaVu Sans, the
# report's font. The machine image and CI have it: this only checks (a few ms). When it is
# missing and we are root with apt-get, it installs it; otherwise it says what to install
# (Typst then falls back to its own embedded fonts).
PDF_FONTS := fonts-dejavu-core

system-deps:
	@if [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing the fonts PDF reports use: $(PDF_FONTS)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends $(PDF_FONTS) >/dev/null) \
	    || echo "note: could not install $(PDF_FONTS); PDFs use Typst's embedded fonts"; \
	else \
	    echo "note: PDF reports use $(PDF_FONTS); install it with your package manager"; \
	fi

# The server's browser tests: Debian's chromium (driven by Playwright, never a downloaded
# browser) and the npm OpenID Connect provider they start on loopback (tests/oidc). When
# root with apt-get, chromium is installed; without Node/npm or chromium the browser tests
# skip and say why.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium for the browser tests"; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
	     || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	         --no-install-recommends chromium >/dev/null)) \
	    || echo "note: could not install chromium; the browser tests will skip"; \
	else \
	    echo "note: the browser tests need /usr/bin/chromium (Debian package chromium)"; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
	    [ -d tests/oidc/node_modules/oidc-provider ] || npm ci --prefix tests/oidc --no-audit --no-fund --silent; \
	else \
	    echo "note: the browser tests need Node and npm (tests/oidc); they will skip"; \
	fi

# The Spark engine (`data.engine: spark`, the `spark` extra) runs on a Java 17+ runtime. When
# `java` is missing and we are root with apt-get, Debian's headless JRE is installed;
# otherwise this says what to install, and the Spark tests skip saying why.
JAVA_PACKAGE := openjdk-17-jre-headless

java-deps:
	@if command -v java >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing a Java runtime for the Spark engine: $(JAVA_PACKAGE)"; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(JAVA_PACKAGE) >/dev/null \
	     || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	         --no-install-recommends $(JAVA_PACKAGE) >/dev/null)) \
	    || echo "note: could not install $(JAVA_PACKAGE); the Spark tests will skip"; \
	else \
	    echo "note: the Spark engine needs Java 17+ (Debian package $(JAVA_PACKAGE)); the Spark tests will skip"; \
	fi

setup: $(STAMP) system-deps

demo: setup
	$(BIN)/signoff quickstart signoff-demo

lint: setup
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

# The tests start their own throwaway PostgreSQL (scripts/with-postgres) so the store
# suite runs on SQLite and PostgreSQL alike; the 25 slowest tests are listed at the end,
# so every CI log shows where the suite's time goes. pytest-xdist runs them on
# TEST_WORKERS processes (CI has two cores; `make test TEST_WORKERS=0` runs one), a whole
# file to a worker (--dist loadfile) so module-scoped fixtures (Spark sessions, a Spark
# cluster) start once; the files that take minutes first (tests/conftest.py's
# LONGEST_FIRST; --no-loadscope-reorder keeps that order).
TEST_WORKERS ?= 2

test: lint typecheck browser-deps java-deps
	scripts/with-postgres $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

bench: setup
	$(BIN)/python benchmarks/run.py

bench-ledger: setup
	scripts/with-postgres $(BIN)/python benchmarks/bench_ledger.py

# `signoff --version` and `signoff model list` (empty registry): median of 10 runs each.
bench-cli: setup
	$(BIN)/python benchmarks/bench_cli.py

docs: setup
	$(BIN)/signoff metrics --markdown > docs/metrics.md

clean:
	rm -rf $(VENV) signoff-demo signoff-audit .pytest_cache .mypy_cache .ruff_cache
