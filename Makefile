# Referral system: phone sign-in and invite codes. `make` (or `make help`) lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV ?= .venv
PY := $(abspath $(VENV))/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Where collectstatic puts the admin's and the API docs' assets (as in settings; relative to the repository).
STATIC_ROOT ?= backend/staticfiles
# The database the tests use (pytest-django creates and drops test_<name> next to it).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/referral

.PHONY: help install deps compose-test-if-engine system-deps run demo-reset superuser test test-backend lint fmt schema messages check-db

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: backend/requirements.txt backend/requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r backend/requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## Create .venv with the backend's dependencies

# Debian packages the browser and stack tests need: Chromium (never a downloaded browser), nginx, curl.
# As root they are installed with apt-get; otherwise one line names the command to run.
SYSTEM_PACKAGES := chromium nginx-light curl
system-deps: ## Install the system packages the tests need (Debian: chromium, nginx-light, curl)
	@missing=""; \
	  command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	  command -v curl >/dev/null || missing="$$missing curl"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "installing$$missing (apt-get)"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	    else \
	      echo "missing system packages:$$missing; install them with: sudo apt-get install -y$$missing" >&2; exit 1; \
	    fi; \
	  fi

# Demo mode's per-IP caps: generous, so someone trying the product isn't locked out by their own clicks
# (production's defaults are 20/hour and 60/hour). THROTTLE_LOGIN / THROTTLE_VERIFY in the environment win.
# The per-phone limits (resend cooldown, codes a day, wrong codes) are the product's and stay as they are.
DEMO_THROTTLE_LOGIN ?= 1000/hour
DEMO_THROTTLE_VERIFY ?= 1000/hour
# This checkout's own DJANGO_SECRET_KEY and JWT_SIGNING_KEY (unless set in the environment): random, made on first
# use in SECRETS_FILE (mode 600, gitignored) by backend/scripts/local_secrets.py. No key is written in the code.
SECRETS_FILE ?= .env.local
LOCAL_SECRETS = secrets=$$($(PY) backend/scripts/local_secrets.py $(abspath $(SECRETS_FILE))) && eval "$$secrets"
# make run's environment: demo mode, this checkout's secrets, and the database backend/scripts/run_db.py picks (and
# creates if missing): DATABASE_URL if set, else PostgreSQL .../referral on 127.0.0.1:5432 if one answers, else
# backend/db.sqlite3.
# One gevent worker: it holds hundreds of connections, and at 64 of them two workers sharing the listening socket
# answered a tail of requests five to eight times slower than the median, one worker within 1.3-2.6 (BENCHMARKS.md).
RUN_ENV = $(LOCAL_SECRETS) && export DJANGO_DEBUG=$${DJANGO_DEBUG:-true} OTP_ECHO=$${OTP_ECHO:-true} \
	  WEB_CONCURRENCY=$${WEB_CONCURRENCY:-1} \
	  THROTTLE_LOGIN=$${THROTTLE_LOGIN:-$(DEMO_THROTTLE_LOGIN)} THROTTLE_VERIFY=$${THROTTLE_VERIFY:-$(DEMO_THROTTLE_VERIFY)} && \
	  db=$$($(PY) backend/scripts/run_db.py) && export DATABASE_URL=$$db

run: install $(STATIC_ROOT)/staticfiles.json ## Serve the API and web app on http://127.0.0.1:8000 in demo mode, and the webhook worker (HOST, PORT, DATABASE_URL)
	@if command -v npm >/dev/null && [ -f frontend/package.json ]; then $(MAKE) --no-print-directory frontend-build; \
	  else echo "npm not found: serving the API only (the web app needs Node.js 20+)"; fi
	@$(RUN_ENV) && cd backend && export HOST=$(HOST) PORT=$(PORT) VENV=$(abspath $(VENV)) && \
	  $(PY) manage.py migrate --noinput -v0 && $(PY) manage.py createcachetable -v0 && $(PY) manage.py webhook_endpoints_sync && \
	  echo "Serving http://$(HOST):$(PORT) (demo mode: codes shown, per-IP caps $$THROTTLE_LOGIN sign-in, $$THROTTLE_VERIFY verify; make demo-reset lifts every limit)" && \
	  if [ "$${DATABASE_URL%%:*}" = sqlite ]; then \
	    echo "SQLite: events are recorded, webhooks are not sent (their queue needs PostgreSQL)"; \
	    exec $$VENV/bin/gunicorn -c gunicorn.conf.py config.wsgi:application; fi && \
	  echo "Webhooks: a worker beside gunicorn (tools/run/Procfile); Ctrl-C stops both" && \
	  cd .. && exec $$VENV/bin/honcho start -f tools/run/Procfile -e /dev/null -p $(PORT)

demo-reset: install ## Lift every rate limit of make run's database (per-IP counters, codes, wrong entries); users stay
	@$(RUN_ENV) && cd backend && $(PY) manage.py migrate --noinput -v0 && $(PY) manage.py createcachetable -v0 && \
	  $(PY) manage.py demo_reset

# collectstatic (the admin's and the API docs' assets, which come with the installed packages) only when
# the packages changed: it takes seconds and would otherwise run on every start.
$(STATIC_ROOT)/staticfiles.json: $(VENV)/.installed
	$(LOCAL_SECRETS) && cd backend && DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py collectstatic --noinput -v0
	@touch $@

superuser: install ## Create an admin account for /admin/ in make run's database (asks for a phone and a password)
	@$(RUN_ENV) && cd backend && $(PY) manage.py migrate --noinput -v0 && $(PY) manage.py createsuperuser

check-db: install
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) backend/scripts/check_db.py

# Everything the tests run is installed first (system packages, .venv, the web app's and newman's
# npm packages, each from its lockfile), so nothing is downloaded while they run.
deps: system-deps install frontend/node_modules/.package-lock.json tools/postman/node_modules/.package-lock.json ## Install everything the tests need (apt as root, .venv, npm ci)

# Every suite: backend (pytest), web app (Vitest), browser end-to-end (direct and through nginx),
# the production stack natively, the Postman collection, and docker compose where an engine runs.
test: deps test-backend frontend-test e2e stack-test e2e-stack postman-test compose-test-if-engine ## Run every test suite (PostgreSQL at DATABASE_URL, default .../referral)

compose-test-if-engine:
	@if command -v docker >/dev/null && docker info >/dev/null 2>&1; then $(MAKE) --no-print-directory compose-test; \
	  else echo "no Docker engine answers (docker info): compose-test skipped; make compose-test runs it where one does"; fi

test-backend: check-db ## Backend tests (pytest on PostgreSQL), and tools/bench's (its seed and invariants)
	cd backend && DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m pytest
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m pytest tools/bench

# The stack tests and tools/ live outside backend/ and follow its ruff settings too.
RUFF_OUTSIDE := --config backend/pyproject.toml nginx/tests tools

lint: install ## Check style (ruff: backend/, nginx/tests, tools/)
	cd backend && $(PY) -m ruff check . && $(PY) -m ruff format --check .
	$(PY) -m ruff check $(RUFF_OUTSIDE) && $(PY) -m ruff format --check $(RUFF_OUTSIDE)

fmt: install ## Format and fix style (ruff)
	cd backend && $(PY) -m ruff check --fix . && $(PY) -m ruff format .
	$(PY) -m ruff check --fix $(RUFF_OUTSIDE) && $(PY) -m ruff format $(RUFF_OUTSIDE)

# The API's Russian messages: collect the msgids into backend/locale/ru/LC_MESSAGES/django.po (translate the new
# ones there), then compile django.mo, which is committed (servers need no gettext). Needs GNU gettext.
messages: install ## Update the API's message catalog (backend/locale) and compile it (needs gettext)
	cd backend && env DJANGO_SECRET_KEY=messages-only JWT_SIGNING_KEY=messages-only $(PY) manage.py makemessages -l ru \
	  --no-location --ignore '*/tests/*' --ignore staticfiles --ignore '*.html' -v0 && \
	  env DJANGO_SECRET_KEY=messages-only JWT_SIGNING_KEY=messages-only $(PY) manage.py compilemessages -v0

# With the settings' defaults only (the schema's descriptions state the limits): nothing from this shell's environment.
schema: install ## Regenerate backend/openapi.yaml (validated) and the web app's API types
	cd backend && env -i PATH="$$PATH" DJANGO_SETTINGS_MODULE=config.settings DJANGO_DEBUG=true \
	  DJANGO_SECRET_KEY=schema-only JWT_SIGNING_KEY=schema-only $(PY) manage.py spectacular --validate --fail-on-warn --file openapi.yaml
	@if [ -f frontend/package.json ]; then cd frontend && npm run --silent gen:types; fi

# ---- frontend ----
# The web app (frontend/): Vite + React + TypeScript. Node.js 20.19+ and npm.
E2E_PORT ?= 8765
E2E_DB ?= referral_e2e
DEV_PORT ?= 5173

.PHONY: frontend-install frontend-build frontend-test e2e dev

# npm ci writes node_modules/.package-lock.json: reinstall only when package-lock.json changed.
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend-install: ## Install the web app's dependencies exactly as locked (npm ci)
	cd frontend && npm ci --no-audit --no-fund

# Build the web app only when something it is built from changed: a second `make run` starts in seconds.
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html \
	frontend/package.json frontend/package-lock.json frontend/vite.config.ts $(wildcard frontend/tsconfig*.json)
frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build
	@touch $@

frontend-build: frontend/dist/index.html ## Type-check and build the web app into frontend/dist (when its sources changed)

frontend-test: frontend/node_modules/.package-lock.json ## Web app unit tests (Vitest) and the API types freshness check
	cd frontend && npm test && npm run check:types

# ALTCHA_PREFIX_BURST=1: a second code to one number range asks for proof of work, which e2e/proof-of-work.spec.ts
# walks through in Chromium (production's default, 10, would take more of the address's sign-in cap to reach).
E2E_ALTCHA_PREFIX_BURST ?= 1

e2e: install frontend-build ## End-to-end test: headless Chromium against a fresh backend on PostgreSQL (E2E_PORT, E2E_DB)
	ALTCHA_PREFIX_BURST=$(E2E_ALTCHA_PREFIX_BURST) backend/scripts/with-backend.sh $(E2E_PORT) $(E2E_DB) -- \
	  env E2E_BASE_URL=http://127.0.0.1:$(E2E_PORT) npm --prefix frontend run e2e

dev: frontend/node_modules/.package-lock.json ## Vite dev server with hot reload on :5173, proxying /api to the backend on :8000
	cd frontend && VITE_API_PROXY=$${VITE_API_PROXY:-http://127.0.0.1:$(PORT)} npm run dev -- --host $(HOST) --port $(DEV_PORT) --strictPort

# ---- stack ----
# The production topology: docker compose (up/down/logs), or the same nginx config natively in
# front of gunicorn on PostgreSQL (stack, stack-stop), for machines without a Docker engine: honcho runs the
# processes of tools/stack/Procfile, tools/stack/stack.py prepares, waits for health and stops them.
STACK := $(PY) tools/stack/stack.py
COMPOSE ?= docker compose
STACK_PORT ?= 8080
STACK_BACKENDS ?= 2
E2E_STACK_PORT ?= 8865

.PHONY: up down logs compose-test stack stack-stop stack-status stack-test e2e-stack

up: ## docker compose: build and start the whole product on http://localhost:8000 (HOST_PORT; needs .env)
	@test -f .env || { echo "No .env: cp .env.example .env, then set the secrets in it"; exit 1; }
	$(COMPOSE) up --build --detach --wait
	@echo "Up. make logs to follow, make down to stop."

down: ## docker compose: stop and remove the containers (the database volume stays)
	$(COMPOSE) down

logs: ## docker compose: follow the logs of every service
	$(COMPOSE) logs --follow --tail=100

compose-test: install ## docker compose on a real engine: build, up, sign-in, 3 and 6 replicas, a 400-connection burst, db restart, down
	@command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "compose-test needs a running Docker engine with the compose plugin (docker info failed)" >&2; exit 1; }
	$(PY) -m pytest tools/compose

stack: install frontend-build ## Without Docker: nginx + 2 backends (STACK_BACKENDS) on PostgreSQL (DATABASE_URL) at http://127.0.0.1:8080 (STACK_PORT)
	STACK_PORT=$(STACK_PORT) STACK_BACKENDS=$(STACK_BACKENDS) DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	  $(STACK) start

stack-stop: ## Stop what `make stack` started
	STACK_PORT=$(STACK_PORT) $(STACK) stop

stack-status: ## Show whether nginx and each backend of `make stack` run and answer
	STACK_PORT=$(STACK_PORT) $(STACK) status

stack-test: install frontend-build ## Stack tests: nginx -t, compose config, two backends behind nginx, CSP in Chromium
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m pytest nginx/tests

# Every sign-in of the browser test comes from 127.0.0.1, faster than a person's: nginx's login zone gets the
# rate the sign-in endpoints had before it (1r/s, burst 20) instead of a person's 6r/m, burst 5.
e2e-stack: install frontend-build ## The end-to-end browser test through nginx and two backends (fresh database)
	base=$${DATABASE_URL:-$(TEST_DATABASE_URL)}; \
	  STACK_PORT=$(E2E_STACK_PORT) STACK_DIR=$${TMPDIR:-/tmp}/referral-e2e-stack STACK_RESET_DB=true \
	  DATABASE_URL=$${base%/*}/referral_e2e_stack OTP_SEND_DELAY=0 NGINX_LOGIN_LIMIT_RATE=1r/s NGINX_LOGIN_LIMIT_BURST=20 \
	  ALTCHA_PREFIX_BURST=$(E2E_ALTCHA_PREFIX_BURST) $(STACK) run -- npm --prefix frontend run e2e

# ---- postman ----
# newman is pinned by tools/postman/package-lock.json and installed with npm ci before it runs: nothing is
# downloaded while the tests run.
NEWMAN := tools/postman/node_modules/.bin/newman
# The throwaway backend of postman-test: its port and its PostgreSQL database (dropped and created anew).
POSTMAN_PORT ?= 8770
POSTMAN_DB ?= referral_postman

.PHONY: postman postman-test

tools/postman/node_modules/.package-lock.json: tools/postman/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: the Postman collection runs with newman, which needs Node.js 20+ and npm" >&2; exit 1; }
	cd tools/postman && npm ci --no-audit --no-fund
	@touch $@

postman: tools/postman/node_modules/.package-lock.json ## Run postman_collection.json with newman against a running API (BASE_URL, default http://127.0.0.1:8000)
	$(NEWMAN) run postman_collection.json --env-var baseUrl=$${BASE_URL:-http://127.0.0.1:8000} --timeout-request 30000 $(NEWMAN_FLAGS)

postman-test: install tools/postman/node_modules/.package-lock.json ## Run the Postman collection against a fresh backend on PostgreSQL (what CI runs)
	backend/scripts/with-backend.sh $(POSTMAN_PORT) $(POSTMAN_DB) -- $(MAKE) --no-print-directory postman

# ---- bench ----
# Load and fault proofs on the native stack (nginx + gunicorn + PostgreSQL), 127.0.0.1 only; wrk
# (Debian package) drives the load. Each run gets a fresh database on DATABASE_URL's server.
# Not part of `make test`: the drill restarts the machine's PostgreSQL.
BENCH_DB ?= referral_bench
BENCH_PORT ?= 8890
BENCH_DURATION ?= 10
# backends x gevent workers each: BENCH_CONFIG fixes one, BENCH_SWEEP compares several first.
BENCH_CONFIG ?=
BENCH_SWEEP ?= 1x1 1x2 2x1 2x2 1x3
INVARIANTS_DB ?= $(BENCH_DB)
DRILL_DB ?= referral_drill
DRILL_PORT ?= 8895

.PHONY: bench drill invariants drill-pumping

bench: install frontend-build ## Benchmark: seed 120k users, load the stack with wrk, write tools/bench/reports/report.md
	@command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
	BENCH_DB=$(BENCH_DB) BENCH_PORT=$(BENCH_PORT) BENCH_DURATION=$(BENCH_DURATION) BENCH_CONFIG="$(BENCH_CONFIG)" \
	  BENCH_SWEEP="$(BENCH_SWEEP)" DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) tools/bench/run.py

drill: install frontend-build ## Fault drill: kill -9 a worker and restart PostgreSQL under load, then check the invariants
	DRILL_DB=$(DRILL_DB) DRILL_PORT=$(DRILL_PORT) DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	  $(PY) tools/bench/drill.py

# The SMS pumping drill against a running stack (make stack): PUMPING_BASE is its nginx, DATABASE_URL its database
# (where the SMS are counted); give it the stack's caps (THROTTLE_LOGIN, NGINX_LOGIN_LIMIT_RATE, ...) if not the defaults.
PUMPING_BASE ?= http://127.0.0.1:$(STACK_PORT)
drill-pumping: install ## SMS pumping drill: 40 addresses ask a running stack for codes for 60 s while a person signs in (PUMPING_BASE)
	$(PY) tools/security/pumping_drill.py --base $(PUMPING_BASE) --database-url $${DATABASE_URL:-$(TEST_DATABASE_URL)}

invariants: install ## Print the data invariants the schema can't enforce, of database INVARIANTS_DB (default the bench's)
	@base=$${DATABASE_URL:-$(TEST_DATABASE_URL)}; $(PY) tools/bench/invariants.py $${base%/*}/$(INVARIANTS_DB)
