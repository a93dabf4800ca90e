# ddq: `make run` serves the demo, `make test` runs every test. Both set up what they need first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= python3
export FLASK_APP := ddq
TEST_POSTGRES_URL ?= postgresql+psycopg://ddq:ddq@127.0.0.1:5432/ddq_test
TEST_REDIS_URL ?= redis://127.0.0.1:6390/0
BENCH_POSTGRES_URL ?= postgresql+psycopg://ddq:ddq@127.0.0.1:5432/ddq_bench
SERVE_DB ?= ddq_serve
SERVE_BIND ?= 127.0.0.1:8000
SERVE_ENV = DDQ_DATABASE_URL=postgresql+psycopg://ddq:ddq@127.0.0.1:5432/$(SERVE_DB) \
  DDQ_REDIS_URL=redis://127.0.0.1:6390/1 DDQ_UPLOADS=$(CURDIR)/instance/uploads DDQ_BIND=$(SERVE_BIND)

# The interface's languages besides English; each has a catalogue ddq/translations/<language>/LC_MESSAGES/messages.po.
LANGUAGES := fr es pt
PO := $(foreach language,$(LANGUAGES),ddq/translations/$(language)/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test bench load serve check lint postgres redis browser venv clean translations mutation

venv: $(STAMP)

# The .po catalogues are the translations' source of truth and are committed; the compiled .mo files are built.
$(MO): %.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics --domain messages --input-file $< --output-file $@

# After changing interface texts: extract them into the template and update every language's catalogue (a new text
# arrives empty, a reworded one is marked fuzzy until a translator checks it; tests/web/test_translations.py fails
# until both are translated). Translators edit the .po files.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output --project ddq --version 1 \
	  -o ddq/translations/messages.pot .
	$(BIN)/pybabel update -i ddq/translations/messages.pot -d ddq/translations
	$(BIN)/pybabel compile --statistics -d ddq/translations

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) $(MO)
	$(BIN)/ddq check
	$(BIN)/ddq db upgrade
	$(BIN)/ddq demo
	$(BIN)/ddq run --host 127.0.0.1 --port 5000

postgres:
	bash scripts/postgres.sh

redis:
	bash scripts/redis.sh

browser:
	bash scripts/system-deps.sh

test: $(STAMP) $(MO) postgres redis browser
	DDQ_TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) DDQ_TEST_REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest

check: $(STAMP)
	$(BIN)/ddq check

lint: $(STAMP)
	$(BIN)/ruff check .

# Benchmarks (bench/run.py): each group in a process of its own, then a table of every figure against its baseline
# and target. The staff group empties BENCH_POSTGRES_URL's database (created if missing) and grows an institute of
# BENCH_SIZES partners in it; BENCH_SIZES=100,1000,5000 adds 5,000 (minutes more). One group alone:
# .venv/bin/python bench/run.py import (definitions, section, portfolio, reports, import, ledger, staff, messages).
BENCH_SIZES ?= 100,1000
bench: $(STAMP) $(MO) postgres
	DDQ_BENCH_POSTGRES_URL=$(BENCH_POSTGRES_URL) DDQ_BENCH_SIZES=$(BENCH_SIZES) $(BIN)/python bench/run.py

# The production stack on one machine: PostgreSQL, Redis, one job worker and gunicorn (gunicorn.conf.py).
serve: $(STAMP) $(MO) postgres redis
	runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$(SERVE_DB)'" | grep -q 1 \
	  || runuser -u postgres -- createdb -O ddq $(SERVE_DB)
	mkdir -p instance/uploads
	test -s instance/serve.key || $(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > instance/serve.key
	export $(SERVE_ENV) DDQ_SECRET_KEY=$$(cat instance/serve.key); \
	$(BIN)/ddq db upgrade && \
	{ $(BIN)/ddq worker & worker=$$!; trap 'kill $$worker' EXIT; \
	  $(BIN)/gunicorn -c gunicorn.conf.py 'ddq:create_app()'; }

# Load test (bench/load.py): the production stack of `make serve` on a generated institute (LOAD_PARTNERS), then
# 200 respondents saving drafts and 10 staff browsing the portfolio and ledger; login rate limits are off for the run
# (every simulated person signs in from this one address). Prints saves/s, p50/p95/p99 per page at the client and
# in the server's own log (instance/load-server.log), CPU seconds per save, errors and lost saves.
LOAD_PARTNERS ?= 5000
load: $(STAMP) $(MO) postgres redis
	runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$(SERVE_DB)'" | grep -q 1 \
	  || runuser -u postgres -- createdb -O ddq $(SERVE_DB)
	export $(SERVE_ENV) DDQ_LOAD_PARTNERS=$(LOAD_PARTNERS); \
	$(BIN)/ddq db upgrade && $(BIN)/python bench/load.py prepare && mkdir -p instance && \
	{ DDQ_RATE_LIMITS=0 setsid $(MAKE) --no-print-directory serve > instance/load-server.log 2>&1 & server=$$!; \
	  trap 'kill -- -$$server' EXIT; \
	  until curl -sf http://$(SERVE_BIND)/readyz > /dev/null; do sleep 1; done; \
	  DDQ_LOAD_URL=http://$(SERVE_BIND) DDQ_LOAD_SERVER_LOG=instance/load-server.log $(BIN)/python bench/load.py run; }

# Mutation testing of the scoring and reciprocity rules against tests/core ([tool.mutmut] in pyproject.toml).
# Slow, so not part of `make test`; one worker, the machine is shared. Lists the mutants that survived.
# mutants/ starts afresh: mutmut keeps its copy of every other module as it was at the last run.
mutation: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children 1
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
