"""Hostile conditions: the whole suite, run as CI would run it, against bad input, faults and secrets.

For every case: a non-zero exit within the configured timeouts; the first failing test says what is wrong in one
line; evidence.md and evidence.json are written with the stop reason and null for what was not reached; nothing
was written to the target database; no password lands in results/; no child process outlives the suite.
Every run is at `--loglevel TRACE` with canaries planted in its environment (a CI job's token, PGPASSWORD, …): no
canary, nor a 6-character fragment of one, may reach any file under results/ (log.html and report.html with their
compressed strings decoded) or the console (tests/canaries.py, issue 20).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest
from robot.api import ExecutionResult

from canaries import artefact_texts, assert_no_leak, canary, environment_canaries, leaks
from conftest import REFERENCE_BACKEND, ROOT
from runproof.criteria import CRITERIA
from runproof.evidence.report import RECORD, TEMPLATE
from runproof.robot_hooks.robot_command import robot_command, robot_environment
from runproof.target.throwaway_postgres import free_port, migrate

from matrix import Mutant, load_catalog, prepare

# Every test here is a whole suite run against a hostile setting: `make test-fast` leaves them out.
pytestmark = pytest.mark.suite_run

SUITE_BOUND = 60  # seconds: every case below ends far inside the configured timeouts
PASSWORD_IN_URL = re.compile(r"postgres(?:ql)?://[^:@/\s\"']+:(?!\*\*\*@)[^@\s\"']+@")
# Tables a backend command (create-agent, the plan's run and its two neighbours) writes; the suite writes nowhere.
PRODUCT_TABLES = {"agents", "runs", "aos_traces", "aos_trace_steps"}
PRODUCT_RUNS = 3  # the proof run and the two neighbour runs (beyond-plan checks are on by default)
HEADER_FIELDS = ("Result", "Started", "Generated", "Backend", "Backend Python", "Database", "Tenant ID", "Origin System ID")


@dataclass
class SuiteRun:
    rc: int
    seconds: float
    stderr: str
    outdir: Path
    stdout: str = ""
    planted: dict[str, str] = field(default_factory=dict)

    @property
    def tests(self) -> list:
        return list(ExecutionResult(str(self.outdir / "output.xml")).suite.all_tests)

    @property
    def first_failure(self):
        return next(t for t in self.tests if t.status == "FAIL" and not t.message.startswith("not reached"))

    @property
    def evidence(self) -> dict:
        return json.loads((self.outdir / "evidence.json").read_text())


def row_counts(url: str) -> dict[str, int]:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
        tables = [row[0] for row in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cur.fetchone()[0]
        return counts


def processes_under(path: Path) -> list[str]:
    """Processes whose working directory or command line is inside `path`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            cwd = os.readlink(proc / "cwd")
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if cwd.startswith(str(path)) or str(path) in cmdline:
                found.append(f"{proc.name}: {cmdline.strip()}")
    return found


def run_suite(tmp_path: Path, *, env: dict[str, str] | None = None, variables: dict[str, str] | None = None,
              outdir: Path | None = None, options: tuple[str, ...] = (), suites: Path = ROOT / "suites") -> SuiteRun:
    outdir = outdir or tmp_path / "results"
    command = robot_command(outdir, variables, "--console", "quiet", "--loglevel", "TRACE", *options, suites=suites)
    planted = environment_canaries()
    started = time.monotonic()
    result = subprocess.run(command, env=robot_environment(DATABASE_URL=None) | planted | (env or {}),
                            capture_output=True, text=True, timeout=SUITE_BOUND * 3)
    return SuiteRun(result.returncode, time.monotonic() - started, result.stderr, outdir, result.stdout, planted)


def assert_evidence_renders(outdir: Path) -> None:
    """evidence.md, rendered by a CommonMark parser: every header, §2 and §7 field present as its own field, and no
    code span that swallowed what follows it (an empty value once turned "Backend:" into "**Backend Python:**")."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render((outdir / "evidence.md").read_text())
    for code_span in re.findall(r"<code>(.*?)</code>", html, re.S):
        assert "<strong>" not in code_span and not re.search(r"\*\*[A-Z][\w ]*:\*\*", code_span), code_span
    labels = [*HEADER_FIELDS, *(label for _, label in RECORD), *(label for _, label in TEMPLATE)]
    for label in labels:
        assert html.count(f"<strong>{label}:</strong>") >= 1, f"evidence.md has no field {label!r}"
    for section in ("2. Customer CLI Run — Record", "7. Output Template", "6. Acceptance Criteria"):
        assert f"<h2>{section}</h2>" in html, section


def assert_clean_stop(run: SuiteRun, failing_test: str, says: str, secrets: tuple[str, ...] = ()) -> None:
    assert run.rc != 0, "the suite must exit non-zero"
    assert run.seconds < SUITE_BOUND, f"the suite took {run.seconds:.0f}s"
    first = run.first_failure
    assert first.name == failing_test, f"first failure was {first.name}: {first.message}"
    assert "\n" not in first.message.strip(), f"not one line: {first.message!r}"
    assert says in first.message, first.message
    evidence = run.evidence
    assert evidence["result"] == "FAIL" and says in evidence["stop_reason"]
    markdown = (run.outdir / "evidence.md").read_text()
    causes = [line for line in markdown.splitlines() if line.startswith("**Cause:**")]
    assert causes and says in causes[0], f"evidence.md does not open with the cause: {causes}"
    assert len(causes) == len(evidence["causes"]), "one Cause line per independent cause"
    assert_evidence_renders(run.outdir)
    assert_nothing_leaked(run, secrets)
    assert not processes_under(run.outdir.parent), "child processes outlived the suite"


def assert_nothing_leaked(run: SuiteRun, secrets: tuple[str, ...] = ()) -> None:
    """No database URL with its password, and no given secret (random: a word in a password is masked wherever it
    appears) nor planted canary, nor a 6-character fragment of one, in any artefact — compressed strings decoded —
    or on the console."""
    for name, text in {**artefact_texts(run.outdir), "(console)": run.stdout + run.stderr}.items():
        assert not PASSWORD_IN_URL.search(text), f"a database URL with its password is in {name}"
    assert_no_leak(run.outdir, [*run.planted.values(), *secrets], console=run.stdout + run.stderr)


@pytest.fixture
def sut(tmp_path) -> Path:
    """A private copy of the reference, so that processes started from it can be found by their directory."""
    return prepare(Mutant(name="copy", defect="an unchanged copy"), tmp_path / "sut")[0]


@pytest.fixture
def base(tmp_path, sut, database_url, http_call_answer) -> dict:
    return {"env": {"DATABASE_URL": database_url}, "variables": {"SUT_ROOT": str(sut), "CLI_TIMEOUT": "20s"}}


def test_the_healthy_reference_passes_with_nothing_leaked(tmp_path, base, postgres):
    run = run_suite(tmp_path, **base)
    assert run.rc == 0, [f"{t.name}: {t.message}" for t in run.tests if t.status != "PASS"]
    assert run.evidence["acceptance"] == dict.fromkeys(CRITERIA, "PASS")
    assert all(run.evidence[key] is not None for key in ("run_id", "root_hash", "trace_step_count", "pytest"))
    assert_nothing_leaked(run, (postgres.password,))
    assert_evidence_renders(run.outdir)


@contextlib.contextmanager
def another_client_writing(url: str, period: float = 0.05):
    """A second client of a shared database, writing all through the run: agents of other tenants and of none, and
    runs (with their traces' tables untouched) of other tenants. Yields the list of ids it wrote."""
    import threading

    written: list[str] = []
    stop = threading.Event()

    def write() -> None:
        with contextlib.closing(psycopg2.connect(url)) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                while not stop.wait(period):
                    agent, tenant = str(uuid.uuid4()), (str(uuid.uuid4()) if len(written) % 2 else None)
                    cur.execute("INSERT INTO agents (id, name, tenant_id) VALUES (%s, 'another client', %s)",
                                (agent, tenant))
                    cur.execute("INSERT INTO runs (id, agent_id, goal, tenant_id, origin_system_id) "
                                "VALUES (%s, %s, 'another client', %s, 'another-client')",
                                (str(uuid.uuid4()), agent, str(uuid.uuid4())))
                    written.append(agent)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield written
    finally:
        stop.set()
        writer.join(timeout=10)


def test_a_busy_shared_database_blames_nothing_on_the_product(tmp_path, base, database_url):
    """Issue 31 item 6: effects are attributed by key and tenant, never by global counts — agents and runs another
    client writes to the same database while the suite runs are no finding about the product."""
    with another_client_writing(database_url) as written:
        run = run_suite(tmp_path, **base)
    assert len(written) > 20, "the other client wrote too little to prove anything"
    assert run.rc == 0, [f"{t.name}: {t.message}" for t in run.tests if t.status != "PASS"]


def test_refused_port(tmp_path, base, database_url):
    before = row_counts(database_url)
    password = canary()
    url = f"postgresql://runproof:{password}@127.0.0.1:{free_port()}/runproof"
    run = run_suite(tmp_path, env={"DATABASE_URL": url}, variables=base["variables"])
    assert_clean_stop(run, "Local DB Is Reachable", "refused the connection — is PostgreSQL running? set DATABASE_URL",
                      secrets=(password,))
    assert run.evidence["run_id"] is None and run.evidence["root_hash"] is None
    assert row_counts(database_url) == before


def test_listener_that_never_answers(tmp_path, base):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        password = canary()
        url = f"postgresql://runproof:{password}@127.0.0.1:{silent.getsockname()[1]}/runproof"
        run = run_suite(tmp_path, env={"DATABASE_URL": url}, variables={**base["variables"], "DB_CONNECT_TIMEOUT": "2"})
    assert_clean_stop(run, "Local DB Is Reachable", "did not answer within 2s", secrets=(password,))


def test_wrong_password_given_as_a_plain_command_line_variable(tmp_path, base, database_url):
    before = row_counts(database_url)
    password = canary()
    wrong = database_url.replace(database_url.split(":")[2].split("@")[0], password)
    run = run_suite(tmp_path, variables={**base["variables"], "DATABASE_URL": wrong})
    assert_clean_stop(run, "Local DB Is Reachable", "rejected the password of user 'runproof'", secrets=(password,))
    assert row_counts(database_url) == before


def test_malformed_database_url(tmp_path, base):
    password = canary()
    url = f"postgresql://runproof:{password}@127.0.0.1:notaport/runproof"
    run = run_suite(tmp_path, env={"DATABASE_URL": url}, variables=base["variables"])
    assert_clean_stop(run, "The Target Is Configured", "DATABASE_URL is malformed: the port is not a number",
                      secrets=(password,))


def test_database_one_revision_behind_head(tmp_path, base, postgres):
    url = postgres.create_database(f"behind_{uuid.uuid4().hex[:8]}")
    migrate(url, REFERENCE_BACKEND, revision="002_aos_traces")
    before = row_counts(url)
    run = run_suite(tmp_path, env={"DATABASE_URL": url}, variables=base["variables"])
    assert_clean_stop(run, "Local DB Is Migrated To Head",
                      "the database is at revision '002_aos_traces', the head is '003_s6_trace_completion_allowed'",
                      secrets=(postgres.password,))
    assert row_counts(url) == before


def test_empty_database(tmp_path, base, postgres):
    url = postgres.create_database(f"empty_{uuid.uuid4().hex[:8]}")
    run = run_suite(tmp_path, env={"DATABASE_URL": url}, variables=base["variables"])
    assert_clean_stop(run, "Local DB Is Migrated To Head", "has no alembic_version table (never migrated)",
                      secrets=(postgres.password,))
    assert row_counts(url) == {}


@pytest.mark.parametrize(("sut_root", "says"), [
    ("/nonexistent/backend-checkout", "SUT_ROOT '/nonexistent/backend-checkout' does not exist"),
    ("{tmp}", "is not a backend"),
])
def test_sut_root_missing_or_not_a_backend(tmp_path, base, database_url, sut_root, says):
    before = row_counts(database_url)
    run = run_suite(tmp_path, env=base["env"], variables={**base["variables"], "SUT_ROOT": sut_root.format(tmp=tmp_path)})
    assert_clean_stop(run, "The Target Is Configured", says)
    assert row_counts(database_url) == before


def test_backend_python_missing(tmp_path, base, database_url):
    before = row_counts(database_url)
    run = run_suite(tmp_path, env=base["env"], variables={**base["variables"], "BACKEND_PYTHON": "/nonexistent/python3"})
    assert_clean_stop(run, "The Target Is Configured", "BACKEND_PYTHON '/nonexistent/python3' is not an executable")
    assert row_counts(database_url) == before


def test_backend_python_without_the_backends_dependencies(tmp_path, base, database_url):
    bare = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    before = row_counts(database_url)
    run = run_suite(tmp_path, env=base["env"], variables={**base["variables"], "BACKEND_PYTHON": str(bare / "bin/python")})
    # The product's own create-agent fails first, naming the interpreter as configuration; nothing is written.
    assert_clean_stop(run, "Customer CLI Creates A Run With Explicit Tenant And Origin",
                      "cus_cli create-agent failed (exit 1): ModuleNotFoundError: No module named 'psycopg2' — does "
                      f"BACKEND_PYTHON ({bare / 'bin/python'}) have the backend's dependencies?")
    # The suite's own instrument (coverage.py, beyond plan §5) is named as configuration, never as AC5 (issue 31).
    coverage = next(t for t in run.tests if t.name == "The Backend's Interpreter Has Coverage For The Coordinator Tests")
    assert coverage.status == "FAIL" and coverage.message.startswith("configuration: coverage.py is not importable")
    assert row_counts(database_url) == before


def test_unknown_agent_id(tmp_path, base, database_url):
    before = row_counts(database_url)
    agent = str(uuid.uuid4())
    run = run_suite(tmp_path, env=base["env"], variables={**base["variables"], "AGENT_ID": agent})
    assert_clean_stop(run, "Customer CLI Creates A Run With Explicit Tenant And Origin",
                      f"AGENT_ID {agent} is not in the agents table")
    assert row_counts(database_url) == before


@pytest.mark.parametrize(("tenant", "says"), [
    ("", "TENANT_ID is empty"),
    ("tenant with spaces; DROP TABLE runs", "is malformed"),
])
def test_empty_or_malformed_tenant_id(tmp_path, base, database_url, tenant, says):
    before = row_counts(database_url)
    run = run_suite(tmp_path, env=base["env"], variables={**base["variables"], "TENANT_ID": tenant})
    assert_clean_stop(run, "The Target Is Configured", says)
    assert row_counts(database_url) == before


def mutated(tmp_path: Path, name: str) -> Path:
    mutant = next(m for m in load_catalog() if m.name == name)
    return prepare(mutant, tmp_path / "mutant")[0]


def assert_only_the_products_commands_wrote(url: str, before: dict[str, int]) -> None:
    after = row_counts(url)
    changed = {t for t in after if after[t] != before.get(t)}
    assert changed <= PRODUCT_TABLES, f"tables changed outside the product's commands: {changed - PRODUCT_TABLES}"
    assert all(after[t] - before.get(t, 0) <= PRODUCT_RUNS for t in changed), (
        f"more than the plan's run and its neighbours: {after} vs {before}")


def test_cli_that_never_returns(tmp_path, base, database_url):
    """The proof run itself hangs (plan-only: no earlier neighbour hangs first, tests/test_exit_code_is_proof.py)."""
    before = row_counts(database_url)
    sut = mutated(tmp_path, "run_halted_cli_hangs")
    run = run_suite(tmp_path, env=base["env"], variables={**base["variables"], "SUT_ROOT": str(sut), "CLI_TIMEOUT": "5s"},
                    options=("--exclude", "beyond-plan"))
    assert_clean_stop(run, "Customer CLI Creates A Run With Explicit Tenant And Origin",
                      "the customer CLI did not return within 5s")
    assert "is 'halted' in the database" in run.first_failure.message
    assert run.evidence["run_status"] == "halted" and run.evidence["run_id"]
    assert not processes_under(sut), "the hanging CLI outlived the suite"
    assert_only_the_products_commands_wrote(database_url, before)


def test_coordinator_probe_that_crashes(tmp_path, base, database_url):
    before = row_counts(database_url)
    sut = mutated(tmp_path, "coordinator_snippet_crashes")
    run = run_suite(tmp_path, env=base["env"], variables={**base["variables"], "SUT_ROOT": str(sut)})
    assert_clean_stop(run, "Coordinator Snippet Runs Against The Run", "the coordinator probe failed (exit 1): TypeError")
    assert run.evidence["integrity_model"] is None and run.evidence["root_hash"] is None
    assert_only_the_products_commands_wrote(database_url, before)


@pytest.mark.parametrize(("edit", "failing_test", "says"), [
    ({"file": "backend/app/hoc/cus/hoc_spine/orchestrator/coordinators/run_proof_coordinator.py",
      "old": "import hashlib\n", "new": "import hashlib\nimport os\n\nos._exit(3)\n"},
     "Coordinator Snippet Runs Against The Run", "the coordinator probe crashed (exit 3): no output"),
    ({"file": "backend/app/skills/__init__.py", "old": "_REGISTRY: dict[str, type] = {}\n",
      "new": "import nosuchdependency  # noqa: F401\n_REGISTRY: dict[str, type] = {}\n"},
     "Skill Registry Includes http_call", "No module named 'nosuchdependency' — does BACKEND_PYTHON"),
], ids=["probe-dies-without-output", "list-skills-cannot-import"])
def test_backend_process_that_dies(tmp_path, base, database_url, edit, failing_test, says):
    before = row_counts(database_url)
    sut = prepare(Mutant(name="ad-hoc", defect=says, edits=[edit]), tmp_path / "mutant")[0]
    run = run_suite(tmp_path, env=base["env"], variables={**base["variables"], "SUT_ROOT": str(sut)})
    assert_clean_stop(run, failing_test, says)
    assert_only_the_products_commands_wrote(database_url, before)


def test_coordinator_test_file_missing_with_the_suites_own_database(tmp_path, base, private_tmp):
    sut = Path(base["variables"]["SUT_ROOT"])
    (sut / "backend/tests/test_run_introspection_coordinators.py").unlink()
    run = run_suite(tmp_path, variables=base["variables"], env={"TMPDIR": str(private_tmp)})
    assert_clean_stop(run, "Coordinator Tests Pass", "the backend has no coordinator tests")
    assert run.evidence["pytest"] == "fail" and run.evidence["root_hash"]
    assert not list(private_tmp.glob("runproof-pg-*")), "the suite's throwaway PostgreSQL was left behind"


def test_backend_whose_migrations_fail_on_the_suites_own_database(tmp_path, base, private_tmp):
    edit = {"file": "backend/alembic/versions/003_s6_trace_completion_allowed.py", "old": "    CREATE FUNCTION prevent_trace_step_update()",
            "new": "    CREATE FUNCTION no_such_syntax(\n    CREATE FUNCTION prevent_trace_step_update()"}
    sut = prepare(Mutant(name="ad-hoc", defect="broken migration", edits=[edit]), tmp_path / "mutant")[0]
    run = run_suite(tmp_path, variables={**base["variables"], "SUT_ROOT": str(sut)}, env={"TMPDIR": str(private_tmp)})
    assert_clean_stop(run, "The Target Is Configured", "alembic upgrade head failed in")
    assert "syntax error at or near" in run.first_failure.message
    assert not list(private_tmp.glob("runproof-pg-*")), "the suite's throwaway PostgreSQL was left behind"


def test_results_folder_not_writable(tmp_path, base, database_url):
    before = row_counts(database_url)
    blocker = tmp_path / "results"
    blocker.write_text("a file where the results folder should be")
    run = run_suite(tmp_path, env=base["env"], variables=base["variables"], outdir=blocker / "run")
    assert run.rc != 0 and run.seconds < SUITE_BOUND
    errors = [line for line in run.stderr.splitlines() if line.startswith("[ ERROR ]")]
    assert errors and str(blocker) in errors[0], run.stderr
    assert row_counts(database_url) == before
    assert not leaks({"(console)": run.stdout + run.stderr}, run.planted.values())
    assert not processes_under(tmp_path)
