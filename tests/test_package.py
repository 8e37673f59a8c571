"""The suite's shape (issue 30): one installed package, no path set by hand, every third-party import declared, one
home for robot options."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Names pyproject.toml and requirements.txt use for a distribution, normalised as PEP 503 does.
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731


def imports_of(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "runproof"}


def declared(*groups: str) -> set[str]:
    requirements = list(PYPROJECT["project"]["dependencies"])
    for group in groups:
        requirements += PYPROJECT["project"]["optional-dependencies"][group]
    return {norm(Requirement(text).name) for text in requirements}


def distributions(modules: set[str]) -> dict[str, set[str]]:
    owners = packages_distributions()
    return {module: {norm(name) for name in owners.get(module, [])} for module in modules}


def test_every_third_party_import_of_the_package_is_declared_in_its_dependencies():
    modules = imports_of(ROOT / "libraries" / "runproof")
    assert {"robot", "pydantic", "psycopg2"} <= modules, "the walk found nothing: it would pass on nothing"
    undeclared = {module: names for module, names in distributions(modules).items() if not names & declared()}
    assert undeclared == {}, "imported by the package but not in pyproject.toml's dependencies"


def test_every_third_party_import_of_the_tests_is_declared_in_the_tests_group():
    modules = imports_of(ROOT / "tests") - {"conftest", "canaries", "matrix", "matrix_plugin", "app"} - {
        path.stem for path in (ROOT / "tests").rglob("test_*.py")}
    groups = declared("tests", "reference", "browser")
    undeclared = {module: names for module, names in distributions(modules).items() if not names & groups}
    assert undeclared == {}, "imported by the tests but in no dependency group"


def test_requirements_pins_every_declared_dependency_and_installs_the_package():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[-1].startswith("-e .[") and "tests" in lines[-1]
    pinned = {norm(Requirement(line).name) for line in lines[:-1]}
    assert all("==" in line for line in lines[:-1]), "requirements.txt pins every version"
    groups = tuple(PYPROJECT["project"]["optional-dependencies"])
    assert declared(*groups) <= pinned, f"declared but not pinned: {declared(*groups) - pinned}"


def test_no_path_is_put_on_sys_path_by_hand():
    offenders = []
    for folder in ("libraries", "tests", "bench", "resources", "suites"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".robot", ".resource") and path != Path(__file__) and re.search(r"sys\.path\s*(\[|\.insert|\.append|=)|"
                                                                           r"--pythonpath|PYTHONPATH=.*libraries",
                                                                           path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [] and "pythonpath" not in (ROOT / "robot.args").read_text().lower()
    assert ".pth" not in (ROOT / "Makefile").read_text()


def test_robot_options_have_one_home_the_others_name_it():
    toml = tomllib.loads((ROOT / "robot.toml").read_text())
    assert toml["args"] == ["--argumentfile", "robot.args"] and set(toml) == {"paths", "args"}
    assert "ROBOT_ARGS := --argumentfile robot.args" in (ROOT / "Makefile").read_text()
    from runproof.robot_hooks.robot_command import ARGUMENT_FILE, robot_command

    assert ARGUMENT_FILE == ROOT / "robot.args"
    assert robot_command("out")[3:5] == ["--argumentfile", str(ARGUMENT_FILE)]
    options = [line for line in (ROOT / "robot.args").read_text().splitlines() if line.startswith("--")]
    assert not any(line.startswith("--listener") for line in options), "the verdict is the evidence library's"


def test_the_criteria_have_one_source():
    from runproof.criteria import CRITERIA

    plan_words = {"AC1": "Customer CLI creates a run with explicit `tenant_id` and `origin_system_id`.",
                  "AC5": "Coordinator tests pass."}
    assert {ac: CRITERIA[ac] for ac in plan_words} == plan_words
    python = [path for path in (ROOT / "libraries").rglob("*.py") if plan_words["AC1"] in path.read_text()]
    assert python == [], "the criteria's words are read from robot.args, not written again"
