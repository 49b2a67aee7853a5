# Two commands: `make run` and `make test`. Both create .venv and install into it on first use.
# `make run AS=teacher` types the console lines without a name as teacher; `make reset` deletes
# the SQLite database BOT_DATABASE after asking (only `yes` deletes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run reset test demo bench lint pictures clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot $(if $(AS),--as $(AS))

reset: $(STAMP)
	$(PY) -m bot.reset

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

demo: $(STAMP)
	$(PY) -m bot.demo

bench: $(STAMP)
	$(PY) -m bench.run

pictures: $(STAMP)
	$(PY) docs/pictures.py

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
