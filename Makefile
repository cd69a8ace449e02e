# The front door. `make help` lists what you can do.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# A first look runs with DEBUG on, SQLite and Celery eager (DATABASE_URL and REDIS_URL unset).
DEMO_ENV := DEBUG=true
# Tests run with DEBUG off, as production does, over plain HTTP on loopback.
TEST_ENV := DEBUG=false SECRET_KEY=test-only-secret-key-that-is-long-enough-for-the-check-1234 \
	SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=localhost,127.0.0.1,testserver

.PHONY: help install demo run test lint format worker beat clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Create the virtual environment and install the hub with its test tools

demo: install ## Run the hub on SQLite with Celery eager and demo data at http://127.0.0.1:8000
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_demo
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install ## Run the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

lint: install ## Check style with ruff, and the layers of DESIGN.md with import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install ## Run a Celery worker on both queues (needs REDIS_URL)
	$(BIN)/celery -A insight_hub worker -Q nlp,default --concurrency 2 --loglevel INFO

beat: install ## Run Celery beat, the periodic schedule (needs REDIS_URL)
	$(BIN)/celery -A insight_hub beat --loglevel INFO

clean: ## Remove the virtual environment, collected static files and the demo database
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm
