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

$(STAMP): requirements-dev.txt constraints.txt $(wildcard */*/pyproject.toml) package.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.txt
	npm install --no-audit --no-fund --silent
	touch $@

venv: $(STAMP) ## create or update .venv (Python packages, fitctl) and node_modules (buf)

run: venv ## run the whole system locally on free ports (Ctrl-C stops it)
	$(VENV)/bin/fitcoach-stack run

test: venv ## run every test (starts the real servers it needs on free ports)
	$(PY) -m pytest

proto: venv ## regenerate the Python stubs from protos/
	$(PY) scripts/gen_proto.py

proto-check: venv ## fail when the committed stubs are stale
	$(PY) scripts/gen_proto.py --check

lint: venv ## ruff + mypy (strict, settings in pyproject.toml) + buf lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd protos && ../node_modules/.bin/buf lint

bench: venv ## run the benchmarks (decode speed, analysis, pipeline latency)
	$(PY) bench/run.py

advice-examples: venv ## rewrite docs/advice-examples.md from the scenario athletes
	$(PY) scripts/advice_examples.py

clean: ## remove the venv and everything `make run` created
	rm -rf $(VENV) node_modules .fitcoach

.PHONY: help venv run test proto proto-check lint bench advice-examples clean
