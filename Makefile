# The README's commands. Each sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_HOME := .demo

.PHONY: demo serve test bench snapshot-update lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m mash_tui --home $(DEMO_HOME) demo-data --if-missing
	$(PY) -m mash_tui --home $(DEMO_HOME)

serve: $(STAMP)
	$(PY) -m mash_tui --home $(DEMO_HOME) demo-data --if-missing
	$(PY) -m mash_tui --home $(DEMO_HOME) serve

test: $(STAMP)
	$(PY) -m pytest -q -n 3

bench: $(STAMP)
	for script in benchmarks/*.py; do $(PY) $$script || exit 1; done

snapshot-update: $(STAMP)
	$(PY) -m pytest -q tests/ui --snapshot-update

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache .hypothesis
