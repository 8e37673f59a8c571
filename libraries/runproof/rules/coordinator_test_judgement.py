"""AC5 judged from what was observed inside pytest (probe/runproof_pytest_observer.py), not from pytest's closing line.

Three readings, each from a source the backend does not control:
- *the tests the file defines*: the test file's syntax tree, read with pytest's naming rules — pytest's defaults
  (`test` functions and methods, `Test` classes) united with the backend's own `python_functions`/`python_classes`,
  as pytest reported them. A configuration can add tests; it cannot hide a `test_*` function. `python_files` does not
  matter: a file named on the command line is always collected. Inherited test methods are not followed (a class
  that inherits its tests defines none in this file);
- *what each collected item did*: every phase's raw result (did it raise) and the outcome pytest's reporters got;
- *what the tests ran*: the lines of the coordinator module that ran under the tests (coverage.py in the backend's
  interpreter), with the module's functions found in its syntax tree.
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

PYTEST_DEFAULT_FUNCTIONS = ("test",)
PYTEST_DEFAULT_CLASSES = ("Test",)
HASH_CHAIN_NAME = "hash_chain"
NOT_PASSED_ORDER = ("error in setup", "error in teardown", "skipped", "xfailed", "xpassed", "deselected",
                    "never collected", "collected, never reported")


def _matches(name: str, options) -> bool:
    """pytest's own rule (`_matches_prefix_or_glob_option`): a prefix, or a glob when the option has glob characters."""
    return any(name.startswith(option) or (any(c in option for c in "*?[") and fnmatch.fnmatch(name, option))
               for option in options)


def defined_tests(source: str, naming: dict | None = None, filename: str = "<test file>") -> list[dict]:
    """The tests a file defines: `[{"name": "TestA::test_b", "line": 12, "refused": reason or None}]`.

    A `Test*` class with `__init__` or `__new__` is one pytest refuses to collect; its tests are still the file's
    tests (and so must fail AC5 as never collected), with the reason given.
    """
    naming = naming or {}
    functions = set(PYTEST_DEFAULT_FUNCTIONS) | set(naming.get("python_functions") or ())
    classes = set(PYTEST_DEFAULT_CLASSES) | set(naming.get("python_classes") or ())
    found: list[dict] = []

    def visit(body, prefix: str, refused: str | None) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _matches(node.name, functions):
                found.append({"name": prefix + node.name, "line": node.lineno, "refused": refused})
            elif isinstance(node, ast.ClassDef) and _matches(node.name, classes):
                names = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
                constructor = sorted(names & {"__init__", "__new__"})
                reason = refused or (f"class {node.name} has {constructor[0]}: pytest refuses to collect it"
                                     if constructor else None)
                visit(node.body, f"{prefix}{node.name}::", reason)

    visit(ast.parse(source, filename=filename).body, "", None)
    return found


def item_key(nodeid: str) -> tuple[str, str]:
    """`tests/test_x.py::TestA::test_b[1-2]` -> (`tests/test_x.py`, `TestA::test_b`)."""
    path, _, rest = nodeid.partition("::")
    return path, rest.split("[", 1)[0]


def _final(phase: dict | None) -> str | None:
    return None if phase is None else phase.get("logged") or phase.get("made")


def item_outcome(item: dict) -> str:
    """One word for what an item did, from its reports: passed, failed, error in setup, error in teardown, skipped,
    xfailed, xpassed, or `collected, never reported` (collected, but no report of its run reached pytest's reporting:
    a hook that swallowed the run of a test or of one parametrized case)."""
    phases = item.get("phases", {})
    setup, call, teardown = (phases.get(name) for name in ("setup", "call", "teardown"))
    if _final(setup) is None:
        return "collected, never reported"
    if _final(setup) == "failed":
        return "error in setup"
    if _final(setup) == "skipped":
        return "xfailed" if setup.get("wasxfail") else "skipped"
    if _final(call) is None:
        return "collected, never reported"
    outcome = {"failed": "failed", "skipped": "xfailed" if call.get("wasxfail") else "skipped"}.get(
        _final(call), "xpassed" if call.get("wasxfail") else "passed")
    if outcome == "passed" and _final(teardown) == "failed":
        return "error in teardown"
    return outcome


def rewritten(item: dict) -> list[str]:
    """Phases whose raw result contradicts the outcome that was reported: a phase that raised but was reported
    passed, or a report changed between its making and its logging."""
    found = []
    for when, phase in item.get("phases", {}).items():
        raised, made, logged = phase.get("raised"), phase.get("made"), phase.get("logged")
        if raised and _final(phase) == "passed":
            found.append(f"its {when} raised {raised} but was reported passed")
        elif made and logged and made != logged:
            found.append(f"its {when} report was made {made} and logged {logged}")
    return found


def judge_tests(observed: dict, defined: list[dict], test_file_name: str) -> tuple[list[dict], dict[str, list[str]]]:
    """Every defined test and every collected item, with its outcome; and the problems by kind.

    Returns (`tests`: `[{"test", "outcome", "call_raised"}]`, `problems`: kind -> test names) — AC5 holds only when
    `problems` is empty and at least one test is defined.
    """
    tests, problems = [], {}
    items_by_key: dict[str, list[dict]] = {}
    for item in observed.get("items", []):
        items_by_key.setdefault(item_key(item["nodeid"])[1], []).append(item)
    deselected = {item_key(nodeid)[1] for nodeid in observed.get("deselected", [])}
    notes = [f"{w['category']}: {w['message']}" for w in observed.get("collect_warnings", [])]
    notes += [f"{e['nodeid'] or 'collection'}: {e['error']}" for e in observed.get("collect_errors", [])]

    def add(kind: str, name: str) -> None:
        problems.setdefault(kind, []).append(name)

    for test in defined:
        if test["name"] in items_by_key:
            continue
        kind = "deselected" if test["name"] in deselected else "never collected"
        tests.append({"test": test["name"], "outcome": kind, "call_raised": None,
                      **({"why": test["refused"]} if test["refused"] else {})})
        add(kind, test["name"] + (f" ({test['refused']})" if test["refused"] else ""))
    defined_names = {test["name"] for test in defined}
    for key, items in items_by_key.items():
        for item in items:
            name = item["nodeid"].partition("::")[2]
            outcome = item_outcome(item)
            call = item.get("phases", {}).get("call") or {}
            entry = {"test": name, "outcome": outcome, "call_raised": call.get("raised")}
            changes = rewritten(item)
            if changes:
                entry["rewritten"] = changes
                add("rewritten", f"{name}: {'; '.join(changes)}")
            elif outcome != "passed":
                add(outcome, name)
            if key not in defined_names or not item["nodeid"].partition("::")[0].endswith(test_file_name):
                entry["not_defined_by_the_file"] = True
            tests.append(entry)
    if notes and any(kind in problems for kind in ("never collected", "deselected")):
        problems["collection said"] = notes
    return tests, problems


# --- coverage of the coordinator -------------------------------------------------------------------------------

def functions_of(source: str) -> list[dict]:
    """Every function of a module: qualified name, its body's line span, and whether it is hash-chain code (its name
    says hash_chain, or it calls sha256)."""
    found = []

    def visit(body, prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                calls = {getattr(c.func, "attr", getattr(c.func, "id", "")) for c in ast.walk(node)
                         if isinstance(c, ast.Call)}
                found.append({"name": prefix + node.name, "short": node.name, "first": node.body[0].lineno,
                              "last": node.end_lineno,
                              "hash_chain": HASH_CHAIN_NAME in node.name.lower() or "sha256" in calls})
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(ast.parse(source).body, "")
    return found


def _figure(executed: int, statements: int) -> str:
    percent = 100.0 * executed / statements if statements else 0.0
    return f"{executed}/{statements} ({percent:.0f}%)"


def coverage_figures(measured: dict, sources: dict[str, str]) -> dict:
    """Per module and per function: statements that ran out of statements, from the observer's coverage data.

    Given `measured` (the observer's `coverage` section) and `sources` (relative path -> source text).
    """
    figures = {"measured_by": measured.get("measured_by"), "modules": {}, "functions": {}}
    for name, source in sources.items():
        entry = measured.get("files", {}).get(name, {})
        statements = set(entry.get("statements", []))
        executed = set(entry.get("executed", []))
        module = Path(name).name
        figures["modules"][module] = {"lines": _figure(len(statements & executed), len(statements)),
                                      "imported": bool(entry.get("imported"))}
        for function in functions_of(source):
            span = set(range(function["first"], function["last"] + 1))
            own = statements & span
            ran = executed & span
            figures["functions"][f"{module}:{function['name']}"] = {
                "lines": _figure(len(own & ran), len(own)), "ran": bool(ran), "hash_chain": function["hash_chain"],
                "short": function["short"]}
    return figures


def coordinator_not_exercised(figures: dict, module: str) -> str | None:
    """Why the product's coordinator was not shown to run under the tests (None when it was): `get_run_proof` and
    every hash-chain function of `module` must have run at least one line."""
    functions = {name: f for name, f in figures["functions"].items() if name.startswith(module + ":")}
    required = [(name, f) for name, f in functions.items() if f["short"] == "get_run_proof" or f["hash_chain"]]
    missing = []
    if not any(f["short"] == "get_run_proof" for _, f in required):
        missing.append("it defines no get_run_proof")
    if not any(f["hash_chain"] for _, f in required):
        missing.append("it has no hash-chain code (no function named *hash_chain* or calling sha256)")
    idle = [f"{name.split(':', 1)[1]} ran {f['lines']}" for name, f in required if not f["ran"]]
    if not missing and not idle:
        return None
    state = figures["modules"].get(module, {})
    imported = "imported" if state.get("imported") else "never imported"
    return (f"{module} {state.get('lines', '0/0')} lines, {imported}: " + "; ".join(missing + idle))


# --- can the tests fail? (issue 31) ---------------------------------------------------------------------------------
# The mutations probe/runproof_mutation_hook.py applies, by the names it knows them by (a test keeps them equal).
MUTATIONS = ("a link dropped from the chain", "steps read in another order", "an empty chain verified",
             "the tenant ignored", "the status coerced otherwise")

def hollow_assertions(source: str, filename: str = "<test file>") -> list[str]:
    """What the test file itself shows of tests that cannot fail: a test name defined twice in one scope (the later
    definition hides the earlier one from pytest), and an `assert` on a non-empty tuple (always true; pytest itself
    warns of it). One line each, with its line number."""
    findings = []
    for scope in ast.walk(ast.parse(source, filename)):
        body = getattr(scope, "body", None)
        if not isinstance(body, list):
            continue
        seen: dict[str, int] = {}
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name.startswith(("test", "Test")):
                if node.name in seen:
                    findings.append(f"{node.name} is defined twice (lines {seen[node.name]} and {node.lineno}): "
                                    "pytest runs only the later one")
                seen[node.name] = node.lineno
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Tuple) and node.test.elts:
            findings.append(f"line {node.lineno} asserts a non-empty tuple, which is always true")
    return findings


def mutation_outcome(record: str, rc: int, stdout: str) -> str:
    """`killed` (the tests failed), `survived` (they passed on the broken coordinator), `not applicable` (the mutation
    found no site) or `not judged: …` (pytest could not run the tests)."""
    if record.strip() == "not applicable":
        return "not applicable"
    if record.strip() != "applied":
        return f"not judged: the coordinator was never imported (exit {rc})"
    if rc == 0:
        return "survived"
    if rc == 1:
        return "killed"
    lines = [line for line in stdout.splitlines() if line.strip()]
    return f"not judged: pytest exited {rc} ({lines[-1] if lines else 'no output'})"
