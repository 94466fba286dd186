# Two commands matter: `make run` and `make test`. Everything else is what they are made of.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := run.py

.PHONY: run test bench load install translations migrate seed messages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

translations: install
	$(BIN)/pybabel compile -d translations

migrate: install translations
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed

run: seed
	$(BIN)/python run.py

test: install translations
	$(BIN)/python -m pytest

bench: install translations
	$(BIN)/python tests/perf/bench_lists.py
	$(BIN)/python tests/perf/bench_export.py

# gunicorn on PostgreSQL (LOAD_DATABASE_URL, default database `loadtest`) under 50 reviewers driven by locust.
load: install translations
	$(BIN)/python tests/perf/load.py

# Re-extract the messages after changing user-facing text, then translate translations/en.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) instance
