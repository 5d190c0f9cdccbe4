# Quick start: `make run` (the bot; against the local sandbox when no token is set)
#              `make test` (the whole test suite)
# Each creates .venv on first use from the pinned requirements.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test test-fast lint chat clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

run: $(VENV)/.installed
	$(PY) bot.py

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

# The fast tier and storage tests only (no end-to-end runs marked slow): for the edit-test loop.
test-fast: $(VENV)/.installed
	$(PY) -m pytest -m "not slow"

chat: $(VENV)/.installed
	$(PY) -m sandbox.chat

clean:
	rm -rf $(VENV)
