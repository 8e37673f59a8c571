# `make run` runs the suite against the reference backend; `make test` proves the project works.
# Both install what they need: a virtual environment from requirements.txt and the PostgreSQL server binaries.
VENV     ?= .venv
PYTHON   := $(VENV)/bin/python
ROBOT    := $(VENV)/bin/robot
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_FOUND := $(shell ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | head -n1; command -v initdb 2>/dev/null)
# The checkout this virtual environment was built for: a .venv copied from another checkout is rebuilt.
CHECKOUT := $(CURDIR)

# Every robot run below names robot.args itself, relative to this folder (a checkout path with spaces needs no
# quoting then); an activated environment's ROBOT_OPTIONS is not passed on, or robot.args would be read twice.
ROBOT_ARGS := --argumentfile robot.args
unexport ROBOT_OPTIONS

.PHONY: setup venv-belongs-here postgres run verify rerun merge junit docs test pytest lint dryrun suite mutants bench browser clean

setup: venv-belongs-here $(VENV)/.installed postgres

venv-belongs-here:
	@if [ -d $(VENV) ] && [ "$$(cat $(VENV)/.checkout 2>/dev/null)" != "$(CHECKOUT)" ]; then \
		echo "$(VENV) was built for another checkout ($$(cat $(VENV)/.checkout 2>/dev/null || echo unknown)): rebuilding it"; \
		rm -rf $(VENV); \
	fi

# The suite's package (libraries/runproof) is installed editable by requirements.txt' last line: nothing puts a path
# on sys.path by hand. A requirements.txt or pyproject.toml newer than the environment installs again.
$(VENV)/.installed: requirements.txt pyproject.toml
	[ -x $(PYTHON) ] || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	echo "$(CHECKOUT)" > $(VENV)/.checkout
	touch $@

postgres:
ifeq ($(strip $(PG_FOUND)),)
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null
endif

run: setup
	$(ROBOT) $(ROBOT_ARGS) suites/

# Does results/ still say what its run found? Every subject's digest, the evidence against output.xml; the signature
# with PUBLIC_KEY=file.pem, the run's rows with DATABASE_URL set (read-only). docs/attestation.md.
verify: setup
	$(VENV)/bin/runproof-verify results $(if $(PUBLIC_KEY),--public-key "$(PUBLIC_KEY)")

# CI (docs/ci.md): after a failed `make run`, rerun what failed (with the prerequisites and the tests a new run makes
# stale) and merge; the merge's verdict and exit code are the job's. Both write junit.xml (runproof.robot_hooks.junit).
RESULTS ?= results
rerun: setup
	$(ROBOT) $(ROBOT_ARGS) --outputdir $(RESULTS)/rerun --output rerun.xml --rerunfailed $(RESULTS)/output.xml suites/

# The merge's junit.xml then also replaces $(RESULTS)/junit.xml, the one file CI's test report reads (the first run's
# can be written again from $(RESULTS)/output.xml with `make junit`); rebot's exit code is kept.
merge: setup
	$(VENV)/bin/rebot --merge --prerebotmodifier runproof.robot_hooks.merged_verdict --outputdir $(RESULTS)/merged \
		--output output.xml $(RESULTS)/output.xml $(RESULTS)/rerun/rerun.xml; \
	status=$$?; cp $(RESULTS)/merged/junit.xml $(RESULTS)/junit.xml || status=1; exit $$status

# junit.xml again from any output.xml (a run writes its own; this is for an output.xml from elsewhere).
junit: setup
	$(VENV)/bin/runproof-junit $(RESULTS)/output.xml

# Keyword reference pages: libdoc HTML of every keyword library the resource files import and of every resource file,
# into docs/keywords/ (ignored by git).
KEYWORD_DOCS := docs/keywords
docs: setup
	mkdir -p $(KEYWORD_DOCS)
	for library in $$(sed -n 's/^Library  *\(runproof\.[^ ]*\).*/\1/p' resources/*.resource suites/*.robot | sort -u); do \
		$(PYTHON) -m robot.libdoc --format HTML $$library $(KEYWORD_DOCS)/$${library##*.}.html >/dev/null || exit 1; \
	done
	for resource in resources/*.resource; do \
		$(PYTHON) -m robot.libdoc --format HTML $$resource $(KEYWORD_DOCS)/$$(basename $$resource .resource).resource.html >/dev/null || exit 1; \
	done
	@echo "keyword reference: $(KEYWORD_DOCS)/ ($$(ls $(KEYWORD_DOCS) | wc -l) pages)"

pytest: setup
	$(PYTHON) -m pytest tests -q
	cd reference/backend && PYTHONPATH=. ../../$(PYTHON) -m pytest tests/test_run_introspection_coordinators.py -q -p no:cacheprovider

lint: setup
	$(VENV)/bin/robocop check suites resources
	$(VENV)/bin/robocop format --check suites resources

dryrun: setup
	$(ROBOT) $(ROBOT_ARGS) --dryrun --outputdir "$$(mktemp -d)" --output NONE --log NONE --report NONE --xunit NONE suites/

suite: setup
	$(ROBOT) $(ROBOT_ARGS) suites/

mutants: setup
	$(PYTHON) tests/mutants/matrix.py

bench: setup
	$(PYTHON) bench/bench.py

test: pytest lint dryrun suite mutants

# Not part of `make test`: opens log.html and report.html of a suite run in headless Chromium (Debian package
# chromium, installed here if missing) and checks that the pictures render with content.
browser: setup
	command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	RUNPROOF_BROWSER=1 $(PYTHON) -m pytest tests/test_browser.py -q

clean:
	rm -rf $(VENV) results/*.html results/*.xml results/*.json results/*.md results/*.svg
