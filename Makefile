# bioharness: `make run` runs the conformance suite, `make test` the harness's own tests and the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
REPORTS := reports
RESULTS := $(REPORTS)/allure-results
# Extra pytest arguments for the conformance suite, e.g. ARGS="--mms-url https://mms.lab/mms/MSBDeviceRequest/"
ARGS ?=

.PHONY: run test unit lint format pki bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## run: the whole conformance suite against the embedded default (or ARGS), reports under reports/
run: $(STAMP)
	rm -rf $(RESULTS)
	$(PY) -m pytest steps --alluredir $(RESULTS) --junitxml $(REPORTS)/junit.xml $(ARGS)

## test: lint, the harness's own tests, then the conformance suite
test: lint unit run

unit: $(STAMP)
	$(PY) -m pytest tests

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## pki: regenerate the committed fixture PKI (fixtures/pki)
pki: $(STAMP)
	$(PY) -m harness.pki.generate

## bench: JOSE rates and reference-MMS throughput, written to reports/bench.json
bench: $(STAMP)
	$(PY) bench/mms_bench.py

clean:
	rm -rf $(VENV) $(RESULTS) $(REPORTS)/junit.xml $(REPORTS)/bench.json
