# Suara Warga: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PUBLIC_BASE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
FLASK := $(BIN)/flask --app wsgi
CATALOGS := $(patsubst %.po,%.mo,$(wildcard feedback_app/translations/*/LC_MESSAGES/messages.po))

export PUBLIC_BASE_URL

.PHONY: run test test-fast lint install install-dev system-deps translations extract-messages bench db clean

run: install translations instance/config.py
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	$(FLASK) welcome
	@# One process with threads: the default in-memory rate limits are then shared by every request. No access
	@# log: it would keep citizens' IP addresses and the ticket-survey links.
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 1 --threads 8 "wsgi:app"

# Everything (CI runs this), with the 15 slowest tests printed at the end.
test: install-dev translations system-deps
	$(BIN)/python -m pytest --durations=15

# The inner loop: SQLite only, no browser, benchmark or PostgreSQL-only tests, on $(TEST_WORKERS) processes.
TEST_WORKERS ?= 2
test-fast: install-dev translations
	env -u TEST_DATABASE_URL -u CI $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not browser and not bench and not postgresql_only"

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install-dev translations
	$(BIN)/python -m bench.survey_load

db: install instance/config.py
	$(FLASK) db upgrade

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(CATALOGS)

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o feedback_app/translations/messages.pot .
	$(BIN)/pybabel update -i feedback_app/translations/messages.pot -d feedback_app/translations --no-fuzzy-matching

# Local secrets for `make run`, written once and kept (git-ignored) so printed QR posters stay valid.
instance/config.py:
	@mkdir -p instance
	@$(PYTHON) -c "import secrets; print(f'SECRET_KEY = {secrets.token_urlsafe(32)!r}\nQR_SIGNING_KEY = {secrets.token_urlsafe(32)!r}')" > $@
	@echo "Wrote $@ with fresh random keys."

# Headless Chromium (browser tests) and zbar (QR decoding tests) come from Debian; installed when missing.
# axe-core (accessibility checks in the browser tests) comes from the npm registry, pinned, into tests/.node.
AXE_CORE_VERSION := 4.14.1
system-deps:
	@if command -v chromium >/dev/null && command -v zbarimg >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium zbar-tools >/dev/null; \
	else echo "Install chromium and zbar-tools (Debian: apt-get install chromium zbar-tools) for the browser and QR tests."; fi
	@if [ ! -f tests/.node/node_modules/axe-core/axe.min.js ] || \
		! grep -q '"version": "$(AXE_CORE_VERSION)"' tests/.node/node_modules/axe-core/package.json; then \
		if command -v npm >/dev/null; then \
			npm install --silent --no-save --no-audit --no-fund --prefix tests/.node axe-core@$(AXE_CORE_VERSION) >/dev/null; \
		else echo "Install npm (Node.js) for the accessibility checks of the browser tests."; fi; fi

clean:
	rm -rf $(VENV) .pytest_cache
