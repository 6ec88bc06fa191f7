# Namesmith: `make run` starts the whole emulator, `make test` runs the test suite.
PYTHON ?= python3
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast test-tools lint bench-orders bench-dns bench-resolver bench-zones bench-epp bench-route53 bench-route53domains clean

$(BIN)/python:
	@echo "== creating the virtual environment $(VENV) (Python packages go there, not into the system)"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Namesmith needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	@echo "== installing the emulator's Python packages into $(VENV) (a minute or two the first time)"
	set -o pipefail; $(BIN)/python -m pip install --progress-bar off --no-color -r requirements.txt | { grep -E '^(Collecting|Successfully|ERROR)' || true; }
	@touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	@echo "== installing the emulator's and the tests' Python packages into $(VENV) (a few minutes the first time)"
	set -o pipefail; $(BIN)/python -m pip install --progress-bar off --no-color -r requirements-dev.txt | { grep -E '^(Collecting|Successfully|ERROR)' || true; }
	@touch $@ $(VENV)/.run-deps

# Install, migrate, load the demo data, then start every process in the Procfile under
# supervisord (config/supervise.py): a process that exits is restarted alone. Ctrl-C stops
# them all.
run: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo
	$(BIN)/python manage.py endpoints
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/python -m config.supervise --procfile Procfile

# The whole suite on whatever DATABASE_URL / REDIS_URL say (SQLite and the embedded broker
# when unset); when they are set, the worker tests and those of hand-written SQL run a second
# time on the embedded default.
test: lint test-tools
	$(BIN)/python -m pytest
	@if [ -n "$$DATABASE_URL$$REDIS_URL" ]; then \
		echo "== worker and SQL tests again on the embedded default (SQLite, filesystem broker) =="; \
		env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -m "pipeline or sql"; \
	fi

# The real DNS clients and peers the tests and benchmarks use, and the browser the
# browser tests drive, from Debian's packages.
DEBIAN_TOOLS := dig:bind9-dnsutils named-checkzone:bind9-utils named:bind9 knotd:knot unbound:unbound nsd:nsd dnsperf:dnsperf chromium:chromium whois:whois
test-tools:
	@missing=""; for pair in $(DEBIAN_TOOLS); do \
		command -v $${pair%%:*} >/dev/null || [ -x /usr/sbin/$${pair%%:*} ] || missing="$$missing $${pair##*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (Debian packages)"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null || \
		{ $$sudo apt-get update -q >/dev/null && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	fi

# While working: the suite without the tests that start Celery workers or a browser
# (a few minutes instead of most of the run); make test runs everything.
test-fast: $(VENV)/.test-deps
	$(BIN)/python -m pytest -m "not pipeline and not browser"

# Style (ruff), types (mypy; strict on the services and the DNS code) and the boundaries
# between the apps (import-linter; see docs/architecture.md).
STRICT := registry/services registrar/services resolver/rental resolver/dns
lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy --strict --follow-imports=silent $(STRICT)
	$(BIN)/lint-imports

bench-orders: $(VENV)/.run-deps
	$(BIN)/python bench/orders.py

bench-dns: $(VENV)/.run-deps test-tools
	$(BIN)/python bench/dns.py

bench-resolver: $(VENV)/.run-deps test-tools
	$(BIN)/python bench/resolver.py

bench-zones: $(VENV)/.run-deps test-tools
	$(BIN)/python bench/zones.py

bench-epp: $(VENV)/.run-deps
	$(BIN)/python bench/epp.py

bench-route53: $(VENV)/.test-deps
	$(BIN)/python bench/route53.py

bench-route53domains: $(VENV)/.test-deps
	$(BIN)/python bench/route53domains.py

clean:
	rm -rf $(VENV) .venv-moto var
