# Developer and CI entry points. Every target creates the virtualenv when it is missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8000
# pytest-xdist workers for make test: two per core, since most tests wait on browsers, servers
# and timers rather than compute (docs/development.md); JOBS=0 runs the tests in one process
JOBS   ?= $(shell $(PYTHON) -c 'import os; print(2 * len(os.sched_getaffinity(0)))')

.PHONY: venv demo serve test test-all lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## Run the demo event with a simulated crowd on http://127.0.0.1:$(PORT)
demo: $(STAMP)
	$(BIN)/wallserver demo --port $(PORT)

serve: $(STAMP)
	$(BIN)/wallserver serve --port $(PORT)

## The test suite. PostgreSQL, Redis and browser tests skip with a reason unless configured.
test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist worksteal

## Everything, against the local PostgreSQL and Redis, no skips allowed (what CI runs).
test-all: $(STAMP)
	WALL_TEST_POSTGRES_URL=$${WALL_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	WALL_TEST_REDIS_URL=$${WALL_TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	WALL_REQUIRE_ALL=1 $(BIN)/python -m pytest -n $(JOBS) --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy moderation wallserver

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench all

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis test-artifacts
