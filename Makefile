# Betacowork — the two commands are `make run` and `make test`.
# Nothing but Python >= 3.11 is needed: `make run` creates .venv, installs the pinned
# requirements, migrates, seeds the demo world once and starts the site with a real Celery
# worker and beat on the embedded (filesystem) broker.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The demo world is seeded once per database (the stamp is keyed on DATABASE_URL).
SEED_STAMP := var/.demo-seeded-$(shell printf '%s' "$$DATABASE_URL" | cksum | cut -d' ' -f1)

.PHONY: run test install migrate seed seed-again worker beat lint format messages clean help

help:
	@echo "make run     the site at http://$(HOST):$(PORT) with a Celery worker and beat"
	@echo "make test    the whole test suite (SQLite unless DATABASE_URL/CELERY_BROKER_URL say otherwise)"
	@echo "make lint | format | messages | seed-again | clean"

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Betacowork needs Python >= 3.11 (set PYTHON=python3.11)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
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

## run: web + Celery worker + Celery beat; Ctrl-C stops all three.
run: seed
	@echo ""
	@echo "Betacowork: http://$(HOST):$(PORT)"
	@echo "Demo logins, password betacowork-demo: staff@betacowork.test (staff),"
	@echo "katia@betacowork.test (member), norman@betacowork.test (organiser, BetaGroup Charleroi)."
	@echo "Emails appear on this console, printed by the Celery worker. Ctrl-C stops web,"
	@echo "worker and beat."
	@echo ""
	@export SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"; \
	trap 'kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	$(BIN)/celery -A betacowork worker -Q default,mail --prefetch-multiplier 1 --concurrency 2 \
	  --loglevel INFO -n worker-$(PORT)@%h & \
	$(BIN)/celery -A betacowork beat --loglevel INFO & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole suite; skips, with a reason, only what needs Postgres/Redis/Chromium.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A betacowork worker -Q default,mail --prefetch-multiplier 1 --loglevel INFO

beat: install
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
