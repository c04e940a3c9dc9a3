# One-command set-up: `make run` starts the app on the sample data, `make test` runs every test.
# The virtual environment is created once and packages are installed again only when a
# requirements file changes (make compares the stamp files' times with theirs).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint bench chromium postgresql

run: $(VENV)/.stamp-run
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: $(VENV)/.stamp-dev chromium postgresql
	$(PY) -m pytest

# The browser test drives Debian's Chromium (never Playwright's download); installed once, as root or with sudo.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# The store tests start a throw-away PostgreSQL server from Debian's package (never a download); installed once.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql; }

lint: $(VENV)/.stamp-dev
	$(PY) -m ruff check forecasting tests bench ui pages app.py

bench: $(VENV)/.stamp-dev chromium
	$(PY) bench/bench_load.py
	$(PY) bench/bench_app.py

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.stamp-run: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.stamp-run
