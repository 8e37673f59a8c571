"""Plan §1, static verification: facts read from the backend's source by parsing it, not by a loose grep.

The plan's `rg` pattern is also matched line by line (file:line:text) and logged as evidence; rg itself is not needed.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library

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


@library(scope="GLOBAL")
class StaticChecks:
    @keyword
    def log_plan_search(self, path: str, pattern: str) -> list[str]:
        """The plan's `rg -n "<pattern>" <file>`, as file:line:text evidence."""
        regex = re.compile(pattern)
        if not path or not Path(path).is_file():
            logger.info(f"rg -n \"{pattern}\": the file '{path}' does not exist")
            return []
        lines = Path(path).read_text().splitlines()
        matches = [f"{Path(path).name}:{n}:{text}" for n, text in enumerate(lines, 1) if regex.search(text)]
        logger.info(f"rg -n \"{pattern}\" {path}\n" + ("\n".join(matches) or "(no match)"))
        return matches

    @keyword
    def argument_should_be_required(self, path: str, command: str, flag: str) -> None:
        calls = flag_calls(parse(path), command, flag)
        if not calls:
            raise AssertionError(f"{Path(path).name} defines no {flag} argument for its `{command}` command")
        for call in calls:
            if keyword_value(call, "required") is not True:
                raise AssertionError(f"{flag} is not required: {Path(path).name}:{call.lineno} `{ast.unparse(call)}` "
                                     "has no required=True")
            logger.info(f"{Path(path).name}:{call.lineno}: {ast.unparse(call)}")

    @keyword
    def argument_should_be_optional_with_a_default(self, path: str, command: str, flag: str) -> str:
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
        imported = imports_of(parse(path), name)
        if not any(found == module for found, _ in imported):
            where = ", ".join(f"{m} (line {n})" for m, n in imported) or "nowhere"
            raise AssertionError(f"{Path(path).name} does not import {name} from {module}; it is imported from {where}")
        logger.info(f"{Path(path).name}: imports {name} from {module} on line(s) {[n for m, n in imported if m == module]}")

    @keyword
    def source_should_call(self, path: str, name: str) -> None:
        calls = call_lines(parse(path), name)
        if not calls:
            raise AssertionError(f"{Path(path).name} never calls {name}")
        logger.info(f"{Path(path).name}: calls {name} on line(s) {calls}")

    @keyword
    def source_should_create_no_customer_run(self, path: str) -> str:
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
