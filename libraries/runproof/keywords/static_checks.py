"""Plan §1, static verification: facts read from the backend's source by parsing it, not by a loose grep.

A call counts only when it is reachable from the `run` sub-command's handler, following calls between the module's
own functions (`main → _dispatch → run_goal → …`): a call left in dead code is not the path the CLI takes.
The plan's `rg` search is run when rg is installed; otherwise the suite applies the plan's pattern itself and says so.
"""

from __future__ import annotations

import ast
import functools
import re
import shutil
import subprocess
from collections import deque
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library

from runproof.facts import call_graph
from runproof import DOC_FORMAT, VERSION

RUN_CREATION_MARKERS = {"create_run", "run_goal", "RunRunner", "generate_plan_for_run", "Run"}


class Source:
    """A parsed file and all of its nodes, walked once: every check below is a read-only scan of `nodes`."""

    def __init__(self, path: str) -> None:
        self.nodes = list(ast.walk(ast.parse(Path(path).read_text(), filename=path)))


@functools.lru_cache(maxsize=8)
def _parse(path: str, mtime_ns: int) -> Source:
    return Source(path)


def parse(path: str) -> Source:
    """Each source file is parsed once per change."""
    return _parse(path, Path(path).stat().st_mtime_ns)


def subcommand_parsers(tree: Source, command: str) -> set[str]:
    """Names bound to `<subparsers>.add_parser("<command>", ...)`."""
    return {target.id for node in tree.nodes if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "add_parser" and node.value.args
            and isinstance(node.value.args[0], ast.Constant) and node.value.args[0].value == command
            for target in node.targets if isinstance(target, ast.Name)}


def flag_calls(tree: Source, command: str, flag: str) -> list[ast.Call]:
    """`add_argument(flag, ...)` calls on the parser of the given subcommand."""
    parsers = subcommand_parsers(tree, command)
    return [node for node in tree.nodes
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument"
            and isinstance(node.func.value, ast.Name) and node.func.value.id in parsers
            and any(isinstance(a, ast.Constant) and a.value == flag for a in node.args)]


def keyword_value(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name:
            return ast.literal_eval(kw.value) if isinstance(kw.value, ast.Constant) else ast.unparse(kw.value)
    return None


def imports_of(tree: Source, name: str) -> list[tuple[str, int]]:
    return [(node.module or "", node.lineno) for node in tree.nodes
            if isinstance(node, ast.ImportFrom) and any(alias.name == name for alias in node.names)]


def local_names(tree: Source, name: str) -> set[str]:
    """The names a call of `name` can go by: `name` itself and its import aliases, but not `other as name`."""
    imports = [alias for node in tree.nodes if isinstance(node, ast.ImportFrom) for alias in node.names]
    aliases = {alias.asname for alias in imports if alias.name == name and alias.asname}
    shadowing = {alias.asname for alias in imports if alias.asname == name and alias.name != name}
    return ({name} - shadowing) | aliases


def call_lines(tree: Source, name: str) -> list[int]:
    names = local_names(tree, name)
    return [node.lineno for node in tree.nodes if isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id in names)
        or (isinstance(node.func, ast.Attribute) and node.func.attr == name))]


def module_functions(tree: Source) -> dict[str, ast.FunctionDef]:
    """The module's own functions (top level), by name."""
    module = tree.nodes[0]
    return {node.name: node for node in module.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def is_command_test(test: ast.AST, command: str) -> bool:
    """`x == "run"`, `"run" == x` or `x in ("run", ...)`."""
    if not isinstance(test, ast.Compare):
        return False
    operands = [test.left, *test.comparators]
    constants = [o.value for o in operands if isinstance(o, ast.Constant)]
    constants += [e.value for o in operands if isinstance(o, (ast.Tuple, ast.List, ast.Set))
                  for e in o.elts if isinstance(e, ast.Constant)]
    return command in constants and any(isinstance(op, (ast.Eq, ast.In)) for op in test.ops)


def handler_roots(tree: Source, command: str, graph: call_graph.Module) -> tuple[list[str], list[str]]:
    """The chain from main to the code that handles `command`, and the callables that code starts from: a branch on
    the command (`if args.command == "run":`), a dispatch table entry (`{"run": handler}`), or the handler bound by
    `<command parser>.set_defaults(func=handler)`."""
    if "main" not in graph.functions:
        return [], []
    parents: dict[str, str | None] = {"main": None}
    queue = deque(["main"])
    while queue:
        name = queue.popleft()
        for node in ast.walk(graph.functions[name]):
            if isinstance(node, ast.If) and is_command_test(node.test, command):
                chain = [name]
                while parents[chain[0]]:
                    chain.insert(0, parents[chain[0]])
                branch = ast.Module(body=node.body, type_ignores=[])
                return chain, call_graph.callees(graph, branch)
        for callee in call_graph.callees(graph, graph.functions[name]):
            if callee not in parents:
                parents[callee] = name
                queue.append(callee)
    for node in tree.nodes:
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == command:
                    handlers = sorted(h for h in graph.resolve(value, {}) if h in graph.functions)
                    if handlers:
                        return ["main", f"{{{command!r}: {handlers[0]}}}"], handlers
    parsers = subcommand_parsers(tree, command)
    for node in tree.nodes:
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "set_defaults"
                and isinstance(node.func.value, ast.Name) and node.func.value.id in parsers):
            handlers = sorted(h for kw in node.keywords if kw.arg == "func" for h in graph.resolve(kw.value, {})
                              if h in graph.functions)
            if handlers:
                return ["main", f"set_defaults(func={handlers[0]})"], handlers
    return [], []


def calls_name(names: set[str], target: str):
    def calls(function: ast.AST) -> bool:
        return any(isinstance(n, ast.Call) and ((isinstance(n.func, ast.Name) and n.func.id in names)
                   or (isinstance(n.func, ast.Attribute) and n.func.attr == target)) for n in ast.walk(function))
    return calls


def reachable_call_chain(tree: Source, command: str, target: str) -> list[str] | None:
    """main → … → handler → … → target, following functions, methods, partials, tables and aliases, or None."""
    graph = call_graph.Module.of(tree.nodes[0])
    chain, roots = handler_roots(tree, command, graph)
    if not chain:
        return None
    path = call_graph.chain_to(graph, roots, calls_name(local_names(tree, target), target))
    return [*chain, *path, target] if path else None


def reachability(tree: Source, command: str, target: str) -> tuple[str, str]:
    """(`reachable`, the chain) | (`unreachable`, why) | (`could not follow`, why) — `unreachable` only when nothing
    the handler refers to, transitively, can reach a function that calls `target`, and no dynamic look-up could."""
    graph = call_graph.Module.of(tree.nodes[0])
    chain, roots = handler_roots(tree, command, graph)
    if not chain:
        return "could not follow", f"no handler of the `{command}` command was found from main"
    calls = calls_name(local_names(tree, target), target)
    path = call_graph.chain_to(graph, roots, calls)
    if path:
        return "reachable", " → ".join([*chain, *path, target])
    holders = sorted({call_graph.enclosing(graph, line) for line in call_lines(tree, target)})
    reached, dynamic = call_graph.closure(graph, roots)
    if "module level" in holders:
        return "could not follow", f"{target} is called at module level, which runs on import"
    if dynamic:
        return "could not follow", (f"the handler's code looks callables up by names built at run time "
                                    f"({', '.join(dynamic[:3])})")
    if reached & set(holders):
        return "could not follow", (f"{', '.join(sorted(reached & set(holders)))} is referred to from the handler, "
                                    "but no call of it could be followed")
    return "unreachable", (f"nothing on the path ({' → '.join(chain)} → {', '.join(roots) or '(no call)'}) refers to "
                           f"{', '.join(holders)}, even through methods, partials, tables or aliases")


def enclosing_function(tree: Source, line: int) -> str:
    for name, function in module_functions(tree).items():
        if function.lineno <= line <= (function.end_lineno or function.lineno):
            return name
    return "module level"


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class StaticChecks:
    """Facts of plan §1, read from the backend's source with Python's own parser."""

    @keyword("Run The Plan's Search")
    def run_the_plans_search(self, sut_root: str, path: str, pattern: str) -> list[str]:
        """The plan's `rg -n "<pattern>" <file>` from the repository root: run when rg is installed, otherwise the
        suite applies the same pattern line by line and the log says so. Returns the matching `file:line:text` lines.

        Example: `Run The Plan's Search    ${SUT_ROOT}    ${CUS_CLI}    ${PLAN_SEARCH}`
        """
        if not path or not Path(path).is_file():
            logger.info(f"the plan's search cannot run: the file '{path}' does not exist")
            return []
        relative = str(Path(path).resolve().relative_to(Path(sut_root).resolve())) if sut_root else path
        rg = shutil.which("rg")
        if rg:
            result = subprocess.run([rg, "-n", pattern, relative], cwd=sut_root, capture_output=True, text=True, timeout=30)
            matches = result.stdout.splitlines()
            logger.info(f"$ cd {sut_root}\n$ rg -n \"{pattern}\" {relative}\n" + ("\n".join(matches) or "(no match)"))
            return matches
        regex = re.compile(pattern)
        lines = Path(path).read_text().splitlines()
        matches = [f"{n}:{text}" for n, text in enumerate(lines, 1) if regex.search(text)]
        logger.info(f"rg is not installed: the plan's pattern \"{pattern}\" was applied by the suite (Python re) to "
                    f"{relative}, line by line\n" + ("\n".join(matches) or "(no match)"))
        return matches

    @keyword
    def call_should_be_reachable_from_the_command(self, path: str, command: str, name: str) -> str:
        """The plan's literal fact — the file calls `name` — and, as supporting evidence, whether the call can be
        followed from `main` through the handler of the `command` sub-command (functions, methods, partials, dispatch
        tables, aliases). Fails when the file never calls `name`, or when the call is provably unreachable from the
        handler; where the syntax tree cannot decide, it passes with a WARN that says "could not follow" (the run-time
        trace of a real run decides, beyond the plan).

        Returns the chain, e.g. `main → _dispatch → run_goal → _generate_plan_or_fail → generate_plan_for_run`, or
        `could not follow: <why>`.

        Example: `${chain}=    Call Should Be Reachable From The Command    ${CUS_CLI}    run    generate_plan_for_run`
        """
        tree = parse(path)
        file = Path(path).name
        lines = call_lines(tree, name)
        if not lines:
            raise AssertionError(f"{file} never calls {name}")
        verdict, detail = reachability(tree, command, name)
        graph = call_graph.Module.of(tree.nodes[0])
        where = ", ".join(f"line {n} in {call_graph.enclosing(graph, n)}" for n in lines)
        if verdict == "reachable":
            logger.info(f"{file}: {detail}")
            return detail
        if verdict == "unreachable":
            raise AssertionError(f"{file} calls {name} ({where}) but not on the `{command}` command's path: the call is "
                                 f"unreachable — {detail}")
        message = f"could not follow: {file} calls {name} ({where}); {detail}"
        logger.warn(f"{message} — the syntax tree cannot decide; the run-time trace of a real run does (beyond-plan)")
        return message

    @keyword
    def argument_should_be_required(self, path: str, command: str, flag: str) -> str:
        """`flag` is declared with required=True on the parser of the `command` sub-command (not on another one).

        Returns the declaring line, e.g. `cus_cli.py:176: run.add_argument('--tenant-id', required=True)`.

        Example: `Argument Should Be Required    ${CUS_CLI}    run    --tenant-id`
        """
        calls = flag_calls(parse(path), command, flag)
        if not calls:
            raise AssertionError(f"{Path(path).name} defines no {flag} argument for its `{command}` command")
        for call in calls:
            if keyword_value(call, "required") is not True:
                raise AssertionError(f"{flag} is not required: {Path(path).name}:{call.lineno} `{ast.unparse(call)}` "
                                     "has no required=True")
        line = f"{Path(path).name}:{calls[0].lineno}: {ast.unparse(calls[0])}"
        logger.info(line)
        return line

    @keyword
    def argument_should_be_optional_with_a_default(self, path: str, command: str, flag: str) -> str:
        """`flag` of the `command` sub-command is not required and has a non-empty default.

        Returns the default.

        Example: `${default}=    Argument Should Be Optional With A Default    ${CUS_CLI}    run    --origin-system-id`
        """
        calls = flag_calls(parse(path), command, flag)
        if not calls:
            raise AssertionError(f"{Path(path).name} defines no {flag} argument for its `{command}` command")
        call = calls[0]
        if keyword_value(call, "required") is True:
            raise AssertionError(f"{flag} is required at {Path(path).name}:{call.lineno}; the plan says optional")
        default = keyword_value(call, "default")
        if default in (None, ""):
            raise AssertionError(f"{flag} has no default: {Path(path).name}:{call.lineno} `{ast.unparse(call)}`")
        logger.info(f"{Path(path).name}:{call.lineno}: {ast.unparse(call)}")
        return str(default)

    @keyword
    def source_should_import(self, path: str, name: str, module: str) -> None:
        """The file has `from MODULE import NAME` (anywhere, lazily inside a function too).

        Example: `Source Should Import    ${CUS_CLI}    RunRunner    app.hoc.int.worker.runner`
        """
        imported = imports_of(parse(path), name)
        if not any(found == module for found, _ in imported):
            where = ", ".join(f"{m} (line {n})" for m, n in imported) or "nowhere"
            raise AssertionError(f"{Path(path).name} does not import {name} from {module}; it is imported from {where}")
        logger.info(f"{Path(path).name}: imports {name} from {module} on line(s) {[n for m, n in imported if m == module]}")

    @keyword
    def source_should_create_no_customer_run(self, path: str) -> str:
        """The file calls nothing that creates or executes a run and imports neither app.db nor the worker; a
        missing file passes. Returns `absent` or `present, no run creation`.

        Example: `${state}=    Source Should Create No Customer Run    ${INT_CLI}`
        """
        file = Path(path)
        if not file.exists():
            logger.info(f"{path} does not exist: nothing there creates customer runs")
            return "absent"
        tree = parse(path)
        found = [f"{name} (line {line})" for name in sorted(RUN_CREATION_MARKERS) for line in call_lines(tree, name)]
        found += [f"import from {node.module} (line {node.lineno})" for node in tree.nodes
                  if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("app.db", "app.hoc.int.worker"))]
        if found:
            raise AssertionError(f"{file.name} creates customer runs: {', '.join(found)}")
        logger.info(f"{file.name}: no run creation, no runner, no plan generation, no app.db import")
        return "present, no run creation"
