# One command to run the product (make demo), one to run every test (make test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The demo runs with DEBUG on (a generated SECRET_KEY kept in var/); production sets its own environment.
export DEBUG ?= true

.PHONY: demo demo-env run setup venv system-deps test test-fast lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

system-deps:
	bash .ci/system-deps.sh

# Marks this checkout as the demo: manage.py then runs with DEBUG on (and the key generated in var/)
# without anything exported. Values in the file never override the environment.
demo-env:
	@mkdir -p "$${TRACKER_VAR_DIR:-var}"
	@printf '%s\n' "# Written by make demo: this checkout runs the demo. manage.py reads it where the" \
	  "# environment is silent; a production server has no such file (and sets DEBUG=false)." \
	  "DEBUG=true" > "$${TRACKER_VAR_DIR:-var}/demo.env"

setup: venv demo-env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_schedules
	$(BIN)/python manage.py load_demo

demo: setup
	$(BIN)/python manage.py serve 127.0.0.1:8000

run: venv
	$(BIN)/python manage.py serve 127.0.0.1:8000

test: venv system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest tests

test-fast: venv
	$(BIN)/pytest tests -m "not browser and not cluster"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: venv
	$(BIN)/python manage.py bench --json var/bench.json

clean:
	rm -rf var/test_tracker.sqlite3* var/bench.sqlite3* .pytest_cache
