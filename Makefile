# `make run` runs the suite against the reference backend; `make test` proves the project works.
# Both install what they need: a virtual environment from requirements.txt and the PostgreSQL server binaries.
VENV     ?= .venv
PYTHON   := $(VENV)/bin/python
ROBOT    := $(VENV)/bin/robot
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_FOUND := $(shell ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | head -n1; command -v initdb 2>/dev/null)

export ROBOT_OPTIONS ?= --outputdir results

.PHONY: setup postgres run test pytest lint dryrun suite mutants bench clean

setup: $(VENV)/.installed postgres

# Robot Framework does not read robot.toml (RobotCode does), so the venv carries the same settings: libraries/ on
# the path through a .pth file, and ROBOT_OPTIONS in bin/activate so that plain `robot suites/` writes to results/.
$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	echo "$(CURDIR)/libraries" > "$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/runproof-libraries.pth"
	grep -q ROBOT_OPTIONS $(VENV)/bin/activate || echo 'export ROBOT_OPTIONS="--outputdir results"' >> $(VENV)/bin/activate
	touch $@

postgres:
ifeq ($(strip $(PG_FOUND)),)
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null
endif

run: setup
	$(ROBOT) suites/

pytest: setup
	$(PYTHON) -m pytest tests -q
	cd reference/backend && PYTHONPATH=. ../../$(PYTHON) -m pytest tests/test_run_introspection_coordinators.py -q

lint: setup
	$(VENV)/bin/robocop check suites resources
	$(VENV)/bin/robocop format --check suites resources

dryrun: setup
	$(ROBOT) --dryrun --outputdir "$$(mktemp -d)" --output NONE --log NONE --report NONE suites/

suite: setup
	$(ROBOT) suites/

mutants: setup
	$(PYTHON) tests/mutants/matrix.py

bench: setup
	$(PYTHON) bench/bench.py

test: pytest lint dryrun suite mutants

clean:
	rm -rf $(VENV) results/*.html results/*.xml results/*.json results/*.md
