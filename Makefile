# Two entry points: `make demo` and `make test`. Both create .venv if missing and
# install the pinned versions in requirements*.lock, then the package (editable).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.spinloss-installed

.PHONY: demo test bench clean venv

$(STAMP): pyproject.toml requirements.lock requirements-test.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock -r requirements-test.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/spinloss demo

# pytest exits 5 when it collects no tests: make treats any non-zero exit as failure.
test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-bench.lock
	$(PY) benchmarks/transport.py
	$(PY) benchmarks/macrospin.py

clean:
	rm -rf $(VENV) spinloss-demo build src/*.egg-info
