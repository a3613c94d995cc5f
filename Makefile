# bioharness: `make run` runs the conformance suite, `make test` the harness's own tests and the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ALLURE := node_modules/.bin/allure
REPORTS := reports
# Extra `bioharness run` arguments, e.g. ARGS="--profile profiles/staging.toml" or
# ARGS="--req 'DEV-*' -- --mms-url https://mms.lab/mms/MSBDeviceRequest/"
ARGS ?=
# Parallel workers for `make run` and `make unit` (a physical device still goes to one worker).
WORKERS ?= 2
# Child processes (every suite run the tests start) import the harness anew: let Python keep its
# bytecode (and pytest its rewritten test modules) in __pycache__ (git-ignored), or each child
# compiles them again.
export PYTHONDONTWRITEBYTECODE =

.PHONY: run test unit fuzz lint format pki perf bench report-tools clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## report-tools: the Allure 3 command line, pinned in package-lock.json, into node_modules/
report-tools: $(ALLURE)
$(ALLURE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## run: the whole conformance suite against the embedded default (or ARGS); a run folder under
## reports/ (reports/latest) with allure-results/, junit.xml, summary.json/.html, allure-report/
run: $(STAMP) $(ALLURE)
	$(VENV)/bin/bioharness run -n $(WORKERS) $(ARGS)

## test: lint, the harness's own tests, then the conformance suite
test: lint unit run

unit: $(STAMP) $(ALLURE)
	$(PY) -m pytest tests -n $(WORKERS) --dist loadfile

## fuzz: the reference servers fuzzed with hypothesis's "fuzz" profile (5000 examples a property,
## a new seed each run); `make unit` runs the same properties with the reproducible "ci" profile
fuzz: $(STAMP)
	BIOHARNESS_FUZZ_PROFILE=fuzz $(PY) -m pytest tests/test_fuzz_servers.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## pki: regenerate the committed fixture PKI (fixtures/pki)
pki: $(STAMP)
	$(VENV)/bin/bioharness pki --regenerate

## perf: JOSE rates and reference-MMS throughput, written to reports/perf.json (`make bench`
## is the same target: "bench" elsewhere means the lab bench)
perf: $(STAMP)
	$(PY) benchmarks/throughput.py
bench: perf

clean:
	rm -rf $(VENV) node_modules $(REPORTS)/*/ $(REPORTS)/latest $(REPORTS)/perf.json
