# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test e2e lint format bench clean

$(VENV)/.installed-runtime: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-runtime

run: $(VENV)/.installed-runtime
	$(BIN)/ypmatch db upgrade
	$(BIN)/ypmatch seed-demo --if-empty --show-logins
	@echo "Serving ypmatch on http://$(HOST):$(PORT)  (sign in with a demo account above)"
	$(BIN)/ypmatch run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r ypmatch -ll
	$(BIN)/pytest

# Only the browser tests (needs /usr/bin/chromium; screenshots go to docs/screenshots/).
e2e: $(VENV)/.installed-dev
	$(BIN)/pytest tests/e2e

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/matching_quality.py
	$(BIN)/python bench/matching_speed.py --sizes small

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

# Translations (Flask-Babel). Extraction map and keywords: babel.cfg.
# After `make translations-extract`, translate the new or fuzzy entries in
# ypmatch/translations/ja/LC_MESSAGES/messages.po, then `make translations-compile`
# and commit messages.pot, messages.po and messages.mo together.
TRANSLATIONS := ypmatch/translations

.PHONY: translations-extract translations-compile

translations-extract: $(VENV)/.installed-runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext \
		--project=ypmatch --version=0.1.0 --copyright-holder="City of Yokohama" \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --ignore-obsolete

translations-compile: $(VENV)/.installed-runtime
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)
