# The two quick-start commands (`make demo`, `make test`) and the chores behind them.
# The first run creates .venv from requirements.lock (the locked dependency set).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-latest test-lowest lint docs r-fixtures bench lock

# `pip install .` resolves pyproject.toml's ranges, not the lock: these tests run again in
# two environments made that way (test-latest, test-lowest); .ci/run runs both.
UNLOCKED_TESTS := tests/analysis tests/report tests/workbook
UV_VERSION := 0.13.9

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

demo: $(VENV)/.installed  ## import the bundled cohort into a demo registry and write its report
	$(BIN)/follicle demo

test: $(VENV)/.installed  ## the whole test suite (PostgreSQL and browser tests skip unless available)
	$(BIN)/pytest -n auto

# test-latest resolves afresh on every run, as a new user's `pip install .` would, then
# installs the current sources (a plain install, not editable: the package data must be in
# the wheel). test-lowest pins every direct dependency to its declared lower bound.
test-latest:  ## the analysis, report and workbook tests at the newest versions pyproject.toml allows
	test -x .venv-latest/bin/python || $(PYTHON) -m venv .venv-latest
	.venv-latest/bin/pip install --quiet --upgrade pip
	.venv-latest/bin/pip install --quiet --upgrade --upgrade-strategy eager ".[dev]"
	.venv-latest/bin/pip install --quiet --no-deps --force-reinstall .
	.venv-latest/bin/pip freeze --exclude-editable | grep -iE '^(pandas|numpy|scipy|statsmodels|lifelines|matplotlib|pyarrow)=='
	.venv-latest/bin/python -m pytest -n auto -p no:cacheprovider $(UNLOCKED_TESTS)

test-lowest: $(VENV)/.installed  ## the same tests at the lowest versions pyproject.toml declares
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	rm -rf .venv-lowest
	$(BIN)/uv venv --quiet --python $(PYTHON) .venv-lowest
	$(BIN)/uv pip install --quiet --python .venv-lowest/bin/python --resolution lowest-direct ".[dev]"
	$(BIN)/uv pip freeze --python .venv-lowest/bin/python | grep -iE '^(pandas|numpy|scipy|statsmodels|lifelines|matplotlib|pyarrow)=='
	.venv-lowest/bin/python -m pytest -n auto -p no:cacheprovider $(UNLOCKED_TESTS)

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy src bench

docs: $(VENV)/.installed  ## regenerate the generated docs
	$(BIN)/follicle dictionary --markdown > docs/workbook.md

r-fixtures: $(VENV)/.installed  ## regenerate the R reference values (needs R with survival, cmprsk)
	$(BIN)/python tests/analysis/r/make_inputs.py
	Rscript tests/analysis/r/make_fixtures.R
	for topic in proportions safety survival regression audit table1 arms arms_zero_events adjudication edge_cases; do \
		$(BIN)/python tests/analysis/r/$$topic/make_inputs.py && \
		Rscript tests/analysis/r/$$topic/fixtures.R || exit 1; \
	done
	Rscript tests/analysis/r/fisher/fixtures.R

bench: $(VENV)/.installed  ## the scale suite: 1,000 to 1,000,000 women (docs/performance.md)
	$(BIN)/python bench/run.py

lock:  ## re-resolve requirements.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
