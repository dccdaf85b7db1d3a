# blogapp: `make run` serves the blog, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
INSTANCE := instance
STAMP := $(VENV)/.installed
# Test processes (pytest-xdist); each gets its own PostgreSQL and Redis database.
TEST_WORKERS ?= 2

# axe-core (npm, test-only): the accessibility checks tests/browser/ inject into pages.
AXE := node_modules/axe-core/axe.min.js

.PHONY: run test install lint bench clean secret-key screenshots

install: $(STAMP) $(AXE)

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A key is (re)written when the file is missing, empty or shorter than the 32 bytes the app
# asks for: to a temporary file first, then renamed over, so a failure (disk full, an
# interrupted run) never leaves an empty key behind.
secret-key: $(STAMP)
	@mkdir -p $(INSTANCE)
	@if [ "$$($(BIN)/python -c 'import sys; print(len(open(sys.argv[1], "rb").read().strip()))' \
	        $(INSTANCE)/secret_key 2>/dev/null || echo 0)" -lt 32 ]; then \
	    umask 077 && \
	    $(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $(INSTANCE)/secret_key.tmp && \
	    mv -f $(INSTANCE)/secret_key.tmp $(INSTANCE)/secret_key && \
	    echo "Wrote a new secret key to $(INSTANCE)/secret_key"; \
	fi

# Development: SITE_URL (where feeds, mail and stored pages link) is this address.
DEV_ENV := BLOGAPP_ENV=development SITE_URL=http://127.0.0.1:5000

run: $(STAMP) secret-key
	$(DEV_ENV) $(FLASK) db upgrade
	$(DEV_ENV) $(FLASK) demo
	@echo "Serving http://127.0.0.1:5000  (log in at http://127.0.0.1:5000/login)"
	$(DEV_ENV) $(FLASK) run --host 127.0.0.1 --port 5000

test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not serial" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m serial $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check blogapp tests bench examples wsgi.py

bench: $(STAMP)
	$(BIN)/python -m bench.run

# docs/screenshots/: the theme and the admin in Chromium, desktop and phone, light and dark.
screenshots: $(STAMP)
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info node_modules
