# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGS := $(shell find consult -name '*.po' 2>/dev/null)

.PHONY: run test install translations messages lint format bench clean

run: install translations
	$(BIN)/consult init
	CONSULT_MAIL_SEND_IN_BACKGROUND=true $(BIN)/consult run --host 127.0.0.1 --port 5000

test: install translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compile every feature's gettext catalogs (messages.po -> messages.mo), each only when its .po
# changed: CI's two test passes, run side by side, then never rewrite a catalog the other reads.
translations: $(CATALOGS:.po=.mo)

%.mo: %.po | install
	$(BIN)/pybabel -q compile --statistics -i $< -o $@

# Extract the messages of every feature folder into its own catalog and update fr/es.
messages: install
	$(BIN)/python -m consult.i18n_tools extract

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install translations
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
