# One-command set-up: `make run` starts the app on the sample data, `make test` runs every test.
# The virtual environment is created once and packages are installed again only when a
# requirements file changes (make compares the stamp files' times with theirs).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint bench

run: $(VENV)/.stamp-run
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: $(VENV)/.stamp-dev
	$(PY) -m pytest

lint: $(VENV)/.stamp-dev
	$(PY) -m ruff check forecasting tests bench app.py

bench: $(VENV)/.stamp-dev
	$(PY) bench/bench_load.py

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.stamp-run: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.stamp-run
