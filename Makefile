# aimlapi-video: every target bootstraps its own virtual environment from pyproject.toml.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINT_PATHS := $(wildcard facade scripts tests bench)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help generate check-generated test unit lint demo bench update-spec clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# Re-created when missing or older than pyproject.toml.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade 'pip>=24'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,testing,cli]'
	@touch $@

generate: $(STAMP)  ## Build openapi/aimlapi-video.json from openapi/upstream/ and regenerate generated/
	$(BIN)/python scripts/build_spec.py
	$(BIN)/python scripts/generate_client.py

check-generated: $(STAMP)  ## Fail with a diff if the spec or generated/ differ from a fresh build
	$(BIN)/python scripts/check_generated.py

lint: $(STAMP)  ## ruff and mypy --strict on facade/ scripts/ tests/ bench/
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy facade/aimlapi_video scripts tests bench

unit: $(STAMP)  ## Run the test suite only
	$(BIN)/python -m pytest -q

test: check-generated lint unit  ## Everything CI checks: drift, lint, types, tests

demo: $(STAMP)  ## Generate a video from examples/sunrise.png against the local emulator (offline)
	$(BIN)/python scripts/demo.py

bench: $(STAMP)  ## Run the benchmarks and rewrite BENCHMARKS.md (minutes; not part of make test)
	$(BIN)/python bench/run.py

update-spec: $(STAMP)  ## Fetch upstream's spec files (or SOURCE_DIR=dir), report the change, regenerate
	$(BIN)/python scripts/update_spec.py $(if $(SOURCE_DIR),--source-dir $(SOURCE_DIR))

clean:  ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
