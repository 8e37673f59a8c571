"""Plan §5, the coordinator tests, observed at the source (contract §6, §8; docs/observation.md).

The plan's command runs with two additions, declared as a plan deviation: the suite's own pytest plugin
(probe/runproof_pytest_observer.py, `-p`, from probe/ added to PYTHONPATH) and coverage.py restricted to the
coordinator's modules. AC5 is then judged on what the plugin saw (libraries/runproof/rules/coordinator_test_judgement.py), not on
pytest's closing line, which is kept as the claim it is. One instrumented run, no literal twin: the additions only
observe (a plugin that records, a tracer restricted to three files), and a second run would cost the real
backend's 3.6 s of CPU again on two cores.
"""

from __future__ import annotations

import json
import shlex
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library

from runproof.rules.coordinator_test_judgement import (MUTATIONS, NOT_PASSED_ORDER, coordinator_not_exercised,
                                                       coverage_figures, defined_tests, hollow_assertions, judge_tests,
                                                       mutation_outcome)
from runproof.evidence.masking import mask, one_line
from runproof.keywords.evidence import record_into_the_run_evidence
from runproof import DOC_FORMAT, PROBE_DIR, VERSION
from runproof.target.reaper import Reaper

PLUGIN = "runproof_pytest_observer"
PLAN_COMMAND = "PYTHONPATH=. pytest tests/test_run_introspection_coordinators.py -q"
# Contract §6: the coordinator (AC5 requires its get_run_proof and hash chain to run), the logs bridge and the
# schemas (measured and reported only: the backend's tests patch the bridge away, as the real ones do).
COORDINATOR = "app/hoc/cus/hoc_spine/orchestrator/coordinators/run_proof_coordinator.py"
COORDINATOR_MODULES = (COORDINATOR, "app/hoc/cus/hoc_spine/orchestrator/coordinators/bridges/logs_bridge.py",
                       "app/hoc/cus/hoc_spine/schemas/run_introspection_protocols.py")


class CoordinatorTestsFailed(AssertionError):
    ROBOT_SUPPRESS_NAME = True


def _some(names: list[str], shown: int = 5) -> str:
    """Up to `shown` names in a failure message; every one of them is in the evidence (`pytest_tests`)."""
    more = f" and {len(names) - shown} more (all in evidence.json pytest_tests)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _coverage_pin() -> str:
    try:
        return f"coverage=={version('coverage')}"
    except PackageNotFoundError:
        return "coverage"


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class CoordinatorTests:
    """Runs plan §5 with the suite's observer and coverage.py, and judges AC5 on what they saw."""

    def __init__(self) -> None:
        self._observations = ""
        self._arguments: list[str] = []

    @keyword
    def coordinator_tests_arguments(self, backend_dir: str, test_file: str) -> list[str]:
        """The interpreter's arguments for plan §5 with the observer and coverage: `-m pytest FILE -q`, then the
        additions. Its PYTHONPATH must also hold `Observer Plugin Folder`.

        Given the backend folder and the test file (relative to it). Returns the argument list.

        Example: `${arguments}=    Coordinator Tests Arguments    ${BACKEND_DIR}    ${COORDINATOR_TESTS}`
        """
        folder = Reaper.shared().temporary_folder("runproof-pytest-")  # removed whether or not §5 read it
        self._observations = str(Path(folder) / "observed.json")
        cover = [arg for module in COORDINATOR_MODULES if (Path(backend_dir) / module).is_file()
                 for arg in ("--runproof-cover", module)]
        self._arguments = ["-m", "pytest", test_file, "-q", "-p", "no:cacheprovider", "-p", PLUGIN,
                           "--runproof-observations", self._observations, *cover]
        return list(self._arguments)

    @keyword
    def observer_plugin_folder(self) -> str:
        """The folder the observer plugin is imported from (added to the backend process's PYTHONPATH).

        Example: `${folder}=    Observer Plugin Folder`
        """
        return str(PROBE_DIR)

    @keyword
    def plan_command_and_additions(self, python: str = "python") -> dict:
        """The plan's §5 command, the one that ran (`python` with the last `Coordinator Tests Arguments`), and the
        deviation's text.

        Returns `plan`, `ran` and `deviation`.

        Example: `${command}=    Plan Command And Additions    ${PYTHON}`
        """
        cover = [Path(arg).name for arg, flag in zip(self._arguments[1:], self._arguments) if flag == "--runproof-cover"]
        ran = f"PYTHONPATH=.:{PROBE_DIR} {shlex.join([python, *self._arguments])}"
        deviation = (f"Plan §5 runs `{PLAN_COMMAND}`; the suite ran it with its own pytest plugin added "
                     f"(`-p {PLUGIN}`, from probe/ appended to PYTHONPATH) and coverage.py of {', '.join(cover)}, so "
                     f"that every test's outcome is observed inside pytest and the coordinator is shown to have run "
                     f"under the tests: pytest's closing line is the backend's own report of itself.")
        return {"plan": PLAN_COMMAND, "ran": ran, "deviation": deviation}

    @keyword
    def coordinator_mutations(self) -> list[dict]:
        """The small, fixed set of realistic ways to break the product's coordinator that the backend's coordinator
        tests should notice (probe/runproof_mutation_hook.py applies one per pytest process, through an import hook):
        each with its `name`, the process `env` and the `record` file the hook writes.

        Example: `${mutations}=    Coordinator Mutations`
        """
        folder = Path(Reaper.shared().temporary_folder("runproof-mutations-"))
        module = COORDINATOR.removesuffix(".py").replace("/", ".")
        return [{"name": name, "process": f"coordinator-mutation-{number}", "record": str(folder / f"{number}.txt"),
                 "env": {"RUNPROOF_MUTATION": name, "RUNPROOF_MUTATION_MODULE": module,
                         "RUNPROOF_MUTATION_RECORD": str(folder / f"{number}.txt")}}
                for number, name in enumerate(MUTATIONS)]

    @keyword
    def coordinator_tests_should_notice_a_broken_coordinator(self, outcomes: list[dict], backend_dir: str,
                                                             test_file: str) -> str:
        """Beyond plan §5: with the product's coordinator broken in each way of `Coordinator Mutations`, the backend's
        coordinator tests fail; and the test file shows no test that cannot fail (a name defined twice, an assert
        on a tuple). A survivor is a finding about what AC5's "tests pass" is worth, never a failure of AC5.

        - `outcomes`: per mutation, `name`, `record` (the path of the hook's record), `rc` and `stdout` of its pytest.
        - Returns `killed N/M` with each outcome; raises `CoordinatorTestsFailed` naming every survivor and finding.

        Example: `${detail}=    Coordinator Tests Should Notice A Broken Coordinator    ${outcomes}    ${BACKEND_DIR}    ${COORDINATOR_TESTS}`
        """
        judged = {o["name"]: mutation_outcome(Path(o["record"]).read_text() if Path(o["record"]).is_file() else "",
                                              o["rc"], o["stdout"]) for o in outcomes}
        record_into_the_run_evidence(coordinator_mutations=judged)
        source = Path(backend_dir) / test_file
        findings = hollow_assertions(source.read_text(), str(source)) if source.is_file() else []
        survivors = [name for name, outcome in judged.items() if outcome == "survived"]
        applied = [name for name, outcome in judged.items() if outcome in ("killed", "survived")]
        shown = "; ".join(f"{name}: {outcome}" for name, outcome in judged.items())
        if survivors or findings:
            raise CoordinatorTestsFailed(one_line(
                "the coordinator tests cannot fail where they should: "
                + "; ".join([*(f"they pass with {name}" for name in survivors), *findings]) + f" — {shown}", 900))
        if not applied:
            raise CoordinatorTestsFailed(one_line(f"no mutation of the coordinator could be judged: {shown}"))
        return f"killed {len(applied)}/{len(applied)}: {shown}"

    @keyword
    def coverage_should_be_importable(self, result, python: str) -> str:
        """coverage.py answered in the backend's interpreter (`python -c "import coverage; print(version)"`).

        Given the finished process's result and the interpreter. Returns its version. Fails in one line saying how
        to add it.

        Example: `${version}=    Coverage Should Be Importable    ${result}    ${PYTHON}`
        """
        if result.rc != 0:
            lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
            raise CoordinatorTestsFailed(one_line(
                f"configuration: coverage.py is not importable in BACKEND_PYTHON ({lines[-1] if lines else 'no output'}),"
                f" and the coordinator tests' coverage (beyond plan §5) is measured with it; add it with: {python} -m pip"
                f" install {_coverage_pin()}", 600))
        return result.stdout.strip()

    @keyword
    def observe_the_coordinator_tests(self, result, backend_dir: str, test_file: str, claim: str) -> dict:
        """Every test the file defines, every item pytest collected with its outcome, and the coordinator's coverage.

        Given the finished pytest's result, the backend folder, the test file and pytest's closing line (the claim).
        Returns `tests` (`pytest_tests`), `coverage` (`coordinator_coverage`), `problem` (None when AC5 holds: the
        plan's §5, which needs no coverage), `coverage_problem` (None when the tests ran the product's coordinator,
        beyond the plan) and `summary`.

        Example: `${observed}=    Observe The Coordinator Tests    ${result}    ${BACKEND_DIR}    ${COORDINATOR_TESTS}    ${line}`
        """
        path = Path(self._observations)
        exists = bool(self._observations) and path.is_file()
        observed = json.loads(path.read_text()) if exists else {}
        if self._observations:
            shutil.rmtree(path.parent, ignore_errors=True)
        if not exists:
            lines = [line for line in (result.stderr + "\n" + result.stdout).splitlines() if line.strip()]
            return {"tests": [], "coverage": None, "summary": claim, "coverage_problem": None, "problem": one_line(
                f"the coordinator tests could not be observed: pytest exited {result.rc} before the suite's observer "
                f"wrote anything: {lines[-1] if lines else 'no output'}")}
        logger.info(mask(f"what the observer saw inside pytest:\n{json.dumps(observed, indent=1)}"))
        source_file = Path(backend_dir) / test_file
        defined = defined_tests(source_file.read_text(), observed.get("naming"), str(source_file))
        tests, problems = judge_tests(observed, defined, Path(test_file).name)
        sources = {m: (Path(backend_dir) / m).read_text() for m in COORDINATOR_MODULES if (Path(backend_dir) / m).is_file()}
        measured = observed.get("coverage") or {}
        figures = coverage_figures(measured, sources) if "files" in measured else {"error": measured.get("error")}
        if "functions" in figures:
            figures["figure"] = self._figure(figures)
        judgement = {"tests": tests, "coverage": figures, "summary": claim,
                     "problem": self._problem(problems, defined, observed, result.rc, claim),
                     "coverage_problem": self._coverage_problem(figures)}
        return judgement

    def _problem(self, problems: dict, defined: list, observed: dict, rc: int, claim: str) -> str | None:
        hooks = observed.get("hooks", {})
        if "failed" in problems:
            return one_line(f"the coordinator tests failed (exit {rc}): {claim} — failed: {_some(problems['failed'])}", 800)
        outer = [f"{impl} ({hook})" for hook, impls in hooks.get("wrapping_ours", {}).items() for impl in impls]
        if outer:
            return one_line(f"the suite's observer did not wrap every hook implementation: {', '.join(outer)} ran "
                            f"outside it (registered after pytest_configure), so a test's outcome could have been "
                            f"changed before the observer saw it", 800)
        if "rewritten" in problems:
            authors = sorted({impl for impls in hooks.get("implementations", {}).values() for impl in impls})
            return one_line(f"a coordinator test's outcome was rewritten: {'; '.join(problems['rewritten'])} — "
                            f"changed by {', '.join(authors) or 'an implementation the observer could not name'}", 800)
        not_passed = [f"{kind}: {_some(problems[kind])}" for kind in NOT_PASSED_ORDER if kind in problems]
        if not_passed:
            said = f" (collection said: {'; '.join(problems['collection said'])})" if "collection said" in problems else ""
            return one_line(f"the coordinator tests did not all run and pass: {claim} — {'; '.join(not_passed)}{said}", 800)
        if not defined:
            return "the coordinator test file defines no test (pytest's naming rules: test* functions, Test* classes)"
        if observed.get("exit_status") != 0 or rc != 0:
            return one_line(f"pytest exited {rc} (session status {observed.get('exit_status')}) though every test "
                            f"passed: {claim}")
        return None

    @staticmethod
    def _coverage_problem(figures: dict) -> str | None:
        if "error" in figures:
            return one_line(f"configuration: the coordinator's coverage could not be measured: {figures['error']}")
        module = Path(COORDINATOR).name
        idle = coordinator_not_exercised(figures, module)
        if idle:
            return one_line(f"the coordinator tests did not exercise the product's coordinator: {idle} — do the tests "
                            f"test a copy of it, or mock it away?", 800)
        return None

    @keyword
    def coordinator_tests_should_have_passed_as_observed(self, judgement: dict) -> str:
        """AC5, plan §5: every defined test was collected, every item ran and passed, pytest exited 0 — observed
        inside pytest. Needs no coverage: whether they ran the product's coordinator is the next keyword's.

        Given what `Observe The Coordinator Tests` returned. Returns the line that proved it; raises
        `CoordinatorTestsFailed` with the first problem.

        Example: `${summary}=    Coordinator Tests Should Have Passed As Observed    ${judgement}`
        """
        if judgement["problem"]:
            raise CoordinatorTestsFailed(judgement["problem"])
        return f"{judgement['summary']}; {len(judgement['tests'])} items observed passed"

    @keyword
    def coordinator_tests_should_have_run_the_coordinator(self, judgement: dict) -> str:
        """Beyond the plan: get_run_proof and the hash-chain code of the product's coordinator ran under the tests
        (coverage.py in the backend's interpreter). A coverage that could not be measured is the suite's
        configuration, said so, never the product failing AC5.

        Given what `Observe The Coordinator Tests` returned. Returns the coverage figure; raises
        `CoordinatorTestsFailed`.

        Example: `${figure}=    Coordinator Tests Should Have Run The Coordinator    ${judgement}`
        """
        if judgement.get("coverage_problem"):
            raise CoordinatorTestsFailed(judgement["coverage_problem"])
        return judgement["coverage"]["figure"]

    @staticmethod
    def _figure(figures: dict) -> str:
        """`run_proof_coordinator.py 28/30 (93%) lines ran, RunProofCoordinator.get_run_proof 9/9 (100%), …`."""
        module = Path(COORDINATOR).name
        shown = ", ".join(f"{name.split(':', 1)[1]} {f['lines']}" for name, f in figures["functions"].items()
                          if name.startswith(module + ":") and (f["short"] == "get_run_proof" or f["hash_chain"]))
        return f"{module} {figures['modules'].get(module, {}).get('lines', '0/0')} lines ran, {shown}"
