"""Causes: each failure attributed to the earliest failed check it depends on, so that one defect reads as one cause
with its consequences under it (evidence.md, the report's metadata and the console open with these lines).

A test depends on another in two ways:
- *by data*, read from the suite itself: it reads a run fact (`Run Fact    trace`) whose producer is another test
  (runproof.keywords.run_facts.FACTS), or it names a test or suite in `Depends On Test` / `Depends On Suite`;
- *by meaning*, declared in RULES below: the check reads rows or answers that another check has already judged
  (the coordinator finds the trace by `trace_<run_id>` and the tenant, so a trace filed under another tenant explains
  the coordinator's empty answer). Issue 23 will add a table of rules; RULES is the part of it attribution needs.

A failed test whose dependencies (transitively) include a failed test follows the earliest failed *root* among them
(a failed test that itself depends on no failed test); a failed test with no failed dependency is a cause of its own.
A test that was not reached is counted under the cause its chain leads to. Plain code, no Robot import: the evidence
writer, the console and the tests use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from runproof.facts.suite_model import _all_suites, _user_keywords, needs_of, test_items

TRACE_EXISTS = "Trace Exists"
STEPS_EXIST = "Steps Exist"
RUN_HAS_PLAN = "Run Has Plan"
PLAN_BEFORE_EXECUTION = "Plan Was Stored Before Execution Started"
NO_SQLITE = "No SQLite Trace File Was Created Or Changed"
SAME_STEPS = "Coordinator Read The Same Steps As Postgres"
HASH_CHAIN_VERIFIED = "RunProofCoordinator Returns HASH_CHAIN And VERIFIED"
RUN_ROW = "The Run Row Holds Every Rule"
TRACE_ROW = "The Trace Row Holds Every Rule"
STEP_ROWS = "Every Step Row Holds Every Rule"

# test -> the checks whose failure explains its failure (only direct ones: the closure is taken).
RULES: dict[str, tuple[str, ...]] = {
    # aos_trace_steps hang off aos_traces.trace_id: no trace, no step.
    STEPS_EXIST: (TRACE_EXISTS,),
    # Its second half compares the plan the trace recorded with runs.plan_json.
    PLAN_BEFORE_EXECUTION: (TRACE_EXISTS, RUN_HAS_PLAN),
    # The run's tool calls mirror its step rows; the step rows are compared with the stored plan and their trace.
    RUN_ROW: (RUN_HAS_PLAN, STEPS_EXIST, STEP_ROWS),
    TRACE_ROW: (TRACE_EXISTS, RUN_HAS_PLAN),
    STEP_ROWS: (STEPS_EXIST, RUN_HAS_PLAN, TRACE_ROW),
    # The coordinator reads `trace_<run_id>` of the tenant asked, from Postgres: every check of its answer rests on
    # that trace existing under that key and tenant (its row's rules), with its steps, and on no SQLite fallback.
    SAME_STEPS: (TRACE_EXISTS, STEPS_EXIST, TRACE_ROW, NO_SQLITE),
    HASH_CHAIN_VERIFIED: (TRACE_EXISTS, STEPS_EXIST, TRACE_ROW, NO_SQLITE),
    "Coordinator Verified A Chain Of At Least One Step": (HASH_CHAIN_VERIFIED, SAME_STEPS),
    "The Coordinator's Answer Holds Every Rule": (HASH_CHAIN_VERIFIED, SAME_STEPS, STEP_ROWS),
    # It reads the CLI's default with the same static check as plan §1.
    "The Origin Passed Differs From The CLI's Default":
        ("Customer CLI Has An Optional --origin-system-id With A Default",),
}

def dependencies_of_suite(suite, facts: Mapping[str, str]) -> dict[str, set[str]]:
    """test -> the tests it depends on by data (run facts read, Depends On Test/Suite — wherever they are called,
    test bodies or the resource keywords they call, as suite_model reads them for a selection's prerequisites) and by
    RULES."""
    suites = list(_all_suites(suite))
    tests_of_suite = {each.name: [test.name for test in each.all_tests] for each in suites}
    names = {test.name for each in suites for test in each.tests}
    found: dict[str, set[str]] = {}
    for each in suites:
        keywords = _user_keywords(each) if each.tests else {}
        for test in each.tests:
            needs = found.setdefault(test.name, set())
            for kind, target in needs_of(test_items(test), keywords):
                if kind == "fact" and facts.get(target) in names:  # a fact of the suite setup has no test to blame
                    needs.add(facts[target])
                elif kind == "test":
                    needs.add(target)
                elif kind == "suite":
                    needs.update(tests_of_suite.get(target, ()))
            needs.discard(test.name)
    for test, upstream in RULES.items():
        found.setdefault(test, set()).update(upstream)
    return found


def attribute(outcomes: Mapping[str, tuple[str, str]], order: Iterable[str],
              dependencies: Mapping[str, Iterable[str]]) -> list[dict]:
    """One entry per independent cause, in the order the causes ran: `test`, `message`, the `failures` that follow
    from it and the tests `not_reached` because of it. `outcomes` maps a test to (Robot status, message)."""
    order = [name for name in order if name in outcomes]
    position = {name: index for index, name in enumerate(order)}
    failed = {name for name in order if outcomes[name][0] == "FAIL"}
    memo: dict[str, set[str]] = {}

    def ancestors(name: str) -> set[str]:
        if name not in memo:
            memo[name] = set()
            seen, stack = set(), list(dependencies.get(name, ()))
            while stack:
                upstream = stack.pop()
                if upstream in seen or upstream == name:
                    continue
                seen.add(upstream)
                stack.extend(dependencies.get(upstream, ()))
            memo[name] = seen
        return memo[name]

    def root(name: str) -> str | None:
        roots = [a for a in ancestors(name) & failed if not ancestors(a) & failed]
        return min(roots, key=lambda a: position.get(a, len(position))) if roots else None

    causes: dict[str, dict] = {}
    for name in order:
        status, message = outcomes[name]
        if status == "FAIL":
            cause = root(name) or name
        elif status == "SKIP":
            cause = root(name)
            if cause is None:
                continue
        else:
            continue
        entry = causes.setdefault(cause, {"test": cause, "message": outcomes[cause][1], "failures": [],
                                          "not_reached": []})
        if name != cause:
            entry["failures" if status == "FAIL" else "not_reached"].append(name)
    return sorted(causes.values(), key=lambda entry: position[entry["test"]])


def cause_line(cause: dict) -> str:
    """`<message> [<test>]; 6 failures follow: A, B, …; 3 tests not reached` — one line."""
    failures = cause.get("failures", [])
    follow = {0: "no other failure follows", 1: f"1 failure follows: {failures[0] if failures else ''}"}.get(
        len(failures), f"{len(failures)} failures follow: {', '.join(failures)}")
    where = f" [{cause['test']}]" if cause.get("test") else ""
    unreached = len(cause.get("not_reached", []))
    tail = f"; {unreached} test{'s' if unreached != 1 else ''} not reached" if unreached else ""
    return f"{cause.get('message') or 'failed'}{where}; {follow}{tail}"
