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

.PHONY: setup venv-belongs-here postgres run verify rerun merge junit docs test test-fast pytest reference-tests lint dryrun suite mutants bench browser clean

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

# Every pytest test of tests/ on one engine, spread over the cores by pytest-xdist (-n auto; each worker starts its
# own throwaway PostgreSQL): the suite's own tests, those that start whole suite runs (marker suite_run) and the
# defect matrix (tests/mutants: one test per mutant, judged as a whole when the session ends). JUnit in results/.
PYTEST_N ?= auto
pytest: setup reference-tests
	$(PYTHON) -m pytest tests -q -n $(PYTEST_N) --junitxml=results/pytest-junit.xml

# What needs no suite run: every test not marked suite_run (a guard in tests/conftest.py fails an unmarked test that
# starts one), and the reference backend's coordinator tests.
test-fast: setup reference-tests
	$(PYTHON) -m pytest tests -q -n $(PYTEST_N) -m "not suite_run"

reference-tests: setup
	cd reference/backend && PYTHONPATH=. ../../$(PYTHON) -m pytest tests/test_run_introspection_coordinators.py -q -p no:cacheprovider

lint: setup
	$(VENV)/bin/robocop check suites resources
	$(VENV)/bin/robocop format --check suites resources

dryrun: setup
	$(ROBOT) $(ROBOT_ARGS) --dryrun --outputdir "$$(mktemp -d)" --output NONE --log NONE --report NONE --xunit NONE suites/

suite: setup
	$(ROBOT) $(ROBOT_ARGS) suites/

# The defect matrix alone; its shards for CI: `pytest tests/mutants --splits 4 --group K` (docs/ci-matrix.md).
mutants: setup
	$(PYTHON) -m pytest tests/mutants -q -n $(PYTEST_N) --junitxml=results/matrix-junit.xml

bench: setup
	$(PYTHON) bench/bench.py

# One command; pytest last, so its closing line is pytest's own.
test: lint dryrun suite pytest

# Not part of `make test`: opens log.html and report.html of a suite run in headless Chromium (Debian package
# chromium, installed here if missing) and checks that the pictures render with content.
browser: setup
	command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	RUNPROOF_BROWSER=1 $(PYTHON) -m pytest tests/test_browser.py -q

clean:
	rm -rf $(VENV) results/*.html results/*.xml results/*.json results/*.md results/*.svg results/matrix
