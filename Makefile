# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYNAPSE_VENV := .venv-synapse
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed

.PHONY: run test lint typecheck pytest bench clean synapse

# pip's output goes to a log: shown only when something fails.
$(STAMP): pyproject.toml
	@echo "installing into $(VENV) (log: $(VENV)/install.log) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 \
		&& $(BIN)/pip install -e '.[test]' >> $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

# Synapse lives in its own virtualenv: its pinned dependencies must not mix with the bot's.
$(SYNAPSE_STAMP):
	@echo "installing Synapse for the Matrix tests into $(SYNAPSE_VENV) ..."
	@$(PYTHON) -m venv $(SYNAPSE_VENV)
	@$(SYNAPSE_VENV)/bin/pip install --quiet --upgrade pip > $(SYNAPSE_VENV)/install.log 2>&1 \
		&& $(SYNAPSE_VENV)/bin/pip install 'matrix-synapse>=1.100' >> $(SYNAPSE_VENV)/install.log 2>&1 \
		|| { cat $(SYNAPSE_VENV)/install.log; exit 1; }
	@touch $(SYNAPSE_STAMP)

synapse: $(SYNAPSE_STAMP)

run: $(STAMP)
	$(BIN)/aidbridge migrate
	$(BIN)/aidbridge run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy bot handlers storage tests bench

pytest: $(STAMP) $(SYNAPSE_STAMP)
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
