# Two entry points: `make demo` and `make test`. Both create .venv if missing and
# install the pinned versions in requirements*.lock, then the package (editable).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.spinloss-installed

.PHONY: demo test bench clean venv browser

$(STAMP): pyproject.toml requirements.lock requirements-test.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock -r requirements-test.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/spinloss demo

# Headless Chromium (Debian's package) renders the HTML report in the tests; best effort: without
# it (no root, no network) that one test is skipped with its reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1) ; } || \
	  echo "note: chromium not available; the report rendering test will be skipped"

# pytest exits 5 when it collects no tests: make treats any non-zero exit as failure.
test: $(STAMP) browser
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-bench.lock
	$(PY) benchmarks/transport.py
	$(PY) benchmarks/macrospin.py
	$(PY) benchmarks/sweep.py

clean:
	rm -rf $(VENV) spinloss-demo build src/*.egg-info
