"""The whole suite as written (before --include/--test selection), parsed once per process.

The listeners compare the run's selected tests with it: dependency names are checked against every test and suite
that exists, and a run that selects only part of the plan is recognised as partial.
"""

from __future__ import annotations

import functools
import os
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


# --- prerequisites: what a selected test needs from the rest of the suite ------------------------------------------
FACT_READ = "runfact"


def fresh_suite(source: str) -> TestSuite:
    """A new suite tree at `source` (not the cached one): its suites and tests may be moved into a running suite."""
    return TestSuiteBuilder(included_extensions=("robot",)).build(source)


def _user_keywords(suite: TestSuite) -> dict[str, object]:
    """Every user keyword `suite`'s file can call: its own and those of the resource files it imports, transitively
    (robot's ResourceFileBuilder parses them as Robot itself does)."""
    found: dict[str, object] = {}
    seen: set[str] = set()

    def add(resource) -> None:
        for user_keyword in resource.keywords:
            found.setdefault(normalized(user_keyword.name), user_keyword)
        base = os.path.dirname(str(resource.source or ""))
        for item in resource.imports:
            if item.type != "RESOURCE":
                continue
            path = item.name if os.path.isabs(item.name) else os.path.normpath(os.path.join(base, item.name))
            if path in seen or not os.path.isfile(path):
                continue
            seen.add(path)
            add(resource_file(path, os.stat(path).st_mtime_ns))

    add(suite.resource)
    return found


@functools.lru_cache(maxsize=64)
def resource_file(path: str, mtime_ns: int):
    """A resource file as robot's ResourceFileBuilder parses it: once per change, however many suites import it (the
    selection's prerequisites and the causes' dependencies both walk every suite's resources when the run starts)."""
    from robot.running.builder import ResourceFileBuilder

    return ResourceFileBuilder().build(path)


def needs_of(items, keywords: dict[str, object]) -> Iterator[tuple[str, str]]:
    """(kind, name) for every `Run Fact`, `Depends On Test` and `Depends On Suite` reached from `items`, following
    calls into user keywords (each keyword once). kind is `fact`, `test` or `suite`."""
    visited: set[str] = set()

    def walk(body) -> Iterator[tuple[str, str]]:
        for call in _keywords(body):
            name = normalized(call.name or "")
            args = [arg for arg in call.args if isinstance(arg, str)]
            if name == FACT_READ and args and "${" not in args[0]:
                yield "fact", args[0]
            elif name in DEPENDENCY_KEYWORDS:
                yield from ((DEPENDENCY_KEYWORDS[name], arg) for arg in args if "${" not in arg)
            elif name in keywords and name not in visited:
                visited.add(name)
                user_keyword = keywords[name]
                yield from walk([*([user_keyword.setup] if user_keyword.setup else []), *user_keyword.body,
                                 *([user_keyword.teardown] if user_keyword.teardown else [])])

    yield from walk(items)


def test_items(test) -> list:
    return [*([test.setup] if test.setup else []), *test.body, *([test.teardown] if test.teardown else [])]


def prerequisites(suite: TestSuite, selected: set[str], facts: dict[str, str]) -> dict[str, str]:
    """The tests outside `selected` that the selected tests need, transitively, each with why (one line):
    the producer of a fact a selected test reads (`Run Fact`), or a test or suite it depends on (`Depends On …`)."""
    suites = list(_all_suites(suite))
    tests = {test.name: (each, test) for each in suites for test in each.tests}
    suite_tests = {each.name: [test.name for test in each.all_tests] for each in suites}
    keywords = {id(each): _user_keywords(each) for each in suites if each.tests}
    needed: dict[str, str] = {}
    queue = [name for name in tests if name in selected]  # in the suite's order: the first reader gives the reason
    done: set[str] = set()
    while queue:
        name = queue.pop(0)
        if name in done:
            continue
        done.add(name)
        owner, test = tests[name]
        for kind, target in needs_of(test_items(test), keywords.get(id(owner), {})):
            if kind == "fact":
                wanted, why = [facts[target]] if target in facts else [], f"'{name}' reads the fact '{target}', which it establishes"
            elif kind == "test":
                wanted, why = [target], f"'{name}' depends on it (Depends On Test)"
            else:
                wanted, why = suite_tests.get(target, []), f"'{name}' depends on its suite '{target}' (Depends On Suite)"
            for each in wanted:
                if each not in tests:  # a fact of the suite setup: it always runs
                    continue
                if each not in selected and each not in needed:
                    needed[each] = why
                queue.append(each)
    return needed


def stale_dependents(suite: TestSuite, running: set[str], facts: dict[str, str]) -> dict[str, str]:
    """The tests outside `running` that read a fact whose producer is in `running`, transitively, each with why.

    For a rerun: a producer that runs again establishes its fact anew (the CLI run makes a new run), so every test
    that proved something about the old one must run again too, or a merge would mix proofs about two runs."""
    suites = list(_all_suites(suite))
    tests = {test.name: (each, test) for each in suites for test in each.tests}
    keywords = {id(each): _user_keywords(each) for each in suites if each.tests}
    reads = {name: {target for kind, target in needs_of(test_items(test), keywords.get(id(owner), {})) if kind == "fact"}
             for name, (owner, test) in tests.items()}
    stale: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for name in tests:
            if name in running or name in stale:
                continue
            for fact in sorted(reads[name]):
                producer = facts.get(fact)
                if producer in running or producer in stale:
                    stale[name] = f"it reads the fact '{fact}', which '{producer}' establishes anew in this rerun"
                    changed = True
                    break
    return stale
