"""The suite as a whole, as its users meet it: dependency names checked before any test runs, every keyword
documented, the verdict readable in report.html and output.xml, partial selections and plan-only runs honest, and two
suites on one machine independent of each other."""

from __future__ import annotations

import contextlib
import re
import importlib
import inspect
import subprocess
from pathlib import Path

import psycopg2
import pytest
from robot.api import ExecutionResult
from robot.libdoc import LibraryDocumentation

from conftest import ROOT
from runproof.criteria import CRITERIA, OTHER_TAGS
from runproof.robot_hooks.robot_command import ARGUMENT_FILE, robot_command, robot_environment
from matrix import Mutant, prepare
from test_hostile import SUITE_BOUND, mutated, run_suite

LIBRARIES = sorted(f"runproof.keywords.{path.stem}" for path in (ROOT / "libraries/runproof/keywords").glob("*.py")
                   if path.stem != "__init__")
assert LIBRARIES, "no keyword library found: the parametrized tests below would pass on nothing"


def suite_copy(tmp_path: Path) -> Path:
    """A copy of the suite in which one file can be edited (the matrix's own suite copy, with no edit)."""
    return prepare(Mutant(name="suite-copy", defect="an unchanged copy", root="suite"), tmp_path / "copy")[1]


def count_runs(url: str) -> int:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM runs")
        return cur.fetchone()[0]


@pytest.mark.suite_run
def test_a_misspelled_dependency_stops_the_run_before_any_test_with_one_line_naming_it(tmp_path, database_url):
    copy = suite_copy(tmp_path)
    preconditions = copy / "suites" / "00__preconditions.robot"
    text = preconditions.read_text()
    assert text.count("Depends On Test    Local DB Is Reachable\n") == 1
    preconditions.write_text(text.replace("Depends On Test    Local DB Is Reachable\n", "Depends On Test    Local DB Is Rechable\n"))
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, suites=copy / "suites")
    line = "unknown test 'Local DB Is Rechable' in Depends On Test of test 'Local DB Is Migrated To Head'"
    assert run.rc != 0
    assert f"runproof: {line}" in run.stderr.splitlines(), run.stderr
    tests = run.tests
    assert tests and all(t.status == "FAIL" and t.message.endswith(line) for t in tests)
    assert all(not t.body for t in tests), "a test body ran although the dependencies were wrong"
    assert count_runs(database_url) == 0
    assert line in run.evidence["stop_reason"]


@pytest.mark.suite_run
def test_a_dependency_on_an_unknown_suite_is_an_error_too(tmp_path, database_url):
    copy = suite_copy(tmp_path)
    cli = copy / "suites" / "02__customer_cli_run.robot"
    cli.write_text(cli.read_text().replace("Depends On Suite    §0 Scope And Preconditions", "Depends On Suite    Preconditions"))
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, suites=copy / "suites")
    assert run.rc != 0 and "runproof: unknown suite 'Preconditions' in Depends On Suite of test" in run.stderr


@pytest.mark.parametrize("module", LIBRARIES)
def test_every_python_keyword_is_documented_with_an_example(module):
    imported = importlib.import_module(module)
    classes = [cls for _, cls in inspect.getmembers(imported, inspect.isclass)
               if cls.__module__ == module and hasattr(cls, "ROBOT_LIBRARY_SCOPE")]
    assert len(classes) == 1, f"{module} should hold exactly one keyword library"
    library = LibraryDocumentation(f"{module}.{classes[0].__name__}")
    assert library.doc.strip(), f"{module}: the library itself has no documentation"
    for kw in library.keywords:
        assert kw.doc.strip(), f"{module}: keyword '{kw.name}' has no documentation"
        assert "Example" in kw.doc, f"{module}: keyword '{kw.name}' shows no example"


def test_tag_documentation_quotes_the_criteria():
    lines = ARGUMENT_FILE.read_text().splitlines()
    for tag, text in {**CRITERIA, **OTHER_TAGS}.items():
        assert f"--tagdoc {tag}:{text}" in lines, tag


@pytest.mark.suite_run
def test_report_and_output_xml_tell_the_verdict(tmp_path, database_url):
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url})
    assert run.rc == 0, [f"{t.name}: {t.message}" for t in run.tests if t.status != "PASS"]
    suite = ExecutionResult(str(run.outdir / "output.xml")).suite
    assert suite.name == "Run Proof Test Plan v4"
    assert [child.name for child in suite.suites][:6] == [
        "§0 Scope And Preconditions", "§1 Static Verification", "§2 Customer CLI Run", "§3 Run Record Validation",
        "§4 RunProofCoordinator Validation", "§5 Coordinator Tests"]
    assert suite.metadata["Result"].startswith("PASS")
    assert suite.metadata["First failure"] == "none"
    assert suite.metadata["AC4"].startswith("AC4: PASS — integrity_model=HASH_CHAIN, verification_status=VERIFIED")
    for ac in CRITERIA:
        assert suite.metadata[ac].startswith(f"{ac}: PASS — "), suite.metadata[ac]
    for test in suite.all_tests:
        if any(test.tags.match(ac) for ac in CRITERIA):
            assert test.status == "PASS" and test.message.strip(), f"{test.name} passed without saying on what value"
    assert not any(t.tags.match("AC4") and t.tags.match("policy") for t in suite.all_tests)
    assert (run.outdir / "xunit.xml").is_file() and (run.outdir / "report.html").is_file()
    with contextlib.closing(psycopg2.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = "
                    "current_schema() AND table_name IN ('runs', 'aos_traces', 'aos_trace_steps')")
        columns = {name for (name,) in cur.fetchall()}
    rules = run.evidence["rules"]
    assert columns <= set(rules), f"columns with no entry in evidence.json rules: {columns - set(rules)}"
    assert all(rules[name]["status"] in ("PASS", "NOT CHECKED") for name in rules), "a healthy run breaks no rule"
    unruled = [name for name, rule in rules.items() if rule["rule"] == "no rule"]
    assert unruled == [], "a column or document field of the reference has no rule (issue 31)"
    assert {"runs.plan_json.step.depends_on", "runs.tool_calls_json.result", "aos_traces.metadata.duration_ms",
            "aos_trace_steps.outcome_data.status"} <= set(rules), "the documents' fields are judged"
    for field in ("coordinator.root_hash", "coordinator.trace.trace_id", "coordinator.step.status", "cli.duration"):
        assert rules[field]["status"] == "PASS", field
    last = run.stdout.strip().splitlines()[-8:]
    assert last[0].startswith("Run Proof Test Plan v4: PASS") and last[-2] == f"Evidence: {run.outdir / 'evidence.md'}"
    assert [line.split(":")[0].strip() for line in last[1:6]] == list(CRITERIA)
    assert last[-1] == f"Green (exit code 0): all {len(run.tests)} tests ran and passed"


@pytest.mark.suite_run
def test_a_failed_run_says_its_first_failure_at_the_top(tmp_path, database_url):
    sut = mutated(tmp_path, "coordinator_hash_differs")
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, variables={"SUT_ROOT": str(sut)})
    suite = ExecutionResult(str(run.outdir / "output.xml")).suite
    assert run.rc != 0 and suite.metadata["Result"].startswith("FAIL")
    assert suite.metadata["First failure"].startswith("Coordinator Tests Pass: the coordinator tests failed")
    assert suite.metadata["AC5"].startswith("AC5: FAIL — Coordinator Tests Pass: ")


@pytest.mark.suite_run
def test_the_plan_only_run_makes_no_neighbour_run(tmp_path, database_url):
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, options=("--exclude", "beyond-plan"))
    assert run.rc == 0, [f"{t.name}: {t.message}" for t in run.tests if t.status != "PASS"]
    assert run.evidence["result"] == "PASS" and run.evidence["plan_complete"]
    assert count_runs(database_url) == 1, "a plan-only run must make exactly the plan's one run"


@pytest.mark.suite_run
def test_a_partial_selection_is_never_a_pass(tmp_path, database_url):
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, options=("--include", "AC1"))
    evidence = run.evidence
    assert evidence["result"] == "PARTIAL" and not evidence["plan_complete"]
    assert evidence["acceptance"]["AC5"] == "NOT RUN"
    # its CLI test depends on §0, which was not selected: run_selection added §0 as prerequisites
    assert evidence["acceptance"]["AC1"] == "PASS" and run.rc == 0
    assert "Local DB Is Reachable" in {each["name"] for each in evidence["prerequisites_added"]}


@pytest.mark.suite_run
def test_two_suites_on_one_machine_do_not_see_each_others_sqlite_fallback(tmp_path, postgres):
    """A suite against a backend that falls back to SQLite, and a healthy one, at the same time: the healthy one
    stays green (each watches the SQLite file private to its own run)."""
    sut = mutated(tmp_path, "coordinator_reads_sqlite")
    runs = {}
    for name, root in (("healthy", ROOT / "reference"), ("fallback", sut)):
        url = postgres.create_database(f"twin_{name}")
        from runproof.target.throwaway_postgres import migrate

        migrate(url, root / "backend")
        outdir = tmp_path / name
        command = robot_command(outdir, {"SUT_ROOT": str(root)}, "--console", "none")
        runs[name] = (outdir, subprocess.Popen(command, env=robot_environment(DATABASE_URL=url), stdout=subprocess.DEVNULL,
                                               stderr=subprocess.PIPE, text=True))
    for outdir, process in runs.values():
        process.wait(timeout=SUITE_BOUND * 2)
    healthy = ExecutionResult(str(runs["healthy"][0] / "output.xml")).suite
    assert runs["healthy"][1].returncode == 0, [f"{t.name}: {t.message}" for t in healthy.all_tests if t.status != "PASS"]
    fallback = {t.name: t for t in ExecutionResult(str(runs["fallback"][0] / "output.xml")).suite.all_tests}
    assert fallback["No SQLite Trace File Was Created Or Changed"].status == "FAIL"


@pytest.mark.parametrize("module", LIBRARIES)
def test_every_library_renders_with_libdoc_in_the_format_its_docstrings_are_written_in(module, tmp_path):
    """One version and one documentation format for every library (libraries/runproof/__init__.py), and libdoc renders each."""
    from robot.libdoc import libdoc

    from runproof import DOC_FORMAT, VERSION

    imported = importlib.import_module(module)
    (cls,) = [c for _, c in inspect.getmembers(imported, inspect.isclass)
              if c.__module__ == module and hasattr(c, "ROBOT_LIBRARY_SCOPE")]
    assert (cls.ROBOT_LIBRARY_VERSION, cls.ROBOT_LIBRARY_DOC_FORMAT) == (VERSION, DOC_FORMAT)
    assert cls.__name__ == "".join(part.title() for part in module.rsplit(".", 1)[1].split("_")), "a library is named after its module"
    out = tmp_path / f"{module.rsplit('.', 1)[1]}.html"
    assert libdoc(f"{module}.{cls.__name__}", str(out), quiet=True) == 0
    assert out.stat().st_size > 0


def test_no_suite_decides_not_reached_by_itself():
    """"Not reached" is decided in one place (`Run Fact` / `Depends On …` in run_facts.py): no Skip in a suite or
    resource, and no test body reads or sets a fact itself."""
    for path in [*(ROOT / "suites").glob("*.robot"), *(ROOT / "resources").glob("*.resource")]:
        text = path.read_text()
        assert not re.search(r"^\s+Skip( If)?\s", text, re.M), f"{path.name} skips a test by itself"
    for path in (ROOT / "suites").glob("*.robot"):
        body = path.read_text().split("*** Test Cases ***", 1)[-1]
        for plumbing in ("Run Fact", "Set Run Fact", "Record Evidence", "TRY", "${{", "col="):
            assert plumbing not in body, f"a test of {path.name} carries plumbing: {plumbing}"


def test_robocop_disables_no_rule_without_saying_why():
    for line in (ROOT / "robocop.toml").read_text().splitlines():
        if re.match(r'\s+"[A-Z]+\d+",', line):
            assert "#" in line, f"robocop rule switched off without a reason: {line.strip()}"


@pytest.mark.suite_run
@pytest.mark.parametrize("options, source", [
    ((), "the earlier neighbour run (agent *, without a tenant): AGENT_ID's tenant is TENANT_ID"),
    (("--exclude", "beyond-plan"), "could not be told apart: AGENT_ID's tenant is TENANT_ID and no neighbour run *"),
])
def test_a_given_agent_of_the_runs_own_tenant_has_the_tenants_source_proven_elsewhere(tmp_path, backend, options, source):
    """With a user's AGENT_ID whose tenant is TENANT_ID, the proof run cannot show that its tenant came from
    --tenant-id: a neighbour with an agent the suite made without a tenant shows it, or the evidence says it could
    not be told apart."""
    import fnmatch

    tenant = "tenant-of-the-given-agent"
    made = backend.cli("create-agent", "--name", "given", "--tenant-id", tenant)
    agent = made.stdout.strip().split(": ", 1)[1]
    run = run_suite(tmp_path, env={"DATABASE_URL": backend.env["DATABASE_URL"]},
                    variables={"AGENT_ID": agent, "TENANT_ID": tenant}, options=options)
    assert run.rc == 0, [f"{t.name}: {t.message}" for t in run.tests if t.status != "PASS"]
    assert run.evidence["agent"] == {"id": agent, "tenant_id": tenant, "made_by": "AGENT_ID"}
    assert fnmatch.fnmatchcase(run.evidence["tenant_source"], source), run.evidence["tenant_source"]


