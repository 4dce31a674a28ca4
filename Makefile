# Two commands do all the set-up: `make demo` and `make test`.
# The venv is installed from requirements/dev.txt, a hash-checked lock of the `dev` extra and
# the build tools, so every machine gets the same versions; `make lock` refreshes it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/dev.txt

.PHONY: demo test lint types contracts pytest lock clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
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

# Resolve the newest versions pyproject.toml and requirements/tools.in allow, for every
# platform and Python >= 3.11, with the hash of every file; then reinstall from the new lock.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml requirements/tools.in --extra dev --universal \
		--python-version 3.11 --generate-hashes --upgrade --quiet \
		--custom-compile-command "make lock" -o $(LOCK)
	$(MAKE) $(STAMP)

clean:
	rm -rf $(VENV) build dist demo-report.*
