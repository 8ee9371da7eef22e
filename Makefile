# Livorno Simbiosi Industriale workbench. Every target works on a fresh machine:
# the first one that needs Python creates .venv and installs the package.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PERIOD ?= 2027-03
AUDIENCE ?= gsi
LANG_REPORT ?= it
# The demo key protects only the synthetic demo cluster. It is NOT secret.
DEMO_KEY := demo-livorno-non-segreta
DEMO := WORKBENCH_KEY=$(DEMO_KEY) WORKBENCH_DATA_DIR=demo

.PHONY: install demo report test lab dashboard bench clean

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

demo: install
	$(DEMO) $(BIN)/workbench demo

report: demo
	$(DEMO) $(BIN)/workbench report --period $(PERIOD) --audience $(AUDIENCE) --lang $(LANG_REPORT)
	@echo "Rapporto: reports/$(PERIOD)/report.html"

# pytest exits 5 when it collects no test: that is not a failure of the project.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

lab: demo
	$(DEMO) $(BIN)/jupyter lab notebooks/

dashboard: demo
	$(DEMO) $(BIN)/workbench report --period $(PERIOD) --audience funders
	$(DEMO) $(BIN)/workbench dashboard --period $(PERIOD)

bench: demo
	$(BIN)/python bench/run_all.py

clean:
	rm -rf demo runs reports release bench/out
