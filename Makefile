# Betacowork — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install migrate seed worker beat lint format messages check-messages clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## run: the site at http://$(HOST):$(PORT) with a real Celery worker and beat (no Redis needed)
run: seed
	@echo "Starting web, Celery worker and Celery beat (Ctrl-C stops all three)…"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A betacowork worker -Q default,mail --concurrency 2 --loglevel INFO -n worker@%h & \
	$(BIN)/celery -A betacowork beat --loglevel INFO & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole suite (skips, with a reason, what needs Postgres/Redis/Chromium if absent)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A betacowork worker -Q default,mail --loglevel INFO

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
