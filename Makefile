# scholarkg — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KG := $(VENV)/bin/kg
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
YASGUI_NPM := node_modules/@zazuko/yasgui
YASGUI_PKG := kg/serve/yasgui
WHEELHOUSE := $(VENV)/wheelhouse
WHEELHOUSE_STAMP := $(WHEELHOUSE)/.downloaded
BROWSER_PACKAGES := chromium chromium-driver
VIRTUOSO_PACKAGES := virtuoso-opensource
STORE ?= data/store
DUMPS ?= data/dumps
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup browser virtuoso yasgui build serve test lint clean conformance bench bench-full dist

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup: $(STAMP) $(NPM_STAMP) yasgui $(WHEELHOUSE_STAMP) browser ## .venv with the package, Yasgui (npm ci), Chromium for browser tests (idempotent)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Yasgui, served at /assets/yasgui/ (kg/serve/assets.py), exactly as package-lock.json pins it.
# No package has an install script we need: --ignore-scripts keeps setup from running any.
$(NPM_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  echo "npm ci (Yasgui)"; \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "setup: npm not found; /sparql will show no Yasgui (install Node.js and npm, then make setup)"; \
	fi

# The Yasgui build inside the package, so that the wheel ships it and an installed scholarkg
# needs no node_modules/ (kg/serve/assets.py). Checked on every run: cmp is cheap, and a copy
# older than node_modules/ would be served stale.
yasgui: $(NPM_STAMP) ## copy the pinned Yasgui build from node_modules/ into kg/serve/yasgui/
	@if [ -f $(YASGUI_NPM)/build/yasgui.min.js ]; then \
	  mkdir -p $(YASGUI_PKG)/build; \
	  for f in package.json build/yasgui.min.js build/yasgui.min.js.map build/yasgui.min.css; do \
	    cmp -s $(YASGUI_NPM)/$$f $(YASGUI_PKG)/$$f || cp $(YASGUI_NPM)/$$f $(YASGUI_PKG)/$$f; \
	  done; \
	fi

# The runtime dependencies as wheels, for tests/test_wheel.py: it installs the built wheel into a
# fresh venv with --no-index, so the test downloads nothing.
$(WHEELHOUSE_STAMP): pyproject.toml
	$(PY) -m pip download --quiet --dest $(WHEELHOUSE) .
	touch $@

# Debian's chromium + chromium-driver for tests/test_browser.py. Checked on every run (cheap):
# a stamp would not notice the packages being removed.
browser: ## install Chromium and ChromeDriver from Debian where missing (needs root)
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "apt-get install $(BROWSER_PACKAGES)"; \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(BROWSER_PACKAGES) >/dev/null; \
	else \
	  echo "setup: chromium/chromedriver missing, and installing them needs root and apt-get:" \
	       "tests/test_browser.py will skip (fail under CI=true);" \
	       "run 'sudo apt-get install $(BROWSER_PACKAGES)'"; \
	fi

# Debian's Virtuoso (virtuoso-t, isql-vt) for tests/test_remote_virtuoso.py, which starts its own
# on loopback ports with a private database folder. RUNLEVEL=1 keeps the package's init script
# from starting the system service (it is not used). Checked on every run, as `browser` is.
virtuoso: ## install Debian's Virtuoso where missing, for the remote-store tests (needs root)
	@if command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "apt-get install $(VIRTUOSO_PACKAGES)"; \
	  apt-get update -qq && \
	  RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(VIRTUOSO_PACKAGES) >/dev/null; \
	else \
	  echo "setup: virtuoso-t/isql-vt missing, and installing them needs root and apt-get:" \
	       "tests/test_remote_virtuoso.py will skip (fail under CI=true);" \
	       "run 'sudo apt-get install $(VIRTUOSO_PACKAGES)'"; \
	fi

build: setup ## build the graph from seeds/ into $(STORE)
	$(KG) build seeds/ --store $(STORE)

serve: build ## build, export the dumps, then serve the graph on http://$(HOST):$(PORT)/
	$(KG) export --store $(STORE) --out $(DUMPS)
	$(KG) serve --store $(STORE) --dumps $(DUMPS) --host $(HOST) --port $(PORT)

lint: setup ## ruff, and mypy on kg/
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy kg

test: setup virtuoso lint ## the whole test suite (ruff and mypy, then pytest)
	$(PY) -m pytest

dist: setup ## build the wheel and the sdist into dist/ (Yasgui, ontology/ and queries/ inside)
	$(PY) -m build --no-isolation --outdir dist .

clean: ## remove the built store and caches (keeps .venv)
	rm -rf data dist .pytest_cache .ruff_cache .mypy_cache

CONFORMANCE := ../shared/tools/conformance/run.py
SUITE := ../shared/w3c-rdf-tests

conformance: setup ## run the W3C SPARQL 1.1 harness (protocol + query) on kg serve; prints the summary
	$(PY) $(CONFORMANCE) --suite $(SUITE) --parts protocol,query --query-path /sparql \
	  --update-path /update -q --start-cmd \
	  'exec $(CURDIR)/$(KG) serve --data {data} --allow-update --host {host} --port {port} --workers 1'

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(BENCH_STAMP) ## benchmarks, 100 and 1,000 profiles: build, export, endpoint vs oxigraph (~15 min; benchmarks/README.md)
	$(PY) benchmarks/run.py

bench-full: $(BENCH_STAMP) ## the benchmarks with 10,000 profiles too, and the figures beside the goals (161 min measured without its ~15-minute rdflib-endpoint part)
	BENCH_FULL=1 $(PY) benchmarks/run.py
