# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYNAPSE_VENV := .venv-synapse
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed
# Every install takes the versions pinned here, so a new release elsewhere cannot change what
# `make run`, `make test` and the image run overnight; `make lock` refreshes them on purpose.
CONSTRAINTS := constraints.txt
SYNAPSE_CONSTRAINTS := constraints-synapse.txt

.PHONY: run test lint typecheck pytest bench clean synapse lock postgres

# pip's output goes to a log: shown only when something fails.
$(STAMP): pyproject.toml $(CONSTRAINTS)
	@echo "installing into $(VENV) (log: $(VENV)/install.log) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 \
		&& $(BIN)/pip install -c $(CONSTRAINTS) -e '.[test]' >> $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

# Synapse lives in its own virtualenv: its pinned dependencies must not mix with the bot's.
$(SYNAPSE_STAMP): $(SYNAPSE_CONSTRAINTS)
	@echo "installing Synapse for the Matrix tests into $(SYNAPSE_VENV) ..."
	@$(PYTHON) -m venv $(SYNAPSE_VENV)
	@$(SYNAPSE_VENV)/bin/pip install --quiet --upgrade pip > $(SYNAPSE_VENV)/install.log 2>&1 \
		&& $(SYNAPSE_VENV)/bin/pip install -c $(SYNAPSE_CONSTRAINTS) 'matrix-synapse>=1.100' \
			>> $(SYNAPSE_VENV)/install.log 2>&1 \
		|| { cat $(SYNAPSE_VENV)/install.log; exit 1; }
	@touch $(SYNAPSE_STAMP)

synapse: $(SYNAPSE_STAMP)

# The storage contract suite also runs on PostgreSQL: the tests start a throwaway server of
# their own (tests/postgres_server.py) from Debian's packages, installed here when initdb is
# missing. No cluster is created or started by the package: the tests make their own.
postgres:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing PostgreSQL from Debian's packages for the storage tests ..."; \
		if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
		$$SUDO mkdir -p /etc/postgresql-common \
		&& echo 'create_main_cluster = false' | $$SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null \
		&& $$SUDO apt-get update -q >/dev/null \
		&& DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends postgresql >/dev/null; \
	fi

run: $(STAMP)
	$(BIN)/aidbridge migrate
	$(BIN)/aidbridge run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy bot handlers storage tests bench

pytest: $(STAMP) $(SYNAPSE_STAMP) postgres
	AIDBRIDGE_SYNAPSE_PYTHON=$(CURDIR)/$(SYNAPSE_VENV)/bin/python $(BIN)/pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench.telegram_throughput
	$(BIN)/python -m bench.outbox
	$(BIN)/python -m bench.digest
	$(BIN)/python -m bench.critical_alert
	$(BIN)/python -m bench.parse_quality

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) .mypy_cache .ruff_cache .pytest_cache

# Newest releases that the version ranges in pyproject.toml admit, resolved in throwaway
# virtualenvs and written down as the pins every install uses. Run the tests afterwards.
lock:
	rm -rf .venv-lock .venv-lock-synapse
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e '.[test]'
	{ echo "# Pins for the bot and its tests; made by \`make lock\` from pyproject.toml's ranges."; \
		.venv-lock/bin/pip freeze --exclude-editable; } > $(CONSTRAINTS)
	$(PYTHON) -m venv .venv-lock-synapse
	.venv-lock-synapse/bin/pip install --quiet 'matrix-synapse>=1.100'
	{ echo "# Pins for the Synapse the Matrix tests start; made by \`make lock\`."; \
		.venv-lock-synapse/bin/pip freeze; } > $(SYNAPSE_CONSTRAINTS)
	rm -rf .venv-lock .venv-lock-synapse
