# Jiceng: `make run` sets up and serves the demo district; `make test` sets up and passes the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DB ?= sqlite
# test workers: one per core (pytest-xdist); TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= auto
export JICENG_INSTANCE ?= $(CURDIR)/instance

.PHONY: install run test lint test-browser bench translations clean

$(BIN)/activate:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

core/translations/en/LC_MESSAGES/messages.mo: core/translations/en/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d core/translations

# The example out-of-tree plugin (scaffolded by `jiceng plugins new`) is installed for the tests,
# which prove the plugin author's path end to end with it.
$(VENV)/.installed-examples: examples/jiceng-hello/pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install -q -e examples/jiceng-hello
	touch $@

install: $(VENV)/.installed core/translations/en/LC_MESSAGES/messages.mo

run: install
	mkdir -p instance
	$(BIN)/jiceng db upgrade
	$(BIN)/jiceng demo load
	@echo
	@echo "Jiceng is serving the demo district 谢家集区 at http://127.0.0.1:$(PORT)"
	@$(BIN)/jiceng demo accounts
	@echo
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py -b 127.0.0.1:$(PORT) 'core:create_app()'

lint: install
	$(BIN)/ruff check .

# DB=sqlite (default) or DB=postgresql (needs JICENG_TEST_PG_URL, see README).
test: install $(VENV)/.installed-examples
	JICENG_TEST_DB=$(DB) $(BIN)/python -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o core/translations/messages.pot .
	$(BIN)/pybabel update -i core/translations/messages.pot -d core/translations

clean:
	rm -rf $(VENV) instance .pytest_cache

# Speed, measured: baseline fortunes vs the app's pages at 1× and 100× data, under wrk on loopback.
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python tests/perf/bench.py
