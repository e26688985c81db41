# Ideenwerkstatt: `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# gettext names used in the code beyond babel's defaults (_, gettext, ngettext, pgettext).
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2

.PHONY: install run test test-postgres lint format chromium translations bench bench-live bench-trending clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Migrate the SQLite database in instance/, seed demo data (idempotent), serve on HOST:PORT
## (127.0.0.1:5000) the way production does (`ideenwerkstatt serve`: gunicorn gthread workers that
## hold live streams), with the mail worker beside it; links in mails use that port. Ctrl-C ends both.
run: install
	$(BIN)/ideenwerkstatt db upgrade
	$(BIN)/ideenwerkstatt demo-data
	$(BIN)/ideenwerkstatt serve --host $(HOST) --port $(PORT) --worker

## The whole suite: unit, view, CLI, migration and browser tests (Chromium + axe-core).
test: install chromium
	$(BIN)/pytest $(PYTEST_ARGS)

## The suite against a throwaway PostgreSQL database (as CI does).
test-postgres: install chromium
	bash .ci/postgres-suite

chromium:
	@command -v zbarimg >/dev/null 2>&1 || { \
	  echo "Installing zbar-tools (zbarimg decodes QR codes in the live-session tests)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq zbar-tools >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's Chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Extract German source strings and update/compile the English catalogue.
translations: install
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) -o /tmp/ideenwerkstatt.pot --no-location --sort-output --project Ideenwerkstatt .
	@if [ -f ideenwerkstatt/translations/en/LC_MESSAGES/messages.po ]; then \
	  $(BIN)/pybabel update -i /tmp/ideenwerkstatt.pot -d ideenwerkstatt/translations -l en --no-fuzzy-matching --ignore-obsolete; \
	else \
	  $(BIN)/pybabel init -i /tmp/ideenwerkstatt.pot -d ideenwerkstatt/translations -l en; \
	fi
	$(BIN)/pybabel compile -d ideenwerkstatt/translations --statistics
	@echo "Now translate the entries with an empty msgstr in ideenwerkstatt/translations/en/LC_MESSAGES/messages.po and run make translations again."

# Pages under load, then the live evening: LIVE_PHONES phones on SQLite and PostgreSQL (about
# 2 x 1.5 minutes at 300). N = 1,000: `make bench-live LIVE_PHONES=1000` (the script raises
# its open-files limit; see benchmarks/RESULTS.md).
LIVE_PHONES ?= 300

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/live_load.py --phones $(LIVE_PHONES) --backend sqlite,postgresql --write

bench-live: install
	$(BIN)/python benchmarks/live_load.py --phones $(LIVE_PHONES) --backend sqlite,postgresql --write

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .coverage htmlcov

# The trending sort against the votes sort at 30,000 ideas, and a merge of an idea with 10,000
# supporters, on SQLite and PostgreSQL (about 10 minutes; writes its section of RESULTS.md).
bench-trending: install
	$(BIN)/python benchmarks/trending_merge.py
