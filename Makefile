# The two commands: `make run` serves the portal with demo data, a worker and beat;
# `make test` runs the whole suite. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# E-mailed links (invitations, reminders, password resets) point where `make run` serves,
# unless SITE_URL is set: every process honcho starts inherits both.
SITE_URL ?= http://127.0.0.1:$(PORT)
export PORT SITE_URL

.PHONY: run test install install-dev migrate messages translations lint format clean bench bench-quick bench-reminders bench-messages lighthouse fuzz mutation bench-fhir

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

install: $(VENV)/.run-installed
install-dev: $(VENV)/.dev-installed

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable

# The compiled catalogues (locale/*/LC_MESSAGES/*.mo) are built here, not kept in git; msgfmt
# comes with GNU gettext (apt-get install gettext).
messages: install
	@command -v msgfmt >/dev/null || { echo "Installing GNU gettext (msgfmt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
	@ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || { echo "Installing Pango for the PDFs (WeasyPrint)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 \
		libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core >/dev/null; }
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=staticfiles --ignore=node_modules --verbosity 0

# After marking new text: bring locale/es/LC_MESSAGES/django.po up to date, then translate
# every new entry (tests/i18n checks that none is left untranslated or fuzzy).
MAKEMESSAGES_ARGS := -l es --no-location --no-obsolete --ignore=.venv --ignore=static \
	--ignore=staticfiles --ignore=tests --ignore=bench --ignore=node_modules --ignore=var \
	--ignore=mutants --no-wrap
translations: install
	$(BIN)/python manage.py makemessages $(MAKEMESSAGES_ARGS)

run: migrate messages
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  LDN Portal: http://127.0.0.1:$(PORT)   (Ctrl-C stops the web server, worker and beat)"
	@echo ""
	$(BIN)/honcho start --port $(PORT) --procfile Procfile

test: install-dev messages
	mkdir -p var
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks (PostgreSQL and Redis on this machine; see "Benchmarks" in the README). The
# worlds are built once into ldn_bench_p<size> databases and reused; BENCH_ARGS adds options.
bench: install-dev
	mkdir -p var
	$(BIN)/python bench/pages.py --reuse $(BENCH_ARGS)

bench-quick: install-dev
	mkdir -p var
	$(BIN)/python bench/pages.py --reuse --sizes 100,1000 --rounds 5 --discover-rounds 3 \
		--throughput-seconds 3 $(BENCH_ARGS)

# Its own database and Redis database: it empties their notification tables.
BENCH_REMINDERS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ldn_bench_remind
BENCH_REMINDERS_REDIS_URL ?= redis://127.0.0.1:6379/12
bench-reminders: install-dev
	mkdir -p var
	DATABASE_URL=$(BENCH_REMINDERS_DATABASE_URL) REDIS_URL=$(BENCH_REMINDERS_REDIS_URL) \
		$(BIN)/python bench/reminders.py $(BENCH_ARGS)

# One database per size (ldn_bench_fhir_y<years>); BENCH_REDIS_URL as for `make bench`.
bench-fhir: install-dev
	mkdir -p var
	$(BIN)/python bench/everything.py --reuse $(BENCH_ARGS)

# The inbox and a conversation at 1,000 and 10,000 conversations (ldn_bench_m<size>).
bench-messages: install-dev
	mkdir -p var
	$(BIN)/python bench/messages.py --reuse $(BENCH_ARGS)

# Lighthouse 12.2.3 (bench/lighthouse/, pinned in its package-lock.json) in mobile mode over the
# demo patient's pages, through gunicorn on its own SQLite database; see "Lighthouse" in the README.
LIGHTHOUSE_PORT ?= 8010
LIGHTHOUSE_DATABASE_URL ?= sqlite:///var/lighthouse.sqlite3
lighthouse: install
	mkdir -p var
	cd bench/lighthouse && npm ci --no-audit --no-fund --silent
	DATABASE_URL=$(LIGHTHOUSE_DATABASE_URL) $(BIN)/python manage.py migrate --no-input -v 0
	DATABASE_URL=$(LIGHTHOUSE_DATABASE_URL) $(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	DATABASE_URL=$(LIGHTHOUSE_DATABASE_URL) $(BIN)/python manage.py seed_demo > /dev/null
	DATABASE_URL=$(LIGHTHOUSE_DATABASE_URL) $(BIN)/gunicorn portal.wsgi --config gunicorn.conf.py \
		--bind 127.0.0.1:$(LIGHTHOUSE_PORT) --workers 2 --access-logfile /dev/null & \
	server=$$!; sleep 4; \
	node bench/lighthouse/run.mjs http://127.0.0.1:$(LIGHTHOUSE_PORT); status=$$?; \
	kill $$server; exit $$status

clean:
	rm -rf var staticfiles .pytest_cache locale/*/LC_MESSAGES/*.mo

# Hostile form posts to every form as each role (tests/fuzz); `make test` runs a few per URL.
LDN_FUZZ_EXAMPLES ?= 60
fuzz: install-dev
	mkdir -p var
	LDN_FUZZ_EXAMPLES=$(LDN_FUZZ_EXAMPLES) LDN_FUZZ_VERBOSE=1 $(BIN)/python -m pytest tests/fuzz -q -s -p no:logging $(PYTEST_ARGS)

# Mutation testing of the pure rules with their unit tests ([tool.mutmut] in pyproject.toml).
# Two test processes at a time; `mutmut results` and `mutmut show NAME` explain survivors.
MUTATION_CHILDREN ?= 2
mutation: install-dev
	mkdir -p var
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN)
	$(BIN)/mutmut export-cicd-stats
	cat mutants/mutmut-cicd-stats.json
