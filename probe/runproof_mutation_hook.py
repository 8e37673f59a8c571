"""A pytest plugin, `-p runproof_mutation_hook` (probe/ on PYTHONPATH), that breaks the product's coordinator in one
small, realistic way before the tests import it, so that the suite can see whether the backend's coordinator tests
notice (issue 31: §5 proven able to fail). Standard library and pytest only; it runs in the backend's interpreter.

RUNPROOF_MUTATION names the mutation (one of MUTATIONS) and RUNPROOF_MUTATION_MODULE the coordinator's module. The
module's source is parsed, the mutation applied to its first site in the syntax tree, and the module compiled from the
mutated tree by an import hook: no file of the backend changes. Where the mutation finds no site, the plugin writes
`not applicable` to RUNPROOF_MUTATION_RECORD and the tests run unmutated (their outcome is then not a verdict).
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.util
import os
import sys


def _drop_a_link(tree: ast.AST) -> bool:
    """The hash chain misses one link: the first `<digest>.update(...)` statement is removed."""
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for i, statement in enumerate(body):
                if (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
                        and isinstance(statement.value.func, ast.Attribute) and statement.value.func.attr == "update"):
                    body[i] = ast.Pass()
                    return True
    return False


def _reorder_the_steps(tree: ast.AST) -> bool:
    """The steps are read in another order: the first `for` loop that updates a digest iterates in reverse."""
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and _updates_a_digest(node):
            node.iter = ast.Call(ast.Name("reversed", ast.Load()), [ast.Call(ast.Name("list", ast.Load()), [node.iter], [])], [])
            return True
    return False


def _verify_an_empty_chain(tree: ast.AST) -> bool:
    """A trace without steps is verified: the first `if not <steps>:` guard never fires."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not):
            node.test = ast.Constant(False)
            return True
    return False


def _ignore_the_tenant(tree: ast.AST) -> bool:
    """The tenant is compared loosely: the first call given `tenant_id=` is given None instead."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "tenant_id":
                    keyword.value = ast.Constant(None)
                    return True
    return False


def _updates_a_digest(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "update"
               for n in ast.walk(node))


def _coerce_the_status_otherwise(tree: ast.AST) -> bool:
    """The step status reaches the chain coerced otherwise: the f-string hashed for each step ends upper-cased — the
    first one given to `.update` itself, else the first one built inside the loop that updates the digest (a coordinator
    may build the step's line first, `line = f"…:{status}"`, and hash it on the next statement)."""
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr == "update"]
    loops = [n for n in ast.walk(tree) if isinstance(n, ast.For) and _updates_a_digest(n)]
    for scope in (*calls, *loops):
        for inner in ast.walk(scope):
            if isinstance(inner, ast.JoinedStr) and inner.values and isinstance(inner.values[-1], ast.FormattedValue):
                last = inner.values[-1]
                last.value = ast.Call(ast.Attribute(ast.Call(ast.Name("str", ast.Load()), [last.value], []),
                                                    "upper", ast.Load()), [], [])
                return True
    return False


MUTATIONS = {
    "a link dropped from the chain": _drop_a_link,
    "steps read in another order": _reorder_the_steps,
    "an empty chain verified": _verify_an_empty_chain,
    "the tenant ignored": _ignore_the_tenant,
    "the status coerced otherwise": _coerce_the_status_otherwise,
}


class _Mutated(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, module: str, mutation: str, record: str) -> None:
        self.module, self.mutation, self.record = module, mutation, record

    def find_spec(self, fullname, path, target=None):
        if fullname != self.module:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or not spec.origin:
            return None
        self.origin = spec.origin
        return importlib.util.spec_from_file_location(fullname, spec.origin, loader=self,
                                                      submodule_search_locations=spec.submodule_search_locations)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        with open(self.origin, encoding="utf-8") as source:
            tree = ast.parse(source.read(), self.origin)
        applied = MUTATIONS[self.mutation](tree)
        _write(self.record, "applied" if applied else "not applicable")
        exec(compile(ast.fix_missing_locations(tree), self.origin, "exec"), module.__dict__)  # noqa: S102


def _write(path: str, text: str) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as record:
            record.write(text)


def pytest_load_initial_conftests(early_config, parser, args):
    mutation = os.environ.get("RUNPROOF_MUTATION", "")
    if mutation:
        sys.meta_path.insert(0, _Mutated(os.environ["RUNPROOF_MUTATION_MODULE"], mutation,
                                         os.environ.get("RUNPROOF_MUTATION_RECORD", "")))
