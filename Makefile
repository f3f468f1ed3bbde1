# Betacowork — the two commands are `make run` and `make test`.
# Nothing but Python >= 3.11 is needed: `make run` creates .venv, installs the pinned
# runtime requirements, migrates, seeds the demo world once and starts the site with a real
# Celery worker and beat on the embedded (filesystem) broker. `make test` adds the test tools.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Installs go through uv (pinned, from PyPI, into the venv): several times faster than pip on
# a first install. pip takes over if uv cannot be had or fails; INSTALLER=pip forces pip.
INSTALLER  ?= uv
UV_VERSION := 0.13.8
RUN_STAMP  := $(VENV)/.run-stamp
DEV_STAMP  := $(VENV)/.dev-stamp
# `make test` runs the suite on this many pytest-xdist workers (auto: one per core; 0: serial).
TEST_WORKERS ?= auto
# The demo world is seeded once per database (the stamp is keyed on DATABASE_URL).
SEED_STAMP := var/.demo-seeded-$(shell printf '%s' "$$DATABASE_URL" | cksum | cut -d' ' -f1)

.PHONY: run test install install-run migrate seed seed-again worker beat lint format messages clean help

help:
	@echo "make run     the site at http://$(HOST):$(PORT) with a Celery worker and beat"
	@echo "make test    the whole test suite (SQLite unless DATABASE_URL/CELERY_BROKER_URL say otherwise)"
	@echo "make lint | format | messages | seed-again | clean"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Betacowork needs Python >= 3.11 (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# $(call pip_install,<requirements file>): uv when it can, else pip.
define pip_install
	@if [ "$(INSTALLER)" = uv ] && { test -x $(BIN)/uv || $(BIN)/python -m pip install \
	    --quiet --disable-pip-version-check uv==$(UV_VERSION); }; then \
	  echo "uv pip install -r $(1)"; \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python -r $(1) \
	  || { echo "uv failed: installing with pip"; $(BIN)/python -m pip install --quiet -r $(1); }; \
	else \
	  echo "pip install -r $(1)"; $(BIN)/python -m pip install --quiet -r $(1); \
	fi
endef

$(RUN_STAMP): requirements.txt | $(BIN)/python
	$(call pip_install,requirements.txt)
	@touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt | $(BIN)/python
	$(call pip_install,requirements-dev.txt)
	@touch $@ $(RUN_STAMP)

## install-run: what `make run` needs; install: that plus the test and lint tools.
install-run: $(RUN_STAMP)

install: $(DEV_STAMP)

migrate: install-run
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	@if [ -f $(SEED_STAMP) ]; then \
	  echo "Demo world already seeded (make seed-again reloads it)."; \
	else \
	  $(BIN)/python manage.py seed_demo && mkdir -p var && touch $(SEED_STAMP); \
	fi

seed-again: migrate
	$(BIN)/python manage.py seed_demo
	@mkdir -p var && touch $(SEED_STAMP)

## run: web + Celery worker + Celery beat under one supervisor (scripts/run_embedded.py):
## Ctrl-C, SIGTERM or closing the terminal stops all three within a few seconds.
run: seed
	@exec $(BIN)/python scripts/run_embedded.py --host $(HOST) --port $(PORT)

## test: the whole suite on TEST_WORKERS pytest-xdist workers (tests that share a port or a
## server run one after another on one worker: tests/conftest.py); skips, with a reason, only
## what needs Postgres/Redis/Chromium.
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

worker: install-run
	$(BIN)/celery -A betacowork worker -Q default,mail --prefetch-multiplier 1 --loglevel INFO

beat: install-run
	$(BIN)/celery -A betacowork beat --loglevel INFO

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## messages: refresh the fr/nl catalogues from the code, then compile them (needs gettext)
messages: install
	$(BIN)/python manage.py makemessages -l fr -l nl --no-obsolete --ignore=.venv --ignore=bench --ignore=tests
	$(BIN)/python manage.py makemessages -d djangojs -l fr -l nl --no-obsolete --ignore=.venv --ignore=staticfiles
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var db.sqlite3* staticfiles
