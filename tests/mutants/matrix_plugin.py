"""The defect matrix's pytest plugin (registered by tests/conftest.py): where the tests of the matrix record their
results, the session they belong to, and the judgement of the whole matrix at the end of an unsharded run.

Each test of tests/mutants/test_mutants.py records its run in --matrix-results (one JSON file per mutant, named by
it). The judgement of the whole matrix — every check made to fail by a mutant, every rule broken by one — needs every
mutant's result, so it cannot be a test that runs beside them on an xdist worker:
- in a run that is not a shard (no --splits), when this session recorded a result for every mutant of the catalog
  and for the healthy reference, the controller judges them as the session finishes and reports each judgement as
  a test case of judge_matrix.py (in the terminal, the JUnit file and the exit status) — `make mutants`, `make test`;
- a shard (--splits N --group k) only records; `pytest tests/mutants/judge_matrix.py --matrix-results DIR` judges
  the union of the shards' results, as CI's merge job does (docs/ci-matrix.md).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from _pytest.reports import TestReport

from matrix import CATALOG, ROOT, judge, load_catalog, read_records

RESULTS = ROOT / "results" / "matrix"
JUDGE = "tests/mutants/judge_matrix.py"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("runproof defect matrix").addoption(
        "--matrix-results", type=Path, default=Path(os.environ.get("RUNPROOF_MATRIX_RESULTS", RESULTS)),
        help="the folder the tests of the defect matrix record their results in, and judge_matrix.py reads "
             "(subfolders too: one per shard) [results/matrix]")
    parser.getgroup("runproof defect matrix").addoption(
        "--matrix-catalog", type=Path, default=CATALOG,
        help="the catalog of mutants the matrix runs and is judged against [tests/mutants/catalog.toml]")


def pytest_configure(config: pytest.Config) -> None:
    # One id per session, shared by the controller and its xdist workers: the judgement at the end of this session
    # reads only what this session recorded.
    workerinput = getattr(config, "workerinput", None)
    config.matrix_session = workerinput["matrix_session"] if workerinput else uuid.uuid4().hex


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # pytest-xdist: a worker is being started
    node.workerinput["matrix_session"] = node.config.matrix_session


def judgements(folder: Path, catalog_file: Path = CATALOG, session: str | None = None) -> tuple[object, dict[str, str]]:
    """The judgement of the matrix from the records in `folder`: each judgement's name (a test of judge_matrix.py)
    and its failure message ("" when it holds)."""
    catalog = load_catalog(catalog_file)
    verdict = judge(read_records(folder), catalog, session=session)
    summary = "\n".join(verdict.summary())
    not_killed = [f"{name}:\n" + "\n".join(f"  {line}" for line in run.findings())
                  for name, run in verdict.runs.items() if not run.killed]
    return verdict, {
        "test_every_mutant_and_the_healthy_reference_has_exactly_one_result": "\n".join(
            f"{label}: {', '.join(names)}" for label, names in (
                ("no result recorded for", verdict.missing), ("recorded more than once", verdict.duplicates),
                ("stale or unknown records", verdict.stale)) if names),
        "test_every_mutant_is_killed_as_declared_and_the_healthy_reference_is_green": "\n".join(not_killed),
        "test_every_check_is_made_to_fail_by_a_mutant": (
            f"checks no mutant makes fail: {', '.join(verdict.uncovered)}\n{summary}" if verdict.uncovered else ""),
        "test_every_rule_is_broken_by_a_mutant": (
            f"rules no mutant breaks: {', '.join(verdict.unbroken_rules)}\n{summary}" if verdict.unbroken_rules
            else ""),
    }


def _report(config: pytest.Config, name: str, failure: str) -> None:
    """A judgement of the whole matrix reported as a test of judge_matrix.py, as if it had run."""
    nodeid = f"{JUDGE}::{name}"
    now = time.time()
    for when, outcome, longrepr in (("setup", "passed", None), ("call", "failed" if failure else "passed",
                                                                 failure or None), ("teardown", "passed", None)):
        report = TestReport(nodeid, (JUDGE, None, name), {name: 1}, outcome, longrepr, when, start=now, stop=now)
        config.hook.pytest_runtest_logreport(report=report)


@pytest.hookimpl(tryfirst=True)  # before junitxml writes its file and the terminal its summary
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput") or config.getoption("splits", None):
        return  # a worker reports to the controller; a shard's results are judged with the other shards'
    folder = config.getoption("matrix_results")
    if not folder.is_dir():
        return
    verdict, verdicts = judgements(folder, config.getoption("matrix_catalog"), session=config.matrix_session)
    if not verdict.runs:
        return  # this session ran no test of the matrix
    config.matrix_verdict = verdict
    if verdict.missing:
        return  # a selection (-k, --lf): the whole matrix was not run, so it is not judged
    for name, failure in verdicts.items():
        _report(config, name, failure)
    if any(verdicts.values()):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    verdict = getattr(config, "matrix_verdict", None)
    if verdict is None:
        return
    terminalreporter.section("defect matrix")
    if verdict.missing:
        terminalreporter.line(f"not judged as a whole: this session recorded {len(verdict.runs)} of "
                              f"{len(verdict.runs) + len(verdict.missing)} runs (missing: "
                              f"{', '.join(verdict.missing[:5])}{', ...' if len(verdict.missing) > 5 else ''})")
        return
    for line in verdict.summary():
        terminalreporter.line(line)
