# Namesmith: `make run` starts the whole emulator, `make test` runs the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench-orders clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Namesmith needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.run-deps

# Install, migrate, load the demo data, then start every process in the Procfile.
# Ctrl-C stops them all.
run: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo
	$(BIN)/python manage.py endpoints
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/python -m config.procfile --procfile Procfile start

# The whole suite on whatever DATABASE_URL / REDIS_URL say (SQLite and the embedded broker
# when unset); when they are set, the worker tests run a second time on the embedded default.
test: lint
	$(BIN)/python -m pytest
	@if [ -n "$$DATABASE_URL$$REDIS_URL" ]; then \
		echo "== worker tests again on the embedded default (SQLite, filesystem broker) =="; \
		env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -m pipeline; \
	fi

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench-orders: $(VENV)/.run-deps
	$(BIN)/python bench/orders.py

clean:
	rm -rf $(VENV) var
