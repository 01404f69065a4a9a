# Two entry points: `make demo` and `make test`. Both create .venv and install
# the project into it first, so a fresh machine needs only Python 3.11+.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///tracker.db

.PHONY: demo test install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The main job on the embedded SQLite default: create the database, record the
# seed article and the (offline) sample feeds, check the chain, then show what
# is claimed now and how the total death toll changed. Running it again is
# harmless: nothing new is stored.
demo: $(STAMP)
	$(BIN)/tracker --db $(DEMO_DB) init
	$(BIN)/tracker --db $(DEMO_DB) seed --format table
	$(BIN)/tracker --db $(DEMO_DB) ingest --format table
	$(BIN)/tracker --db $(DEMO_DB) audit verify
	$(BIN)/tracker --db $(DEMO_DB) claims --format table
	$(BIN)/tracker --db $(DEMO_DB) history casualties/killed/total --format table

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) tracker.db tracker.db-wal tracker.db-shm .pytest_cache
