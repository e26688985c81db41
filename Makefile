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

.PHONY: install run test test-postgres test-cluster lint format chromium nginx wrk translations bench bench-live bench-search bench-trending bench-cluster clean

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

## nginx (Debian's) running deploy/nginx/ideenwerkstatt.conf in front of two app servers on a
## throwaway PostgreSQL database (127.0.0.1:5432) and Redis (CLUSTER_REDIS_URL, database 5 of
## 127.0.0.1:6379, emptied), as a client would see them (tests/cluster; about 2.5 minutes).
test-cluster: install nginx
	$(BIN)/pytest tests/cluster -m cluster $(PYTEST_ARGS)

# On a machine with systemd, Debian starts its default site on port 80 after installing;
# the tests run their own nginx and do not need it (`sudo systemctl disable --now nginx`).
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx for the cluster tests and benchmark"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx >/dev/null; }

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the benchmarks"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }

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
CLUSTER_PHONES ?= 1000

bench: install nginx wrk
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/trending_merge.py
	$(BIN)/python benchmarks/live_load.py --phones $(LIVE_PHONES) --backend sqlite,postgresql --write
	$(BIN)/python benchmarks/cluster.py --phones $(CLUSTER_PHONES) --write
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS iw_bench_catalog" -c "CREATE DATABASE iw_bench_catalog"
	$(BIN)/python benchmarks/catalog.py --postgresql postgresql://postgres@127.0.0.1:5432/iw_bench_catalog --write
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE iw_bench_catalog"

# One app server against two behind nginx (PostgreSQL, Redis): list page, vote POST and the
# evening with CLUSTER_PHONES phones through nginx (about 4 minutes).
bench-cluster: install nginx wrk
	$(BIN)/python benchmarks/cluster.py --phones $(CLUSTER_PHONES) --write

## Search and similar-ideas latency at 30,000 ideas, uncached, SQLite and PostgreSQL (~10 min).
bench-search: install
	$(BIN)/python benchmarks/search.py

bench-live: install
	$(BIN)/python benchmarks/live_load.py --phones $(LIVE_PHONES) --backend sqlite,postgresql --write

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .coverage htmlcov

# The trending sort against the votes sort at 30,000 ideas, and a merge of an idea with 10,000
# supporters, on SQLite and PostgreSQL (about 10 minutes; writes its section of RESULTS.md).
bench-trending: install
	$(BIN)/python benchmarks/trending_merge.py
