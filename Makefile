# Worker Services: `make run` runs the whole system locally, `make test` runs every check.
# Both install what they need first (Python packages into .venv, npm packages into node_modules).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SITE_DIR := build/site
SITE_SOURCES := mkdocs.yml $(shell find site -type f 2>/dev/null)

.PHONY: screenshots run test lint typecheck pytest site zensical package deploy bench lock openapi first-admin totp clean help

help:
	@echo "make run      the whole system at http://127.0.0.1:8000 (portal + /api), data under var/, demo data on first start"
	@echo "              (make run ARGS=--no-demo starts with only the union tree and staff logins)"
	@echo "make test     lint, types, unit/api/integration/browser tests, portal build, template lint"
	@echo "make bench    benchmarks; writes docs/benchmarks.md"
	@echo "make screenshots  every public and staff page (demo data, staff signed in) at 1366x800 and 390x844 in build/screenshots/"
	@echo "make package  the deployable CloudFormation template under build/package"
	@echo "make deploy   package and deploy to AWS (needs AWS credentials; see README)"
	@echo "make lock     recompile the pinned dependency locks from pyproject.toml"
	@echo "make export   the local table to var/export-<timestamp>.jsonl (DynamoDB JSON); make import FROM=file"
	@echo "make zensical check that Zensical builds mkdocs.yml with the same pages (warnings do not fail)"
	@echo "make openapi  regenerate the partner-developer page (site/developers) and the staff pages' labels.js from the app"
	@echo "make load     replay the capacity plan's peaks against the local stack (Locust, headless); report and invariants"
	@echo "make figures  backfill the dashboard's subtree figures from the records (after an upgrade)"
	@echo "make purge    remove personal data whose retention has run out (what the daily schedule does in AWS)"
	@echo "make restore-drill  rehearse a restore on DynamoDB Local: export, wipe, import, compare counts and checksums"
	@echo "make smoke BASE=https://...  read-only probes of a deployment (portal, health, OpenAPI, a status look-up)"
	@echo "make smoke-prepare BASE=https://... PHONE=...  file the test request the smoke look-up reads (once)"

$(VENV)/.installed: requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(VENV)/.installed node_modules/.installed

$(SITE_DIR)/index.html: $(VENV)/.installed $(SITE_SOURCES)
	$(VENV)/bin/mkdocs build --strict --quiet --site-dir $(SITE_DIR)

site: $(SITE_DIR)/index.html

zensical: site  # Material's successor builds the same mkdocs.yml (also a test)
	$(PY) -m tools.zensical_check

PORT ?= 8000

run: deps site  # make run ARGS=--no-demo: without the demo data set
	$(PY) -m tools.localstack --port $(PORT) --data var $(ARGS)

screenshots: deps site  # every public and staff page at 1366x800 and 390x844, with the demo data set
	$(PY) -m tests.browser.pages --site $(SITE_DIR) --out build/screenshots

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check functions tools tests site/hooks
	PYTHONPATH=functions $(VENV)/bin/lint-imports --no-cache --no-logo  # the layers (pyproject.toml)

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict site/hooks/search_words.py site/hooks/cjk_lines.py

# Two runs: the in-process tiers (moto) first, then the tiers with their own engines, so the memory
# the first run's workers grew to is handed back before the second starts. Both always run.
pytest: deps site
	$(VENV)/bin/pytest -n 2 --dist loadfile tests/unit tests/api; first=$$?; \
	$(VENV)/bin/pytest -n 2 --dist loadfile tests/integration tests/browser; second=$$?; \
	test $$first -eq 0 && test $$second -eq 0

test: lint typecheck site pytest package

package: $(VENV)/.installed
	$(PY) -m tools.package --out build/package

deploy: package site  # make deploy ARGS="--artifact-bucket my-bucket --parameter PortalDomainName=..."
	$(PY) -m tools.deploy $(ARGS)

bench: deps site
	$(PY) -m tools.bench

lock: $(VENV)/.installed
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --quiet
	$(VENV)/bin/uv pip compile pyproject.toml -c requirements-dev.lock -o functions/requirements.txt \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 --quiet --no-header --no-annotate

openapi: $(VENV)/.installed
	$(PY) -m tools.openapi_page
	$(PY) -m tools.labels_js
	$(PY) -m tools.notifications_doc

.PHONY: export import
export: $(VENV)/.installed  # make export [ARGS="--endpoint http://127.0.0.1:PORT"]; stop `make run` first otherwise
	$(PY) -m tools.backup $(ARGS) export --out var/export-$$(date -u +%Y%m%dT%H%M%SZ).jsonl

import: $(VENV)/.installed  # make import FROM=var/export-....jsonl [ARGS="--endpoint ..."]
	$(PY) -m tools.backup $(ARGS) import --from $(FROM)

.PHONY: restore-drill smoke smoke-prepare
restore-drill: $(VENV)/.installed  # make restore-drill [ARGS="--requests 200 --keep var/drill.jsonl"]
	$(PY) -m tools.restore_drill $(ARGS)

smoke: $(VENV)/.installed  # make smoke BASE=https://... [SMOKE_REFERENCE=... SMOKE_PHONE=...]; docs/operations.md
	$(PY) -m tools.smoke --base $(BASE) probe

smoke-prepare: $(VENV)/.installed  # make smoke-prepare BASE=https://... PHONE=139...
	$(PY) -m tools.smoke --base $(BASE) prepare --phone $(PHONE)

.PHONY: figures load
figures: $(VENV)/.installed  # make figures [ARGS="--endpoint ..."]: backfill the dashboard's figures from the records
	$(PY) -m tools.figures $(ARGS)

load: deps  # make load [ARGS="--base https://... --duration 30"]: the capacity plan's peaks with many clients (tools/load)
	$(PY) -m tools.load $(ARGS)

.PHONY: purge
purge: $(VENV)/.installed  # make purge [ARGS="--today 2021-06-01 | --force | --endpoint ..."]; stop `make run` first otherwise
	$(PY) -m tools.purge $(ARGS)

totp: $(VENV)/.installed  # the current TOTP code of the demo city_admin and finance logins (make run)
	@$(PY) -m tools.cognito

first-admin: $(VENV)/.installed  # make first-admin ARGS="--username li.ming --name 李明 --seed-tree"
	$(PY) -m tools.first_admin $(ARGS)

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
