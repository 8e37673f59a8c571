"""AC5 observed at the source: the suite's pytest plugin and the judgement, on real pytest runs of small generated
backends (a coordinator module at the contract's path, a test file, sometimes a conftest).

Each case is a way a coordinator test can be reported passed without having passed, or a test file that does not
exercise the coordinator; each must fail AC5 with a message naming the tests (or the figure).
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runproof.keywords.backend_process import BackendResult
from runproof.keywords.cli_output import CliOutput
from runproof.rules.coordinator_test_judgement import defined_tests, functions_of, item_outcome
from runproof.keywords.coordinator_tests import COORDINATOR, CoordinatorTests
from conftest import REFERENCE_BACKEND

TEST_FILE = "tests/test_run_introspection_coordinators.py"
COORDINATOR_SOURCE = '''\
import hashlib


class RunProofCoordinator:
    async def get_run_proof(self, session, tenant_id, run_id):
        steps = ["0:http_call:success"]
        return self._verify_hash_chain(run_id, steps)

    @staticmethod
    def _verify_hash_chain(run_id, steps):
        digest = hashlib.sha256(run_id.encode())
        for step in steps:
            digest.update(step.encode())
        return digest.hexdigest()
'''
HEADER = '''\
import hashlib

import pytest

from app.hoc.cus.hoc_spine.orchestrator.coordinators.run_proof_coordinator import RunProofCoordinator


def expected(run_id):
    digest = hashlib.sha256(run_id.encode())
    digest.update(b"0:http_call:success")
    return digest.hexdigest()


async def test_chain():
    assert await RunProofCoordinator().get_run_proof(None, "t", "r") == expected("r")

'''


def backend(tmp_path: Path, tests: str, conftest: str = "", header: str = HEADER) -> Path:
    root = tmp_path / "backend"
    module = root / COORDINATOR
    module.parent.mkdir(parents=True)
    module.write_text(COORDINATOR_SOURCE)
    (root / "tests").mkdir()
    (root / TEST_FILE).write_text(header + textwrap.dedent(tests))
    (root / "tests" / "conftest.py").write_text(textwrap.dedent(conftest))
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\nasyncio_mode = "auto"\n')
    return root


def observe(root: Path) -> dict:
    """The suite's way: the plan's pytest with the observer and coverage, then the judgement."""
    library = CoordinatorTests()
    arguments = library.coordinator_tests_arguments(str(root), TEST_FILE)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f".:{library.observer_plugin_folder()}"}
    done = subprocess.run([sys.executable, *arguments], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    result = BackendResult(done.returncode, done.stdout, done.stderr, False)
    claim = CliOutput().pytest_counts(done.stdout)["line"]
    return library.observe_the_coordinator_tests(result, str(root), TEST_FILE, claim)


def problem(root: Path) -> str:
    judgement = observe(root)
    assert judgement["problem"], f"AC5 held: {judgement}"
    return judgement["problem"]


def coverage_problem(root: Path) -> str:
    """Beyond plan §5: AC5 holds (the tests passed), but they did not run the product's coordinator."""
    judgement = observe(root)
    assert judgement["problem"] is None, judgement["problem"]
    assert judgement["coverage_problem"], f"the coordinator ran: {judgement}"
    with pytest.raises(AssertionError, match=re.escape(judgement["coverage_problem"])):
        CoordinatorTests().coordinator_tests_should_have_run_the_coordinator(judgement)
    return judgement["coverage_problem"]


def test_tests_that_run_the_coordinator_and_pass_hold_ac5(tmp_path):
    judgement = observe(backend(tmp_path, '''
        class TestMore:
            @pytest.mark.parametrize("run_id", ["a", "b"])
            async def test_each(self, run_id):
                assert await RunProofCoordinator().get_run_proof(None, "t", run_id) == expected(run_id)
    '''))
    assert judgement["problem"] is None
    assert [(t["test"], t["outcome"], t["call_raised"]) for t in judgement["tests"]] == [
        ("test_chain", "passed", None), ("TestMore::test_each[a]", "passed", None),
        ("TestMore::test_each[b]", "passed", None)]
    functions = judgement["coverage"]["functions"]
    assert functions["run_proof_coordinator.py:RunProofCoordinator.get_run_proof"]["lines"] == "2/2 (100%)"
    assert functions["run_proof_coordinator.py:RunProofCoordinator._verify_hash_chain"]["hash_chain"]
    assert judgement["coverage"]["modules"]["run_proof_coordinator.py"]["lines"] == "11/11 (100%)"
    summary = CoordinatorTests().coordinator_tests_should_have_passed_as_observed(judgement)
    assert "3 passed" in summary
    figure = CoordinatorTests().coordinator_tests_should_have_run_the_coordinator(judgement)
    assert "RunProofCoordinator.get_run_proof 2/2 (100%)" in figure


@pytest.mark.parametrize(("tests", "says"), [
    ("@pytest.mark.skip(reason='quarantined')\ndef test_skipped():\n    assert False\n", "skipped: test_skipped"),
    ("def test_skips_itself():\n    pytest.skip('later')\n", "skipped: test_skips_itself"),
    ("@pytest.mark.xfail(reason='known')\ndef test_xfail():\n    assert False\n", "xfailed: test_xfail"),
    ("@pytest.mark.xfail(reason='known')\ndef test_xpass():\n    assert True\n", "xpassed: test_xpass"),
    ("@pytest.fixture\ndef broken():\n    raise RuntimeError('no')\n\n\ndef test_needs(broken):\n    pass\n",
     "error in setup: test_needs"),
    ("@pytest.fixture\ndef leaky():\n    yield\n    raise RuntimeError('no')\n\n\ndef test_leaks(leaky):\n    pass\n",
     "error in teardown: test_leaks"),
    ("class TestRefused:\n    def __init__(self):\n        pass\n\n    def test_never(self):\n        pass\n",
     "never collected: TestRefused::test_never (class TestRefused has __init__: pytest refuses to collect it) "
     "(collection said: PytestCollectionWarning: cannot collect test class 'TestRefused' because it has a __init__"),
], ids=["skip-marker", "skip-call", "xfail", "xpass", "setup-error", "teardown-error", "class-refused"])
def test_a_test_that_did_not_run_and_pass_fails_ac5_by_name(tmp_path, tests, says):
    assert says in problem(backend(tmp_path, tests))


def test_a_deselected_test_fails_ac5(tmp_path):
    conftest = '''
        def pytest_collection_modifyitems(config, items):
            dropped = [item for item in items if item.name == "test_dropped"]
            items[:] = [item for item in items if item.name != "test_dropped"]
            config.hook.pytest_deselected(items=dropped)
    '''
    assert "deselected: test_dropped" in problem(backend(tmp_path, "def test_dropped():\n    pass\n", conftest))


def test_a_parametrized_case_collected_but_never_reported_fails_ac5_by_its_id(tmp_path):
    conftest = '''
        import pytest

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_protocol(item, nextitem):
            return True if item.name == "test_case[b]" else None
    '''
    tests = "import pytest\n\n\n@pytest.mark.parametrize('x', ['a', 'b'])\ndef test_case(x):\n    assert x\n"
    said = problem(backend(tmp_path, tests, conftest))
    assert "collected, never reported: test_case[b]" in said and "test_case[a]" not in said


def test_a_test_removed_silently_from_collection_is_never_collected(tmp_path):
    conftest = '''
        def pytest_collection_modifyitems(config, items):
            items[:] = [item for item in items if item.name != "test_hidden"]
    '''
    assert "never collected: test_hidden" in problem(backend(tmp_path, "def test_hidden():\n    pass\n", conftest))


@pytest.mark.parametrize("marker", ["hookwrapper=True", "hookwrapper=True, tryfirst=True", "tryfirst=True"])
def test_an_outcome_rewritten_by_a_conftest_hook_fails_ac5_naming_the_hook(tmp_path, marker):
    """Whatever the conftest's priority, the observer wraps it: the raw call result is read before it can act."""
    body = ("outcome = yield\n    report = outcome.get_result()" if "hookwrapper" in marker else
            "from _pytest.reports import TestReport\n    report = TestReport.from_item_and_call(item, call)")
    conftest = f'''
import pytest


@pytest.hookimpl({marker})
def pytest_runtest_makereport(item, call):
    {body}
    if report.when == "call" and report.failed:
        report.outcome = "passed"
        report.longrepr = None
    {"" if "hookwrapper" in marker else "return report"}
'''
    root = backend(tmp_path, "def test_broken():\n    assert 1 == 2\n", conftest)
    done = subprocess.run([sys.executable, "-m", "pytest", TEST_FILE, "-q", "-p", "no:cacheprovider"], cwd=root,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "."}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "2 passed" in done.stdout, "the conftest must fool pytest itself"
    said = problem(root)
    assert said.startswith("a coordinator test's outcome was rewritten: test_broken: its call raised AssertionError "
                           "but was reported passed — changed by "), said
    assert f"{root}/tests/conftest.py:" in said and "pytest_runtest_makereport" in said


def test_a_hook_registered_after_the_observer_fails_ac5_naming_it(tmp_path):
    """The observer checks its premise: a wrapper registered late (here at session start) would run outside it."""
    conftest = '''
        import pytest


        class Late:
            @pytest.hookimpl(hookwrapper=True, tryfirst=True)
            def pytest_runtest_makereport(self, item, call):
                yield


        def pytest_sessionstart(session):
            session.config.pluginmanager.register(Late(), "late")
    '''
    said = problem(backend(tmp_path, "", conftest))
    assert said.startswith("the suite's observer did not wrap every hook implementation: ")
    assert "conftest.py:" in said and "Late.pytest_runtest_makereport (pytest_runtest_makereport) ran outside it" in said


def test_an_outcome_rewritten_at_logging_fails_ac5(tmp_path):
    conftest = '''
        def pytest_runtest_logreport(report):
            if report.when == "call" and report.failed:
                report.outcome = "passed"
    '''
    said = problem(backend(tmp_path, "def test_broken():\n    assert False\n", conftest))
    assert "test_broken: its call raised AssertionError but was reported passed" in said
    assert "pytest_runtest_logreport" in said


def test_tests_of_a_copy_of_the_coordinator_hold_ac5_but_fail_beyond_it_with_the_figure(tmp_path):
    header = HEADER.replace(
        "from app.hoc.cus.hoc_spine.orchestrator.coordinators.run_proof_coordinator import RunProofCoordinator\n",
        "import importlib.util, pathlib, shutil, tempfile\n"
        "copy = pathlib.Path(tempfile.mkdtemp()) / 'copy.py'\n"
        "shutil.copy('app/hoc/cus/hoc_spine/orchestrator/coordinators/run_proof_coordinator.py', copy)\n"
        "spec = importlib.util.spec_from_file_location('copy', copy)\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "RunProofCoordinator = module.RunProofCoordinator\n")
    said = coverage_problem(backend(tmp_path, "", header=header))
    assert said == ("the coordinator tests did not exercise the product's coordinator: run_proof_coordinator.py "
                    "0/11 (0%) lines, never imported: RunProofCoordinator.get_run_proof ran 0/2 (0%); "
                    "RunProofCoordinator._verify_hash_chain ran 0/4 (0%) — do the tests test a copy of it, or mock "
                    "it away?")


def test_tests_of_a_mocked_coordinator_hold_ac5_but_fail_beyond_it_with_the_figure(tmp_path):
    tests = '''
        @pytest.fixture(autouse=True)
        def mocked(monkeypatch):
            async def fake(self, session, tenant_id, run_id):
                return expected(run_id)
            monkeypatch.setattr(RunProofCoordinator, "get_run_proof", fake)
    '''
    said = coverage_problem(backend(tmp_path, tests))
    assert "run_proof_coordinator.py 5/11 (45%) lines, imported: RunProofCoordinator.get_run_proof ran 0/2" in said


def test_without_coverage_in_the_backend_interpreter_ac5_holds_and_the_configuration_is_named(tmp_path):
    root = backend(tmp_path, "")
    (root / "coverage.py").write_text("raise ImportError('coverage is not installed here')\n")
    assert coverage_problem(root) == ("configuration: the coordinator's coverage could not be measured: ImportError: "
                                      "coverage is not installed here")


def test_a_conftest_that_breaks_pytest_leaves_nothing_observed(tmp_path):
    said = problem(backend(tmp_path, "", "raise SystemExit(3)\n"))
    assert said.startswith("the coordinator tests could not be observed: pytest exited ")


def test_the_precondition_names_the_command_that_adds_coverage():
    result = BackendResult(1, "", "Traceback …\nModuleNotFoundError: No module named 'coverage'\n", False)
    with pytest.raises(AssertionError) as raised:
        CoordinatorTests().coverage_should_be_importable(result, "/srv/backend/.venv/bin/python")
    assert str(raised.value) == (
        "configuration: coverage.py is not importable in BACKEND_PYTHON (ModuleNotFoundError: No "
        "module named 'coverage'), and the coordinator tests' coverage (beyond plan §5) is measured with it; add it with: "
        "/srv/backend/.venv/bin/python -m pip install coverage==7.17.5")


def test_the_reference_tests_hold_ac5():
    judgement = observe(REFERENCE_BACKEND)
    assert judgement["problem"] is None, judgement["problem"]
    assert len(judgement["tests"]) == 19 and {t["outcome"] for t in judgement["tests"]} == {"passed"}
    ran = {name.split(":")[1]: f["ran"] for name, f in judgement["coverage"]["functions"].items()}
    assert ran["RunProofCoordinator.get_run_proof"] and ran["RunProofCoordinator._verify_hash_chain"]


class TestDefinedTests:
    def test_pytest_naming_rules_and_the_backends_own_additions(self):
        source = textwrap.dedent('''
            def test_a(): pass
            async def test_b(): pass
            def helper_test(): pass
            def check_c(): pass
            class TestOuter:
                def test_d(self): pass
                class TestInner:
                    def test_e(self): pass
            class Helper:
                def test_f(self): pass
            class TestWithInit:
                def __init__(self): pass
                def test_g(self): pass
        ''')
        names = [(t["name"], bool(t["refused"])) for t in defined_tests(source, {"python_functions": ["check_*"]})]
        assert names == [("test_a", False), ("test_b", False), ("check_c", False), ("TestOuter::test_d", False),
                         ("TestOuter::TestInner::test_e", False), ("TestWithInit::test_g", True)]

    def test_a_configuration_cannot_hide_a_test_function(self):
        assert [t["name"] for t in defined_tests("def test_a(): pass\n", {"python_functions": ["nothing_"]})] == [
            "test_a"]

    def test_hash_chain_code_is_found_by_name_or_by_its_sha256_call(self):
        functions = functions_of("import hashlib\ndef a():\n    return hashlib.sha256(b'')\n"
                                 "def _verify_hash_chain():\n    pass\ndef other():\n    pass\n")
        assert [(f["name"], f["hash_chain"]) for f in functions] == [
            ("a", True), ("_verify_hash_chain", True), ("other", False)]

    def test_an_item_that_never_ran_is_not_passed(self):
        assert item_outcome({"phases": {}}) == "collected, never reported"
        assert item_outcome({"phases": {"setup": {"made": "passed"}}}) == "collected, never reported"


# --- §5 able to fail (issue 31) -------------------------------------------------------------------------------------
def test_the_suite_and_the_hook_name_the_same_mutations():
    import ast as python_ast

    from runproof.rules.coordinator_test_judgement import MUTATIONS

    tree = python_ast.parse((REFERENCE_BACKEND.parents[1] / "probe" / "runproof_mutation_hook.py").read_text())
    (table,) = [node.value for node in tree.body if isinstance(node, python_ast.Assign)
                and getattr(node.targets[0], "id", "") == "MUTATIONS"]
    assert tuple(key.value for key in table.keys) == MUTATIONS


@pytest.mark.parametrize("mutation", ["a link dropped from the chain", "steps read in another order",
                                      "an empty chain verified", "the tenant ignored", "the status coerced otherwise"])
def test_each_mutation_of_the_reference_coordinator_is_killed_by_its_tests(mutation, tmp_path):
    import subprocess
    import sys

    from runproof.rules.coordinator_test_judgement import mutation_outcome

    record = tmp_path / "record.txt"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f".:{REFERENCE_BACKEND.parents[1] / 'probe'}",
           "RUNPROOF_MUTATION": mutation, "RUNPROOF_MUTATION_RECORD": str(record),
           "RUNPROOF_MUTATION_MODULE": "app.hoc.cus.hoc_spine.orchestrator.coordinators.run_proof_coordinator"}
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/test_run_introspection_coordinators.py", "-q", "-p",
                           "no:cacheprovider", "-p", "runproof_mutation_hook"], cwd=REFERENCE_BACKEND, env=env,
                          capture_output=True, text=True, timeout=120)
    assert mutation_outcome(record.read_text(), done.returncode, done.stdout) == "killed", done.stdout[-800:]


# A coordinator may build each step's line first and hash it on the next statement, as the real backend's does
# (found when the mutations ran on its tests): every mutation must still find its site there.
LINE_BUILT_FIRST = """
import hashlib


async def verify(store, run_id, tenant_id):
    trace = await store.get_trace(run_id, tenant_id=tenant_id)
    steps = trace.steps if trace else []
    if not steps:
        return "UNSUPPORTED", None
    digest = hashlib.sha256(run_id.encode())
    for step in steps:
        line = f"{step.step_index}:{step.skill_name}:{step.status}"
        digest.update(line.encode())
    return "VERIFIED", digest.hexdigest()
"""


@pytest.mark.parametrize("mutation", ["a link dropped from the chain", "steps read in another order",
                                      "an empty chain verified", "the tenant ignored", "the status coerced otherwise"])
def test_each_mutation_finds_its_site_where_the_step_line_is_built_before_it_is_hashed(mutation):
    import ast as python_ast
    import importlib.util

    spec = importlib.util.spec_from_file_location("hook", REFERENCE_BACKEND.parents[1] / "probe" / "runproof_mutation_hook.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    tree = python_ast.parse(LINE_BUILT_FIRST)
    assert hook.MUTATIONS[mutation](tree), f"{mutation}: no site found"
    assert python_ast.unparse(tree) != python_ast.unparse(python_ast.parse(LINE_BUILT_FIRST))


def test_a_test_file_whose_tests_cannot_fail_is_named():
    from runproof.rules.coordinator_test_judgement import hollow_assertions, mutation_outcome

    source = ("def test_a():\n    assert (1 == 2, 'never checked')\n\n\ndef test_b():\n    assert True\n\n\n"
              "def test_b():\n    pass\n")
    assert hollow_assertions(source) == ["test_b is defined twice (lines 5 and 9): pytest runs only the later one",
                                         "line 2 asserts a non-empty tuple, which is always true"]
    assert hollow_assertions("def test_a():\n    assert (1, 2) == (1, 2)\n") == []
    assert mutation_outcome("applied", 0, "19 passed") == "survived"
    assert mutation_outcome("not applicable", 0, "") == "not applicable"
    assert mutation_outcome("", 4, "ERROR: usage").startswith("not judged")
