# Everything runs from the project's own virtualenv; `make install` builds it and is a no-op
# when requirements and constraints have not changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# MWAA runs Python 3.12; any Python >= 3.11 works locally. Override with `make PYTHON=...`.
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do $$p -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := constraints/airflow-3.3.1-py3.12.txt
STAMP := $(VENV)/.installed
COMPOSE_SCHEMA := $(VENV)/share/compose_spec.json
export PYTHONPATH := $(CURDIR):$(CURDIR)/plugins

.PHONY: help install browser jdk postgres run env demo report test test-fast lint format bench capacity package deploy smoke clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

install: $(STAMP) $(COMPOSE_SCHEMA) ## Create .venv with Airflow 3.3.1 and all dev tools (idempotent)

$(STAMP): requirements-mwaa-image.txt requirements.txt requirements-dev.txt requirements-report.txt $(CONSTRAINTS)
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# MWAA's package set, the bundle's requirements.txt (its --constraint line names a path that
	@# exists on MWAA only), then the local tools.
	grep -v '^--constraint' requirements.txt > $(VENV)/requirements-bundle.txt
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -r requirements-mwaa-image.txt \
		-r $(VENV)/requirements-bundle.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --only-binary=:all: -r requirements-report.txt
	touch $@

# The Compose specification's JSON schema, as published inside the docker-compose package.
$(COMPOSE_SCHEMA): | $(STAMP)
	mkdir -p $(VENV)/share/download
	$(BIN)/python -m pip download --quiet --no-deps docker-compose==1.29.2 -d $(VENV)/share/download
	$(BIN)/python -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); open(sys.argv[2],'wb').write(z.read('compose/config/compose_spec.json'))" \
		$(VENV)/share/download/docker_compose-1.29.2-py2.py3-none-any.whl $@

browser: ## Install headless Chromium for the UI screenshot test (Debian package; needs root)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

jdk: ## Make sure javac 17 is there: the local Glue jobs compile their S3 file system (Debian package; needs root)
	@command -v javac >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >/dev/null; }
	@javac -version

postgres: ## Make sure PostgreSQL's server programs are there: the local stack's metadata DB (Debian package; needs root; macOS: brew install postgresql@15)
	@$(BIN)/python -c "from local.postgres import bin_dir; bin_dir()" 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@$(BIN)/python -c "from local.postgres import bin_dir; print(bin_dir())"

run: install postgres ## Start local AWS + Airflow (api-server, scheduler, dag-processor, triggerer, a Celery worker) on PostgreSQL; Ctrl-C stops
	$(BIN)/python -m local.stack

env: ## Print the exports that point the airflow CLI at `make run`: eval "$(make -s env)"
	@$(BIN)/python -m local.airflow_env

demo: install postgres ## Run every pipeline end to end on the embedded local stack and print the results
	$(BIN)/python -m local.demo

report: install ## The run ledger per pipeline and day, and a PNG chart: make report [DAYS=7] [UNTIL=YYYY-MM-DD] [ENV=name REGION=r] (no ENV: the make run stack)
	$(BIN)/python -m deploy.report --days "$(or $(DAYS),7)" $(if $(UNTIL),--until "$(UNTIL)",) $(if $(ENV),--env "$(ENV)" --region "$(REGION)",)

test: install browser jdk postgres ## Run all tests, the services tier beside the rest (tiers: tests/README.md)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: install ## The edit loop: no pipeline run end to end, no JVM, no Airflow services (tests/README.md)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not pipeline and not spark and not services"

lint: install ## ruff (with Airflow's AIR rules) and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install jdk postgres ## Benchmarks (DAG parse time, local engines, worker slots at AWS's pace); figures go in docs/benchmarks.md
	$(BIN)/python -m bench

capacity: install ## The MWAA class each pipeline set needs, from make bench's worker-slot seconds (docs/capacity.md)
	$(BIN)/python -m deploy.capacity

package: install ## Build the MWAA bundle in dist/mwaa (dags/, plugins.zip, requirements.txt, startup.sh)
	$(BIN)/python -m deploy.package dist/mwaa

deploy: install ## Deploy to AWS: make deploy ENV=name REGION=r SUBNETS=a,b SECURITY_GROUPS=sg API_BASE_URL=https://... [DRY_RUN=1]
	$(BIN)/python -m deploy.deploy --env "$(ENV)" --region "$(REGION)" --subnets "$(SUBNETS)" \
		--security-groups "$(SECURITY_GROUPS)" --api-base-url "$(API_BASE_URL)" $(if $(DRY_RUN),--dry-run,)

smoke: install ## After make deploy: each pipeline once on the stack: make smoke ENV=name REGION=r [DAY=YYYY-MM-DD] [HOUR=YYYY-MM-DDTHH] [LOCAL=1]
	$(BIN)/python -m deploy.smoke --env "$(ENV)" --region "$(REGION)" $(if $(DAY),--day "$(DAY)",) \
		$(if $(HOUR),--hour "$(HOUR)",) $(if $(LOCAL),--local,)

clean: ## Remove local state (the stack's PostgreSQL with it) and build output (keeps .venv)
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m local.postgres --remove .local; fi
	rm -rf .local dist
