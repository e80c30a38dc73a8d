# scholarkg — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KG := $(VENV)/bin/kg
STAMP := $(VENV)/.installed
STORE ?= data/store
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup build serve test lint clean conformance

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv and install the package with its pinned dependencies (idempotent)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

build: setup ## build the graph from seeds/ into $(STORE)
	$(KG) build seeds/ --store $(STORE)

serve: build ## build, then serve the graph on http://$(HOST):$(PORT)/
	$(KG) serve --store $(STORE) --host $(HOST) --port $(PORT)

lint: setup ## ruff
	$(VENV)/bin/ruff check .

test: setup lint ## the whole test suite (ruff, then pytest)
	$(PY) -m pytest

clean: ## remove the built store and caches (keeps .venv)
	rm -rf data .pytest_cache .ruff_cache

CONFORMANCE := ../shared/tools/conformance/run.py
SUITE := ../shared/w3c-rdf-tests

conformance: setup ## run the W3C SPARQL 1.1 harness (protocol + query) on kg serve; prints the summary
	$(PY) $(CONFORMANCE) --suite $(SUITE) --parts protocol,query --query-path /sparql \
	  --update-path /update -q --start-cmd \
	  'exec $(CURDIR)/$(KG) serve --data {data} --allow-update --host {host} --port {port} --workers 1'
