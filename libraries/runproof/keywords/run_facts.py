"""The facts of the run under test — one owner — and the dependencies between tests.

A fact is set by the one test (or the suite setup) that establishes it (`Set Run Fact`) and read by any later test
(`Run Fact`), which may say what it needs of the fact beyond its existence (`Run Fact    steps    non-empty`). When a
fact was never set, or lacks what the reader needs, `Run Fact` stops the reading test as "not reached", naming the
fact and why: this is the one place that decides why a test was not reached — no suite skips a test by itself.
Facts without data flow between tests (the preconditions) are expressed with `Depends On Test` / `Depends On Suite`.

Every producer and dependency name is checked against the whole suite when the top suite starts: an unknown name
replaces the suite setup with a failure that names it, so no test runs and the exit code is non-zero.

Why not robotframework-dependencylibrary (4.0.1, read before writing this): it treats an unknown name as met (it
warns and lets the test run), checks nothing before the tests start, and drops the reason a dependency failed
("... failed."), so a chain of skips no longer names its cause. Its keyword names are kept.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.exceptions import SkipExecution
from robot.libraries.BuiltIn import BuiltIn

from runproof.evidence.masking import mask, one_line
from runproof import DOC_FORMAT, VERSION
from runproof.facts.suite_model import dependency_calls, full_suite, message_line, tests_and_suites

NOT_REACHED = "not reached"
SUITE_SETUP = "the suite setup"
CLI_RUN = "Customer CLI Creates A Run With Explicit Tenant And Origin"
SNIPPET = "Coordinator Snippet Runs Against The Run"

# Each fact of the run and the test (or the suite setup) that establishes it.
FACTS = {
    "target database": SUITE_SETUP,
    "skills": "Skill Registry Includes http_call",
    "agent": CLI_RUN,
    "history": CLI_RUN,
    "neighbours": CLI_RUN,
    "cli claims": CLI_RUN,
    "run": CLI_RUN,
    "trace": "Trace Exists",
    "steps": "Steps Exist",
    "invocation": CLI_RUN,
    "proof": SNIPPET,
    "other tenant proofs": SNIPPET,
    "look-alike key proofs": SNIPPET,
    "agent row": CLI_RUN,
    "tables before": CLI_RUN,
    "coordinator tests observed": "Coordinator Tests Pass",
    "coordinator mutations": "Coordinator Tests Pass",
    "coordinator answer": SNIPPET,
}


# What a reader may need of a fact beyond its existence: a check of the value, and how its absence is said.
REQUIREMENTS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "non-empty": (bool, "there are no {fact}"),
    "a trace": (lambda proof: proof.get("trace_count", 0) >= 1,
                "the {fact} found no trace of the run, so an answer that depends on it would prove nothing"),
}


class UnknownFact(KeyError):
    ROBOT_SUPPRESS_NAME = True


@library(scope="GLOBAL", listener="SELF", version=VERSION, doc_format=DOC_FORMAT)
class RunFacts:
    """The run's facts, set once by their producer and read by name; dependencies checked before any test runs."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self._facts: dict[str, Any] = {}
        self._tests: dict[str, tuple[str, str]] = {}
        self._suites: dict[str, tuple[str, str]] = {}
        self._selected_tests: list = []
        self._source = ""

    # --- listener ---------------------------------------------------------------------------------------------
    def start_suite(self, data, result) -> None:
        if result.parent is not None:
            return
        self._selected_tests = list(data.all_tests)
        self._source = str(data.source) if data.source else ""
        problem = self._unknown_names(str(data.source)) if data.source else None
        if problem:
            print(f"runproof: {problem}", file=sys.__stderr__)
            data.setup.config(name="Fail", args=[problem])

    def end_test(self, data, result) -> None:
        self._tests[result.name] = (result.status, message_line(result.message))

    def end_suite(self, data, result) -> None:
        failed = [t for t in result.all_tests if t.status != "PASS"]
        status = "PASS" if result.status == "PASS" and not failed else "FAIL"
        reason = message_line(result.message) or (f"'{failed[0].name}': {message_line(failed[0].message)}" if failed else "")
        self._suites[result.name] = (status, reason)

    @staticmethod
    def _unknown_names(source: str) -> str | None:
        """One line naming the first unknown dependency or producer, or None."""
        suite = full_suite(source)
        tests, suites = tests_and_suites(suite)
        duplicates = sorted({name for name in tests if tests.count(name) > 1})
        if duplicates:
            return f"test names must be unique for dependencies: '{duplicates[0]}' appears {tests.count(duplicates[0])} times"
        for where, kind, name in dependency_calls(suite):
            known = tests if kind == "test" else suites
            if name not in known:
                return f"unknown {kind} '{name}' in Depends On {kind.title()} of {where}"
        for fact, producer in FACTS.items():
            if producer != SUITE_SETUP and producer not in tests:
                return f"unknown test '{producer}' declared as the producer of the fact '{fact}'"
        return None

    # --- facts ------------------------------------------------------------------------------------------------
    @keyword
    def set_run_fact(self, name: str, value: Any) -> None:
        """Establish the fact `name` (one of `FACTS`) with `value`; only its declared producer may do so.

        - `name`: the fact, e.g. `run`; `value`: anything.
        - Returns nothing; the value is logged (masked).
        - Raises `UnknownFact` for a fact that is not declared, or when called outside its producer.

        Example: `Set Run Fact    run    ${row}`
        """
        producer = self._producer(name)
        current = BuiltIn().get_variable_value("${TEST NAME}") or SUITE_SETUP
        if current != producer:
            raise UnknownFact(f"the fact '{name}' belongs to '{producer}', not to '{current}'")
        self._facts[name] = value
        logger.info(f"fact '{name}' = {mask(value)}")

    @keyword
    def run_fact(self, name: str, needs: str = "") -> Any:
        """The value of the fact `name`; the calling test is stopped as "not reached: …" when it was never set, or when
        it lacks what the reader `needs` (one of `REQUIREMENTS`: `non-empty`, `a trace`).

        - `name`: the fact, e.g. `steps`; `needs`: empty, or what the reader needs of it.
        - Returns the value its producer set.
        - Raises Robot's skip with `not reached: …` (the one decision of "not reached"), or `UnknownFact` for a name
          or requirement that is not declared.

        Example: `${steps}=    Run Fact    steps    non-empty`
        """
        producer = self._producer(name)
        if name not in self._facts:
            raise SkipExecution(self._not_reached(f"the {name} is unknown", producer, self._tests))
        value = self._facts[name]
        if needs:
            if needs not in REQUIREMENTS:
                raise UnknownFact(f"'{needs}' is not a declared requirement; known: {', '.join(REQUIREMENTS)}")
            holds, absent = REQUIREMENTS[needs]
            if not holds(value):
                raise SkipExecution(one_line(f"{NOT_REACHED}: {absent.format(fact=name)} — see '{producer}'"))
        return value

    @keyword
    def run_fact_if_known(self, name: str) -> Any:
        """The value of the fact `name`, or None when it was never set — for reporting what is known, never for a
        check (a check reads `Run Fact`, which decides "not reached").

        - `name`: the fact. Returns its value or None; raises `UnknownFact` for a name that is not declared.

        Example: `${database}=    Run Fact If Known    target database`
        """
        self._producer(name)
        return self._facts.get(name)

    @staticmethod
    def _producer(name: str) -> str:
        if name not in FACTS:
            raise UnknownFact(f"'{name}' is not a declared fact of the run; known: {', '.join(FACTS)}")
        return FACTS[name]

    # --- dependencies without data ----------------------------------------------------------------------------
    @keyword
    def depends_on_test(self, *names: str) -> None:
        """Stop this test as "not reached" unless every named test has passed (names checked when the run starts).

        - `names`: test names of the whole suite. Returns nothing; raises Robot's skip with `not reached: …`.

        Example: `Depends On Test    Local DB Is Reachable`
        """
        for name in names:
            if self._tests.get(name, ("",))[0] != "PASS":
                raise SkipExecution(self._not_reached("", name, self._tests))

    @keyword
    def depends_on_suite(self, *names: str) -> None:
        """Stop this test as "not reached" unless every test of each named suite has passed.

        - `names`: suite names (e.g. `§0 Scope And Preconditions`). Returns nothing; raises Robot's skip.

        Example: `Depends On Suite    §0 Scope And Preconditions`
        """
        for name in names:
            if self._suites.get(name, ("",))[0] != "PASS":
                raise SkipExecution(self._not_reached("", name, self._suites))

    def _not_reached(self, what: str, producer: str, outcomes: dict[str, tuple[str, str]]) -> str:
        status, message = outcomes.get(producer, ("", ""))
        prefix = f"{NOT_REACHED}: {what} — " if what else f"{NOT_REACHED}: "
        if status == "SKIP" and message.startswith(NOT_REACHED):
            return one_line(message)  # the root cause, unchanged along the chain
        if status == "FAIL":
            return one_line(f"{prefix}'{producer}' failed: {message}")
        if status == "PASS" or producer == SUITE_SETUP:
            return one_line(f"{prefix}'{producer}' did not establish it")
        if outcomes is self._tests and all(test.name != producer for test in self._selected_tests):
            return one_line(f"{prefix}'{producer}' was not selected in this run")
        return one_line(f"{prefix}'{producer}' did not run")

    # --- selection --------------------------------------------------------------------------------------------
    @keyword
    def tests_tagged_are_selected(self, tag: str) -> bool:
        """True when this run selected at least one test tagged `tag` (e.g. `beyond-plan`), matched as Robot matches tags.

        - `tag`: a tag or tag pattern. Returns a boolean.

        Example: `${neighbours}=    Tests Tagged Are Selected    beyond-plan`
        """
        return any(test.tags.match(tag) for test in self._selected_tests)
