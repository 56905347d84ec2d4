# The two commands of the README: `make demo` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Where `make demo` and `make serve` listen: `make demo PORT=8100`. Links follow (OKRS_BASE_URL
# unset: http://HOST:PORT).
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-postgres test-browser lint format bench serve clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/okrs migrate
	$(BIN)/okrs demo
	OKRS_MAIL_CONSOLE=true $(BIN)/okrs serve --host $(HOST) --port $(PORT)

# Tests run in parallel (pytest-xdist), one process per core and at most 4: under test-postgres
# each process takes a Redis database of its own (there are 15), and the tests that serve okrs
# start several processes each, so more workers than cores only queue. `make test TEST_WORKERS=0`
# runs in one process. docs/testing.md says what runs where.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 4 ] && n=4; echo $$n)
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# The embedded stack (SQLite, the embedded queue): the same result whether or not PostgreSQL and
# Redis run on the machine, since the tests that need them are left to test-postgres.
test: $(STAMP)
	$(PYTEST) -m "not browser and not postgres and not redis"

# The suite again on PostgreSQL and Redis, with the tests that need them (CI runs this; the
# services must be running). Each test process has its own test database (test_<name>_gw0, ...)
# and its own Redis database: the one in OKRS_TEST_QUEUE_URL only names the server.
test-postgres: $(STAMP)
	OKRS_DATABASE_URL=$${OKRS_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	OKRS_QUEUE_URL=$${OKRS_TEST_QUEUE_URL:-redis://127.0.0.1:6379/0} \
	$(PYTEST) -m "not browser"

test-browser: $(STAMP)
	$(PYTEST) -m browser

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy okrs tests
	$(BIN)/lint-imports --no-cache
	OKRS_DATA_DIR=$$(mktemp -d) $(BIN)/okrs manage check
	OKRS_DATA_DIR=$$(mktemp -d) $(BIN)/okrs manage makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m okrs.bench
	$(BIN)/python -m okrs.bench.nudges
	$(BIN)/python -m okrs.bench.dora
	$(BIN)/python -m okrs.bench.load

serve: $(STAMP)
	$(BIN)/okrs serve --host $(HOST) --port $(PORT)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .hypothesis
