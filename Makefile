# The two quick-start commands (`make demo`, `make test`) and the chores behind them.
# The first run creates .venv from requirements.lock (the locked dependency set).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint docs r-fixtures bench lock

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

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy src bench

docs: $(VENV)/.installed  ## regenerate the generated docs
	$(BIN)/follicle dictionary --markdown > docs/workbook.md

r-fixtures: $(VENV)/.installed  ## regenerate the R reference values (needs R with survival, cmprsk)
	$(BIN)/python tests/analysis/r/make_inputs.py
	Rscript tests/analysis/r/make_fixtures.R
	for topic in proportions safety survival regression audit adjudication; do \
		$(BIN)/python tests/analysis/r/$$topic/make_inputs.py && \
		Rscript tests/analysis/r/$$topic/fixtures.R || exit 1; \
	done

bench: $(VENV)/.installed  ## the scale suite: 1,000 to 1,000,000 women (docs/performance.md)
	$(BIN)/python bench/run.py

lock:  ## re-resolve requirements.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
