# FitCoach — `make run` starts the whole system locally, `make test` runs every test. `make help` lists all.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# The web app's build (web/dist) is remade when its sources, config or pinned packages change.
WEB_DIST := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
	web/tsconfig.json web/package.json package-lock.json

$(STAMP): requirements-dev.txt constraints.txt $(wildcard */*/pyproject.toml) web/server/pyproject.toml \
		package.json web/package.json package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.txt
	npm ci --no-audit --no-fund --silent
	touch $@

venv: $(STAMP) ## create or update .venv (Python packages, fitctl) and node_modules (buf, the web app's packages)

$(WEB_DIST): $(STAMP) $(WEB_SOURCES)
	npm run --silent --workspace web build

web: $(WEB_DIST) ## build the web app into web/dist (served by `make run` through the gateway)

run: venv web ## run the whole system locally on free ports, web app included (Ctrl-C stops it)
	$(VENV)/bin/fitcoach-stack run

run-cluster: venv web ## the same, shaped as past one machine: 3 NATS nodes, 2 upload + 2 analyzer replicas
	$(VENV)/bin/fitcoach-stack run --cluster

test: venv web ## run every test (starts the real servers it needs on free ports; browser tests need chromium)
	$(PY) -m pytest

fuzz: venv ## a long request-fuzzing run through the gateway (5,000 random examples per RPC; `make test` runs 200)
	FITCOACH_TEST_FUZZ_EXAMPLES=5000 FITCOACH_TEST_FUZZ_RANDOM=1 $(PY) -m pytest tests/hostile/test_fuzz.py -q

screenshots: venv web ## rewrite the README's screenshots (docs/screenshots) from the browser tests
	FITCOACH_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest tests/browser -q

proto: venv ## regenerate the Python stubs and the web app's TypeScript (web/src/gen) from protos/
	$(PY) scripts/gen_proto.py
	$(PY) scripts/gen_proto.py --typescript

proto-check: venv ## fail when the committed stubs are stale
	$(PY) scripts/gen_proto.py --check
	$(PY) scripts/gen_proto.py --check-typescript

lint: venv ## ruff + mypy (strict, settings in pyproject.toml) + buf lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd protos && ../node_modules/.bin/buf lint
	npm run --silent --workspace web typecheck

bench: venv web ## run the benchmarks (decode speed, analysis, pipeline latency, web app size and speed)
	$(PY) bench/run.py

advice-examples: venv ## rewrite docs/advice-examples.md from the scenario athletes
	$(PY) scripts/advice_examples.py

clean: ## remove the venv and everything `make run` created
	rm -rf $(VENV) node_modules .fitcoach web/dist

.PHONY: help venv web run run-cluster test fuzz screenshots proto proto-check lint bench advice-examples clean
