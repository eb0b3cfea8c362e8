# The README's two promises: `make run` serves a populated dashboard, `make test` runs everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv pip install --python $(BIN)/python --quiet
# Keep bytecode caches even where the environment turns them off: every server, CLI and
# browser-test subprocess would otherwise recompile all it imports (seconds each time).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test bench install install-dev lint sample-data clean

# uv does every install, so the venv's own pip is not upgraded first (saves a pip download
# and reinstall on a fresh clone: 3.9 -> 2.7 s of CPU, 63 -> 26 s on a loaded 2-core machine).
$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: $(BIN)/uv pyproject.toml
	$(UV) -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/uv pyproject.toml
	$(UV) -e '.[dev,mlflow,spark]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev
	scripts/install-test-deps.sh

run: install
	$(BIN)/tandem serve

# The architecture (import-linter contracts in pyproject.toml) and the types are
# checked on every run, before the tests. The tests run on TEST_WORKERS pytest-xdist
# workers (tests/support/workers.py says which tests share one). Two, not `-n auto`:
# each worker starts its own PostgreSQL, Streamlit servers and Chromium, and the
# concurrency tests start several processes each; more workers only pay on more cores.
# The slowest tests are listed at the end, so a slow run says where its time went.
TEST_WORKERS ?= 2
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=25

# Performance lives here, never in timed tests; figures go to benchmarks/RESULTS.md.
bench: install-dev
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports && $(BIN)/mypy

sample-data: install
	$(BIN)/python -m app.sample_data --out sample_data

clean:
	rm -rf $(VENV) .tandem .pytest_cache .ruff_cache .mypy_cache .import_linter_cache .grimp_cache
