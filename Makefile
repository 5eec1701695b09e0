# Roundtable: `make run` sets up and serves the app; `make test` sets up and runs every test.
# Every target does its own set-up, so both work on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PORT ?= 5000
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
export FLASK_APP := wsgi.py

.PHONY: run serve test lint test-faults bench-live bench-cases test-sqlite test-postgres setup setup-test system-deps assets translations messages db clean

run: setup db
	@$(FLASK) seed-demo --if-empty
	@$(FLASK) demo-logins
	@$(PY) serve.py --embedded --port $(PORT)

test: setup-test lint
	$(PY) -m pytest -q --ignore=tests/faults
	$(PY) -m pytest -q -m "not browser" --ignore=tests/faults --db postgresql --pg-url "$(PG_TEST_URL)"

# Production on this machine (README "Production"): SERVE_PROCESSES gevent servers from
# SERVE_PORT up, the job worker and the outbox sender, sharing Redis and DATABASE_URL.
serve: setup db
	@scripts/serve.sh

# Linters first: ruff (rules in ruff.toml) and mypy (mypy.ini); any finding fails the build.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Real servers killed and services restarted mid-meeting (each test < 2 min, loopback only).
test-faults: setup-test
	$(PY) -m pytest -q tests/faults --db postgresql --pg-url "$(PG_TEST_URL)"

bench-live: setup
	$(PY) bench/live_vote.py --suite

bench-cases: setup
	$(PY) bench/cases.py

setup: $(VENV)/.installed assets translations system-deps

setup-test: setup $(VENV)/.installed-test
	@scripts/ensure_system_packages.sh --browser

system-deps:
	@scripts/ensure_system_packages.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-test.txt
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json
	@scripts/build_assets.sh

translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile --statistics -d translations -f 2>&1 | grep -v "^compiling" || true

# Re-extract the Chinese interface text and merge it into the English catalog; new
# strings come in untranslated (no fuzzy guesses from similar strings).
messages: $(VENV)/.installed
	PYTHONPATH=. $(VENV)/bin/pybabel extract -F babel.cfg --sort-by-file --no-wrap \
		-o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations -l en \
		--no-fuzzy-matching --no-wrap --ignore-obsolete

db: setup
	@$(FLASK) db upgrade

clean:
	rm -rf $(VENV) node_modules static/vendor
