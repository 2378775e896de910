# 社保自助终端 — the two commands: `make run` (demo kiosk) and `make test` (everything CI runs).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages the tests drive for real: pcscd + vpcd (card), fonts + poppler + zbar (slips), PostgreSQL
# (backend), ippeveprinter + cups + cups-client + dbus-daemon (printing: private cupsd + IPP printer), tmux (e2e),
# chromium + chromedriver (verification page).
TEST_DEBS := pcscd vsmartcard-vpcd libpcsclite-dev swig fonts-wqy-microhei poppler-utils zbar-tools \
             postgresql cups-ipp-utils cups cups-client dbus-daemon tmux chromium chromium-driver

.PHONY: run test lint system-deps clean

run: $(VENV)/.installed
	$(BIN)/kiosk run --demo --config config/kiosk.toml

test: system-deps $(VENV)/.installed lint
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Installs only what is missing; needs root (CI is root) or sudo.
system-deps:
	@missing=$$(for p in $(TEST_DEBS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:" $$missing; \
	    sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	    $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
