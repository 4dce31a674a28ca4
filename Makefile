# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types contracts pytest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	for example in examples/hospital examples/ministry examples/bank examples/startup-saas; do $(BIN)/auditor validate $$example || exit 1; done
	$(BIN)/auditor audit examples/hospital --fail-on never \
		--html demo-report.html --pdf demo-report.pdf --json demo-report.json
	@echo "reports: $(CURDIR)/demo-report.html, $(CURDIR)/demo-report.pdf, $(CURDIR)/demo-report.json"

test: $(STAMP) lint types contracts pytest

lint: $(STAMP)
	$(BIN)/ruff check auditor tests benchmarks
	$(BIN)/ruff format --check auditor tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# pytest exits 5 when it collects no test: that must fail CI, and it does (non-zero).
pytest: $(STAMP)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) build dist demo-report.*
