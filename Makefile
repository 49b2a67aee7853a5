# Two commands: `make run` and `make test`. Both create .venv and install into it on first use:
# the exact versions and hashes of requirements.lock, then this checkout (editable, no deps).
# `make run AS=teacher` types the console lines without a name as teacher; `make reset` deletes
# the SQLite database BOT_DATABASE after asking (only `yes` deletes). `make lock` writes
# requirements.lock from the ranges in pyproject.toml, keeping the versions it had where they
# still fit (`make lock UPGRADE=1`: the newest of every range; see docs/install.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --quiet --disable-pip-version-check
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# the lock tool, pinned so that every `make lock` writes the same layout
UV_VERSION := 0.13.9
LOCK_FLAGS := --extra dev --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

.PHONY: run reset test demo bench lint pictures lock clean browser

$(PY):
	$(PYTHON) -m venv $(VENV)

# pip check catches a pyproject.toml that asks for more than the lock holds (a dependency added
# without `make lock`): the install stops and says what to run.
$(STAMP): pyproject.toml setup.py $(LOCK) | $(PY)
	$(PIP) install --require-hashes -r $(LOCK)
	$(PIP) install --no-deps -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; \
		echo "$(LOCK) does not hold what pyproject.toml asks for: run make lock"; exit 1; }
	touch $(STAMP)

lock: | $(PY)
	$(PIP) install uv==$(UV_VERSION)
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_FLAGS) --quiet -o $(LOCK)
	@echo "wrote $(LOCK); make run or make test installs from it"

run: $(STAMP)
	$(PY) -m bot $(if $(AS),--as $(AS))

reset: $(STAMP)
	$(PY) -m bot.reset

# The browser tests (tests/web/test_screen_browser.py) and `make pictures` drive Debian's Chromium
# through Playwright; Playwright never downloads a browser of its own. Root installs the package
# (a CI runner, a container); anyone else is told the one command to run.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { if [ "$$(id -u)" = 0 ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
		|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }; \
		else echo "the browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

test: $(STAMP) browser
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest

demo: $(STAMP)
	$(PY) -m bot.demo

bench: $(STAMP)
	$(PY) -m bench.run

pictures: $(STAMP) browser
	$(PY) docs/pictures.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
