"""The whole suite as written (before --include/--test selection), parsed once per process.

The listeners compare the run's selected tests with it: dependency names are checked against every test and suite
that exists, and a run that selects only part of the plan is recognised as partial.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from robot.api import TestSuiteBuilder
from robot.running import TestSuite

DEPENDENCY_KEYWORDS = {"dependsontest": "test", "dependsonsuite": "suite"}


@functools.lru_cache(maxsize=4)
def full_suite(source: str) -> TestSuite:
    """The suite tree at `source`, with no selection applied."""
    return TestSuiteBuilder(included_extensions=("robot",)).build(source)


def normalized(name: str) -> str:
    return name.split(".")[-1].lower().replace(" ", "").replace("_", "")


def _keywords(items) -> Iterator:
    """Every keyword call in `items`, inside IF/FOR/TRY/GROUP blocks too."""
    for item in items:
        if item is None:
            continue
        if getattr(item, "type", None) in ("KEYWORD", "SETUP", "TEARDOWN") and hasattr(item, "args"):
            yield item
        body = getattr(item, "body", None)
        if body is not None and body is not items:
            yield from _keywords(body)


def _all_suites(suite: TestSuite) -> Iterator[TestSuite]:
    yield suite
    for child in suite.suites:
        yield from _all_suites(child)


def dependency_calls(suite: TestSuite) -> Iterator[tuple[str, str, str]]:
    """(where, kind, name) for every `Depends On Test` / `Depends On Suite` in tests and suite setups."""
    for each in _all_suites(suite):
        places = [(f"suite '{each.name}' setup", [each.setup] if each.setup else [])]
        places += [(f"test '{test.name}'", ([test.setup] if test.setup else []) + list(test.body)) for test in each.tests]
        for where, items in places:
            for keyword in _keywords(items):
                kind = DEPENDENCY_KEYWORDS.get(normalized(keyword.name or ""))
                for name in keyword.args if kind else ():
                    yield where, kind, name


def tests_and_suites(suite: TestSuite) -> tuple[list[str], list[str]]:
    """Every test name and every suite name in the tree."""
    suites = list(_all_suites(suite))
    return [test.name for each in suites for test in each.tests], [each.name for each in suites]


SETUP_PREFIXES = ("Parent suite setup failed:", "Suite setup failed:", "Setup failed:")


def message_line(message: str) -> str:
    """A Robot status message as one line: its first line, or — for a failed setup, which Robot reports as
    "Suite setup failed:" and the reason on the next line — the reason itself."""
    lines = [line.strip() for line in (message or "").strip().splitlines() if line.strip()]
    while len(lines) > 1 and lines[0] in SETUP_PREFIXES:
        lines = lines[1:]
    return lines[0] if lines else ""
