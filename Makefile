# Two commands for a newcomer: `make run` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := marketplace
PG_TEST_URL ?= postgresql+psycopg://127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgresql deploy-check lint translations extract-messages install install-dev migrate demo vendor pdf-font

# Python 3.12 or newer (scripts/find-python says why; `make run PYTHON=/path/to/python3.12` picks one).
# A .venv made by an older Python is rebuilt.
ifneq ($(wildcard $(BIN)/python),)
  ifneq ($(shell $(BIN)/python -c 'import sys; print(sys.version_info >= (3, 12))' 2>/dev/null),True)
    $(info Rebuilding $(VENV): it was made with a Python older than 3.12)
    $(shell rm -rf $(VENV))
  endif
endif

$(BIN)/python:
	py=$$(PYTHON="$(PYTHON)" scripts/find-python) && echo "Creating $(VENV) with $$($$py -V)" && $$py -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations vendor
install-dev: $(VENV)/.installed-dev translations vendor

# Browser libraries come from npm (package.json + package-lock.json) and are copied next to our own
# static files; neither node_modules nor the copies are committed.
VENDOR_DIR := marketplace/static/vendor
VENDOR_FILES := $(VENDOR_DIR)/socket.io.min.js $(VENDOR_DIR)/chart.umd.min.js $(VENDOR_DIR)/hls.light.min.js
vendor: $(VENDOR_FILES)
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@
$(VENDOR_DIR)/socket.io.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR_DIR)
	cp node_modules/socket.io-client/dist/socket.io.min.js $@
$(VENDOR_DIR)/chart.umd.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR_DIR)
	cp node_modules/chart.js/dist/chart.umd.min.js $@
$(VENDOR_DIR)/hls.light.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR_DIR)
	cp node_modules/hls.js/dist/hls.light.min.js $@

# Compiled catalogues are build output (not committed): compile whenever a .po is newer.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard marketplace/translations/*/LC_MESSAGES/messages.po))
translations: $(MO_FILES)
%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@ --statistics

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _lp:1c,2 -k lazy_pgettext:1c,2 --no-location --sort-output --omit-header -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations --ignore-obsolete --no-fuzzy-matching

migrate: install
	$(BIN)/flask db upgrade

# The Chinese TrueType font every PDF embeds (marketplace/pdf.py); the demo's certificates need it.
PDF_FONT_FILE ?= /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
pdf-font:
	@test -f "$(PDF_FONT_FILE)" || { echo "PDFs embed a Chinese TrueType font, $(PDF_FONT_FILE), which is missing:" \
	  "install it (Debian/Ubuntu: sudo apt-get install fonts-wqy-zenhei) or set PDF_FONT_FILE." >&2; exit 1; }

demo: migrate pdf-font
	$(BIN)/flask demo load --if-empty

run: demo
	$(BIN)/python wsgi.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# The two lanes run side by side (each in one process, output kept per lane) to stay well under
# 15 minutes on two cores; `make test-sqlite` or `make test-postgresql` runs one lane.
test: install-dev lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql

test-sqlite: install-dev
	@echo "== test suite on SQLite =="
	$(BIN)/python -m pytest

test-postgresql: install-dev
	@echo "== test suite on PostgreSQL =="
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

# Production's set-up on loopback, used through nginx (deploy/check.py, tests/test_deploy_check.py):
# nginx, two live and two pages gunicorn processes, an RQ worker, a fresh PostgreSQL database,
# Redis and an SMTP server. `make test` runs it in its PostgreSQL lane (about a minute).
deploy-check: install-dev
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -p no:randomly tests/test_deploy_check.py
