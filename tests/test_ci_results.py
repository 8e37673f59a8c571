"""Results every CI reads (issue 33, items 1, 2 and 4): junit.xml valid against Jenkins' junit-4.xsd and read back
with its reasons, after a run and after a merge; the verdict in a GitHub job summary; no stale verdict when the
results folder cannot be written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import xmlschema
from junitparser import Failure, JUnitXml

from conftest import ROOT
from runproof.criteria import CRITERIA
from test_exit_code_is_proof import CLI_RUN, FAILS_WHILE_MARKED, rerun_and_merge
from test_hostile import SUITE_BOUND, row_counts, run_suite
from matrix import Mutant, prepare

# Whole suite runs: spread over pytest-xdist's workers, left out of `make test-fast`.
pytestmark = pytest.mark.suite_run

SCHEMA = ROOT / "tests" / "schemas" / "junit-4.xsd"
SECTIONS = 8  # suites/0*__*.robot: one <testsuite> per plan section


def read_junit(path: Path) -> JUnitXml:
    """junit.xml valid against junit-4.xsd, as a JUnit reader (junitparser) reads it."""
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(path))
    xml = JUnitXml.fromfile(str(path))
    assert xml._elem.tag == "testsuites"
    return xml


def cases(xml: JUnitXml) -> dict[str, list]:
    return {case.name: list(case.result) for suite in xml for case in suite}


def properties(xml: JUnitXml) -> list[dict[str, str]]:
    return [{prop.name: prop.value for prop in suite.properties()} for suite in xml]


def test_the_schema_is_kept_with_its_licence():
    text = SCHEMA.read_text()
    assert "MIT License" in text and "Copyright (c) 2010 Thales Corporate Services SAS" in text


@pytest.fixture
def flaky_backend(tmp_path) -> Path:
    return prepare(Mutant(name="fails-while-marked", defect="fails while a marker exists", edits=[FAILS_WHILE_MARKED]),
                   tmp_path / "sut")[0]


def test_junit_of_a_failing_run_its_rerun_and_their_merge(tmp_path, database_url, flaky_backend):
    (rc1, ev1), (rc2, ev2), (rc3, merged) = rerun_and_merge(tmp_path, database_url, tmp_path / "marker",
                                                            flaky_backend, keep_failing=False)
    assert rc1 > 1 and rc2 == 0 and rc3 == 0

    # The failing run: the cause with its reason as text and message; the tests it left unreached grouped under it.
    first = read_junit(tmp_path / "first" / "junit.xml")
    assert len(list(first)) == SECTIONS
    assert int(first.failures) == rc1 and int(first.tests) == len(ev1["tests"])
    results = cases(first)
    failures = {name: result[0] for name, result in results.items() if result and isinstance(result[0], Failure)}
    assert len(failures) == rc1
    cause = failures[CLI_RUN]
    assert cause.type == "cause 1" and cause.message.startswith("2 rule(s) broken: runs.status: expected 'succeeded', observed ")
    assert cause.text.startswith(cause.message) and ev1["first_failure"] == f"{CLI_RUN}: {cause.message}"
    unreached = [f for name, f in failures.items() if f.type == "not reached"]
    assert len(unreached) == len([t for t in ev1["tests"] if t["status"] == "NOT REACHED"]) > 10
    assert {f.message for f in unreached} == {f"not reached — follows cause 1: {ev1['causes'][0]['message']} [{CLI_RUN}]"}
    assert all(f.text.startswith("not reached: ") for f in unreached)
    assert all(f.message and f.text for f in failures.values()), "every failure carries its reason as text and message"
    for props in properties(first):
        assert props["Result"] == ev1["result_line"] and props["Cause 1"] == ev1["cause_lines"][0]
        assert all(props[ac].startswith(f"{ac}: {ev1['acceptance'][ac]}") for ac in CRITERIA)

    # The rerun: every test it ran passed.
    rerun = read_junit(tmp_path / "rerun" / "junit.xml")
    assert int(rerun.failures) == 0 and all(not result for result in cases(rerun).values())
    assert properties(rerun)[0]["Result"].startswith("PARTIAL")

    # The merge: written by rebot (merged_verdict), the verdict the merged one.
    merge = read_junit(tmp_path / "merged" / "junit.xml")
    assert len(list(merge)) == SECTIONS and int(merge.tests) == len(ev1["tests"]) and int(merge.failures) == 0
    assert all(props["Result"].startswith("PASS") for props in properties(merge))
    assert all(props[ac].startswith(f"{ac}: PASS") for props in properties(merge) for ac in CRITERIA)


def test_junit_of_a_merge_of_runs_against_different_code_names_the_reason(tmp_path, database_url, flaky_backend):
    (rc1, _), (rc2, _), (rc3, merged) = rerun_and_merge(tmp_path, database_url, tmp_path / "marker", flaky_backend,
                                                        keep_failing=True, rerun_sut=ROOT / "reference")
    assert rc3 > 0
    merge = read_junit(tmp_path / "merged" / "junit.xml")
    failures = [result[0] for result in cases(merge).values() if result]
    assert failures and all("whose code differs, or cannot be shown to be the same" in f.message for f in failures)
    assert all(f.text and f.message in f.text for f in failures)
    assert properties(merge)[0]["Result"].startswith("FAIL")


def test_runproof_junit_writes_the_same_file_from_any_output_xml(tmp_path, database_url):
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, variables={"TENANT_ID": ""})
    written = (run.outdir / "junit.xml").read_text()
    script = Path(sys.executable).with_name("runproof-junit")
    done = subprocess.run([str(script), str(run.outdir / "output.xml"), "--junit", str(tmp_path / "again.xml")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    again = read_junit(tmp_path / "again.xml")
    assert (tmp_path / "again.xml").read_text() == written
    assert int(again.failures) == run.rc
    bad = subprocess.run([str(script), str(tmp_path / "missing.xml")], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1


def test_the_github_step_summary_holds_the_verdict_and_the_criteria(tmp_path, database_url):
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url, "GITHUB_STEP_SUMMARY": str(summary)},
                    variables={"TENANT_ID": ""})
    text = summary.read_text()
    assert text.startswith("earlier step\n"), "appended, not replaced"
    assert f"**Result:** {run.evidence['result_line']}" in text
    assert f"**Cause:** {run.evidence['cause_lines'][0]}" in text
    assert "| # | Criterion | Result | Tests |" in text
    for ac in CRITERIA:
        assert f"| {ac} | " in text and f"| {run.evidence['acceptance'][ac]} |" in text


def test_an_artefact_that_cannot_be_written_stops_the_run_in_one_line_and_no_earlier_pass_remains(
        tmp_path, database_url):
    outdir = tmp_path / "results"
    outdir.mkdir()
    earlier = {"result": "PASS", "result_line": "PASS — 49 tests passed", "run_id": "earlier-run", "tests": []}
    (outdir / "evidence.json").write_text(json.dumps(earlier))
    (outdir / "evidence.md").mkdir()  # cannot be replaced by a file, also for root
    (outdir / "evidence.md" / "keep").write_text("x")
    before = row_counts(database_url)
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, outdir=outdir)
    assert run.rc != 0 and run.seconds < SUITE_BOUND
    said = [line for line in run.stderr.splitlines() if line.startswith("runproof: ")]
    assert len(said) == 1 and f"cannot write {outdir / 'evidence.md'}" in said[0], run.stderr
    evidence = json.loads((outdir / "evidence.json").read_text())
    assert evidence["result"] == "FAIL" and "earlier-run" not in (outdir / "evidence.json").read_text()
    assert "PASS —" not in run.stdout and "Green" not in run.stdout
    assert all(t.status == "FAIL" for t in run.tests)
    assert row_counts(database_url) == before
