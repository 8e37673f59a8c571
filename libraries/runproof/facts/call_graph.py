"""Following calls through one module's syntax tree: functions, methods of the module's classes, functools.partial,
dispatch tables (dicts, lists, tuples of callables) and aliases, module-level or local.

Two questions, answered separately because the second must be sound:
- `chain`: a path of calls from the roots to a function that calls the target (supporting evidence, not proof);
- `closure`: everything the roots *refer to*, transitively — a superset of what they can call. A function outside it
  cannot run from the roots unless code reaches it by a name built at run time (getattr, globals(), sys.modules,
  eval, importlib), which is reported as `dynamic`, or from another module.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass, field

DYNAMIC_CALLS = {"getattr", "globals", "locals", "vars", "eval", "exec", "__import__", "import_module"}
PARTIAL = {"partial", "partialmethod"}


@dataclass
class Module:
    """The module's callables (`f`, `Class.method`), classes, and names bound at module level to callables."""

    tree: ast.Module
    functions: dict[str, ast.AST] = field(default_factory=dict)
    classes: dict[str, dict[str, ast.AST]] = field(default_factory=dict)
    aliases: dict[str, set[str]] = field(default_factory=dict)  # NAME -> callables it may hold (alias, partial, table)

    @classmethod
    def of(cls, tree: ast.Module) -> "Module":
        module = cls(tree)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                module.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                methods = {f.name: f for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
                module.classes[node.name] = methods
                for name, function in methods.items():
                    module.functions[f"{node.name}.{name}"] = function
        for _ in range(3):  # aliases of aliases
            for node in tree.body:
                for target, value in assignments(node):
                    found = module.resolve(value, {})
                    if found:
                        module.aliases.setdefault(target, set()).update(found)
        return module

    def callables_named(self, name: str, local: dict[str, set[str]]) -> set[str]:
        if name in local:
            return local[name]
        if name in self.classes:
            return {f"{name}.{m}" for m in ("__init__", "__post_init__", "__call__") if m in self.classes[name]} or {name}
        if name in self.functions and "." not in name:
            return {name}
        return set(self.aliases.get(name, set()))

    def resolve(self, value: ast.AST, local: dict[str, set[str]]) -> set[str]:
        """The module callables an expression may evaluate to (empty when it names none)."""
        if isinstance(value, ast.Name):
            return self.callables_named(value.id, local)
        if isinstance(value, ast.Call) and call_name(value.func) in PARTIAL and value.args:
            return self.resolve(value.args[0], local)
        if isinstance(value, ast.Dict):
            return set().union(*(self.resolve(v, local) for v in value.values)) if value.values else set()
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            return set().union(*(self.resolve(v, local) for v in value.elts)) if value.elts else set()
        if isinstance(value, ast.Subscript):
            return self.table_entry(value.value, value.slice, local)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get":
            return self.table_entry(value.func.value, value.args[0] if value.args else None, local)
        if isinstance(value, ast.Attribute):
            return self.methods_named(value.attr)
        if isinstance(value, ast.IfExp):
            return self.resolve(value.body, local) | self.resolve(value.orelse, local)
        return set()

    def table_entry(self, table: ast.AST, key: ast.AST | None, local: dict[str, set[str]]) -> set[str]:
        """`TABLE[key]`: the entry under a constant key of a dict literal, else every callable the table holds."""
        literal = self.literal_of(table)
        if isinstance(literal, ast.Dict) and isinstance(key, ast.Constant):
            for k, v in zip(literal.keys, literal.values):
                if isinstance(k, ast.Constant) and k.value == key.value:
                    return self.resolve(v, local)
        return self.resolve(table, local)

    def literal_of(self, node: ast.AST) -> ast.AST | None:
        if isinstance(node, ast.Dict):
            return node
        if isinstance(node, ast.Name):
            for statement in self.tree.body:
                for target, value in assignments(statement):
                    if target == node.id and isinstance(value, ast.Dict):
                        return value
        return None

    def methods_named(self, name: str) -> set[str]:
        return {f"{cls}.{name}" for cls, methods in self.classes.items() if name in methods}


def assignments(node: ast.AST):
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id, node.value
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        yield node.target.id, node.value


def call_name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def own_nodes(function: ast.AST):
    """The nodes of a function's body, without the bodies of functions and classes nested in it."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def locals_of(module: Module, function: ast.AST) -> dict[str, set[str]]:
    local: dict[str, set[str]] = {}
    for node in ast.walk(function):
        for target, value in assignments(node):
            found = module.resolve(value, local)
            if found:
                local.setdefault(target, set()).update(found)
    return local


def callees(module: Module, function: ast.AST) -> list[str]:
    """The module callables `function` calls, in source order: by name, attribute (any of the module's classes'
    methods of that name: the receiver's class is not inferred), table entry, partial, or an alias of any of these."""
    local = locals_of(module, function)
    calls = sorted((n for n in ast.walk(function) if isinstance(n, ast.Call)), key=lambda c: (c.lineno, c.col_offset))
    found: list[str] = []
    for call in calls:
        targets = module.resolve(call.func, local)
        found += sorted(t for t in targets if t in module.functions and t not in found)
    return found


def references(module: Module, function: ast.AST) -> tuple[set[str], list[str]]:
    """Every module callable the function refers to in any way (a superset of what it can call), and the dynamic
    look-ups in it that could reach a callable by a name built at run time."""
    local = locals_of(module, function)
    found: set[str] = set()
    dynamic: list[str] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            for name in module.callables_named(node.id, local) | ({node.id} if node.id in module.functions else set()):
                found.add(name)
            if node.id in module.classes:
                found.update(f"{node.id}.{m}" for m in module.classes[node.id])
        elif isinstance(node, ast.Attribute):
            found.update(module.methods_named(node.attr))
            if node.attr == "modules" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                dynamic.append(f"sys.modules (line {node.lineno})")
        if isinstance(node, ast.Call) and call_name(node.func) in DYNAMIC_CALLS:
            dynamic.append(f"{call_name(node.func)}() (line {node.lineno})")
    return {f for f in found if f in module.functions}, dynamic


def chain_to(module: Module, roots: list[str], calls_target) -> list[str] | None:
    """root → … → the first callable (breadth first) for which `calls_target(node)` holds, or None."""
    parents: dict[str, str | None] = {root: None for root in roots if root in module.functions}
    queue = deque(parents)
    while queue:
        name = queue.popleft()
        function = module.functions[name]
        if calls_target(function):
            path = [name]
            while parents[path[0]]:
                path.insert(0, parents[path[0]])
            return path
        for callee in callees(module, function):
            if callee not in parents:
                parents[callee] = name
                queue.append(callee)
    return None


def closure(module: Module, roots: list[str]) -> tuple[set[str], list[str]]:
    """Every callable reachable by reference from the roots, and the dynamic look-ups met on the way."""
    seen = {root for root in roots if root in module.functions}
    queue = deque(seen)
    dynamic: list[str] = []
    while queue:
        name = queue.popleft()
        found, looked_up = references(module, module.functions[name])
        dynamic += [f"{look} in {name}" for look in looked_up]
        for callee in found - seen:
            seen.add(callee)
            queue.append(callee)
    return seen, dynamic


def enclosing(module: Module, line: int) -> str:
    """The innermost module callable whose body holds `line` (`module level` otherwise)."""
    best, size = "module level", None
    for name, function in module.functions.items():
        end = function.end_lineno or function.lineno
        if function.lineno <= line <= end and (size is None or end - function.lineno < size):
            best, size = name, end - function.lineno
    return best
