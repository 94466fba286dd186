# Two commands matter: `make run` and `make test`. Everything else is what they are made of.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := run.py

.PHONY: run test bench load install install-test lock translations migrate seed messages clean

# Installs come from the lock files, with their hashes: the same packages on every machine and in CI.
# The application's own lock holds what production needs; the test lock adds the test tools on top.
$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(BIN)/.installed-test: requirements-test.lock $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	touch $@

install: $(BIN)/.installed

install-test: $(BIN)/.installed-test

# After changing the dependencies in pyproject.toml: pin them again (uv resolves; pip installs).
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes -c requirements.lock \
		-q -o requirements-test.lock

translations: install
	$(BIN)/pybabel compile -d translations

migrate: install translations
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed

run: seed
	$(BIN)/python run.py

# In random order (pytest-randomly: the seed is printed first; --randomly-seed=N repeats an order, -p no:randomly
# keeps the file order), with the 25 slowest steps listed at the end, on one process per core (pytest-xdist, each
# file whole on one process; TEST_PROCESSES=0 runs everything in this one).
TEST_PROCESSES ?= auto
test: install-test translations
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile --durations=25 $(PYTEST_ARGS)

bench: install-test translations
	$(BIN)/python tests/perf/bench_lists.py
	$(BIN)/python tests/perf/bench_dashboard.py
	$(BIN)/python tests/perf/bench_export.py
	$(BIN)/python tests/perf/bench_attachments.py

# Two gunicorn instances sharing PostgreSQL (LOAD_DATABASE_URL, default database `loadtest`), Redis and an S3 store
# (moto's server unless LOAD_S3_ENDPOINT_URL), under 50 reviewers and 10 applicants driven by locust.
load: install-test translations
	$(BIN)/python tests/perf/load.py

# Re-extract the messages after changing user-facing text, then translate translations/en.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) instance
