# Red Thread: `make run` to try it, `make test` to check it. Both set up everything first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PO := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test bench load lint format catalogs translations clean audit

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

translations: $(MO)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

# Re-extract the strings and merge them into the catalogs (then translate the new ones).
catalogs: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-k lazy_pgettext:1c,2 --project=redthread --copyright-holder="Red Thread" -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

run: $(VENV)/.installed translations
	$(BIN)/redthread db upgrade
	$(BIN)/redthread guides sync
	$(BIN)/redthread demo
	@$(BIN)/redthread models hint
	@echo "Red Thread on http://$(HOST):$(PORT) (worker beside it); Ctrl-C stops both."
	@$(BIN)/redthread worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --access-logfile - "app:create_app()"

test: $(VENV)/.installed-dev translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# With PostgreSQL the two passes run side by side (each is one process; they share
	@# nothing but the machine), and PostgreSQL's report is printed after SQLite's.
	@if [ -n "$$REDTHREAD_TEST_DATABASE_URL" ]; then \
		log=$$(mktemp); \
		$(BIN)/pytest -p no:cacheprovider -m "not browser" > $$log 2>&1 & pg=$$!; \
		echo "== SQLite (PostgreSQL runs beside it) =="; \
		env -u REDTHREAD_TEST_DATABASE_URL $(BIN)/pytest -p no:cacheprovider; sqlite=$$?; \
		wait $$pg; postgres=$$?; \
		echo "== PostgreSQL =="; cat $$log; rm -f $$log; \
		test $$sqlite -eq 0 && test $$postgres -eq 0; \
	else \
		$(BIN)/pytest -p no:cacheprovider; \
	fi

# Benchmarks print their figures; they are not part of `make test`.
bench: $(VENV)/.installed-dev translations
	$(BIN)/python -m tests.bench.bench_register 2000
	$(BIN)/python -m tests.bench.bench_transcribe
	$(BIN)/python -m tests.bench.bench_transcribe --long --threads 2
	$(BIN)/python -m tests.bench.bench_diarize --seconds 300 --threads 2
	$(BIN)/python -m tests.bench.bench_pseudonymise
	$(BIN)/python -m tests.bench.bench_coding
	$(BIN)/python -m tests.bench.bench_themes
	$(BIN)/python -m tests.bench.bench_web_memory

# Known vulnerabilities in the installed dependencies (asks PyPI's advisory data; CI runs it).
audit: $(VENV)/.installed-dev
	$(BIN)/pip-audit --progress-spinner off --skip-editable

# 50 people for 2 minutes against gunicorn and PostgreSQL (REDTHREAD_LOAD_DATABASE_URL, a
# database whose name contains "test" or "load": it is emptied and filled with demo data);
# then against two gunicorn instances on one port (SO_REUSEPORT) sharing it and a Redis.
load: $(VENV)/.installed-dev translations
	$(BIN)/python -m tests.bench.load --users 50 --seconds 120
	$(BIN)/python -m tests.bench.load --users 50 --seconds 120 --instances 2

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(MO) .pytest_cache .ruff_cache
