"""What a run must contain for its exit code to mean proof: selections, reruns and parallel runners.

Two listeners, registered by importing this library (resources/variables.resource):

- When the top suite starts (before any other listener: priority 100), a selection — `--include`, `--exclude`,
  `--test`, `--suite`, `--rerunfailed`, `--rerunfailedsuites` — gets the prerequisites of its tests added back: the
  producer of every fact a selected test reads (`Run Fact`), and every test or suite it depends on (`Depends On …`),
  found in the whole suite as written, through the keywords of its resource files (`suite_model.prerequisites`).
  Robot applies pre-run modifiers *before* it selects tests, so this cannot be a pre-run modifier; at this moment the
  selection is known and no child suite has started. Each added test is tagged `prerequisite` and its documentation
  starts with why it was added; the evidence lists them and judges the criteria only on the tests that were selected.
  Under pabot the run is refused instead: the plan's steps depend on each other, and pabot runs suites in separate
  processes that share nothing.
- Also when the top suite starts, a run started with `--randomize`, or with `--skip` / `--skiponfailure` aimed at
  tests a criterion needs (AC1–AC5, precondition, static, policy), is refused in one line: its suite setup becomes
  that failure, so nothing touches the target and every test fails with the reason (`runproof.run_settings`).
- When a test ends (before every other listener: priority 100), a test a criterion needs that Robot made SKIP by
  `--skip` / `--skiponfailure` (a pattern not aimed at it, e.g. `beyond-plan` on the AC2 test that is also
  beyond-plan) is turned back into FAIL with its original failure: such a test may not end SKIP.
- When a test ends (after every other listener: priority -100, so that the evidence and the facts still see Robot's
  SKIP), a test that was "not reached" becomes FAIL in Robot's result model, its message kept. Robot's exit code
  counts failed tests only, and `--rerunfailed` reruns failed tests only (rebot's merge even ignores a SKIP rerun): a
  test that proved nothing must count as not passed for all three.
"""

from __future__ import annotations

import sys

from robot.api import logger
from robot.api.deco import library
from robot.libraries.BuiltIn import BuiltIn

from runproof.evidence.masking import one_line
from runproof import DOC_FORMAT, VERSION
from runproof.keywords.run_facts import FACTS, NOT_REACHED
from runproof.facts.suite_model import fresh_suite, prerequisites, stale_dependents
from runproof.run_settings import (is_rerun, needed, original_failure, refusal, skipped_by_option,
                                   withdraw_skip_on_failure)

PREREQUISITE_TAG = "prerequisite"
ADDED_PREFIX = "Added to this run as a prerequisite: "
PABOT_VARIABLES = ("${PABOTEXECUTIONPOOLID}", "${PABOTQUEINDEX}", "${PABOTLIBURI}")
PABOT_REFUSED = ("pabot is refused: the plan's steps depend on each other (the CLI run establishes the run that every "
                 "later test reads), and pabot runs suites in separate processes that share nothing — run `robot "
                 "suites/` instead")


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class RunSelection:
    """Adds the prerequisites of a selection to the run, refuses pabot, and counts a test that was not reached as
    failed. A listener only: it has no keywords. Import it once (resources/variables.resource)."""

    def __init__(self) -> None:
        self.ROBOT_LIBRARY_LISTENER = [_CompleteSelection(), _NoNeededTestSkips(), _NotReachedFails()]


class _CompleteSelection:
    ROBOT_LISTENER_API_VERSION = 3
    ROBOT_LISTENER_PRIORITY = 100  # before run_facts and evidence read the selection

    def start_suite(self, data, result) -> None:
        if result.parent is not None or not data.source:
            return
        if _under_pabot():
            print(f"runproof: {PABOT_REFUSED}", file=sys.__stderr__)
            data.setup.config(name="Fail", args=[PABOT_REFUSED])
            return
        if refused := refusal(data):
            print(f"runproof: {refused}", file=sys.__stderr__)
            data.setup.config(name="Fail", args=[refused])
            withdraw_skip_on_failure()
            return
        added = add_prerequisites(data, str(data.source))
        for name, why in added.items():
            logger.info(f"added as a prerequisite: '{name}' — {why}")


class _NoNeededTestSkips:
    ROBOT_LISTENER_API_VERSION = 3
    ROBOT_LISTENER_PRIORITY = 100  # before the evidence and the facts record the test's outcome

    def end_test(self, data, result) -> None:
        if needed(result.tags) and skipped_by_option(result.status, result.message):
            result.status = "FAIL"
            result.message = (f"{original_failure(result.message)} — turned back into a failure: a test a criterion "
                              f"needs may not end SKIP ({result.message.strip().splitlines()[0]})")


class _NotReachedFails:
    ROBOT_LISTENER_API_VERSION = 3
    ROBOT_LISTENER_PRIORITY = -100  # after run_facts and evidence recorded the SKIP

    def end_test(self, data, result) -> None:
        if result.status == "SKIP" and result.message.startswith(NOT_REACHED):
            result.status = "FAIL"  # the message is kept: the evidence and the matrix read "not reached" from it


def _under_pabot() -> bool:
    builtin = BuiltIn()
    return any(builtin.get_variable_value(name) is not None for name in PABOT_VARIABLES)


def add_prerequisites(data, source: str, rerun: bool | None = None) -> dict[str, str]:
    """Add to the running suite `data` every test its selected tests need, in the suite's own order; returns each
    added test's name and why it was added. In a rerun (`--rerunfailed`, `--rerunfailedsuites`), the tests that read
    a fact established anew are added too, so that a merge with the first run never mixes proofs about two runs."""
    whole = fresh_suite(source)
    selected = {test.name for test in data.all_tests}
    if all(test.name in selected for test in whole.all_tests):
        return {}  # the whole suite: nothing can be missing (and walking the keywords costs a tenth of a second)
    needed = prerequisites(whole, selected, FACTS)
    if rerun if rerun is not None else is_rerun():
        while stale := stale_dependents(whole, selected | set(needed), FACTS):
            needed.update(stale)
            needed.update(prerequisites(whole, selected | set(needed), FACTS))
    if needed:
        _merge(data, whole, needed)
    return needed


def _merge(running, written, needed: dict[str, str]) -> None:
    """Bring the `needed` tests of `written` (the suite as written) into `running` (the suite as selected), keeping
    the written order of suites and tests. A child suite the selection removed entirely is brought back with only
    its needed tests."""
    position = 0
    for child in written.suites:
        if not any(test.name in needed for test in child.all_tests):
            existing = _child(running, child.name)
            if existing is not None:
                position = list(running.suites).index(existing) + 1
            continue
        existing = _child(running, child.name)
        if existing is None:
            _keep_only(child, needed)
            running.suites.insert(position, child)
            existing = child
        else:
            _merge(existing, child, needed)
        position = list(running.suites).index(existing) + 1
    index = 0
    for test in list(written.tests):
        present = next((i for i, each in enumerate(running.tests) if each.name == test.name), None)
        if present is not None:
            index = present + 1
        elif test.name in needed:
            _mark(test, needed[test.name])
            running.tests.insert(index, test)
            index += 1


def _child(suite, name: str):
    return next((child for child in suite.suites if child.name == name), None)


def _keep_only(suite, needed: dict[str, str]) -> None:
    for child in list(suite.suites):
        if any(test.name in needed for test in child.all_tests):
            _keep_only(child, needed)
        else:
            suite.suites.remove(child)
    suite.tests = [test for test in suite.tests if test.name in needed]
    for test in suite.tests:
        _mark(test, needed[test.name])


def _mark(test, why: str) -> None:
    test.tags.add(PREREQUISITE_TAG)
    test.doc = f"{ADDED_PREFIX}{one_line(why)}.\n\n{test.doc}"


def added_reason(test) -> str | None:
    """Why `test` (running or result model) was added as a prerequisite, or None if it was selected."""
    if not test.tags.match(PREREQUISITE_TAG) or not test.doc.startswith(ADDED_PREFIX):
        return None
    return test.doc[len(ADDED_PREFIX):].split("\n", 1)[0].rstrip(".")
