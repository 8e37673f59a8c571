"""Evidence: what the run proved, written on every run — also a failed, partial or interrupted one.

A listener on the whole execution. It *records* (values, deviations, the target, every test's outcome) and writes
`evidence.md` and `evidence.json`; no test reads anything back from it. When the top suite starts it replaces the
previous run's evidence with an INCOMPLETE one and removes the previous report and log, so that a killed run never
leaves an earlier verdict looking current. Each criterion is judged on every test the run *selected* for it (taken
from the suite model at start), not on the tests the listener happened to hear: a test that never ran can never let
a criterion pass. SIGINT and SIGTERM are named as the stop reason.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library

from runproof.evidence import console as console_verdict
from runproof.evidence.causes import attribute, cause_line, dependencies_of_suite
from runproof.criteria import CRITERIA
from runproof.evidence.report import TEMPLATE_KEYS, every_rule, render_markdown, step_summary, verdict_line
from runproof.evidence.masking import mask, one_line
from runproof import DOC_FORMAT, VERSION
from runproof.keywords.run_facts import FACTS, NOT_REACHED
from runproof.keywords.run_selection import added_reason
from runproof.facts.suite_model import full_suite, message_line
from runproof.run_settings import original_failure, skipped_by_option, withdraw_skip_on_failure
from runproof.robot_hooks.junit import JUNIT, register as register_junit
from runproof.evidence.timeline_picture import PICTURE, render_timeline
from runproof.attestation import KEY_VARIABLE, OUTPUTS as ATTESTATION_OUTPUTS
from runproof.attestation.statement import run_predicate
from runproof.attestation.writer import Attester

BACKEND_SOURCE = "Backend source"  # the digest Record The Target gives every test (libraries/runproof/robot_hooks/merged_verdict.py)
RUN_FOLDER = "Evidence folder"  # where the test's run wrote its evidence and attestation: a merge names that attestation
# What an earlier run left that this run writes anew: removed when the top suite starts (a picture or an attestation
# left by an earlier run is not this one's). The evidence itself is replaced by an INCOMPLETE one at once.
STALE_OUTPUTS = ("report.html", "log.html", "xunit.xml", JUNIT, PICTURE, *ATTESTATION_OUTPUTS)
EVIDENCE_FILES = ("evidence.json", "evidence.md")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@library(scope="GLOBAL", listener="SELF", version=VERSION, doc_format=DOC_FORMAT)
class Evidence:
    """Records the run's evidence and writes the plan's Output Template; never read by tests."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.deviations: list[str] = []
        self.beyond_plan: dict[str, dict] = {}
        self.target: dict[str, str] = {}
        self.outcomes: dict[str, tuple[str, str]] = {}
        self.order: list[str] = []
        self.selected: dict[str, list[str]] = {}
        self.plan_complete = True
        self.all_selected: list[str] = []
        self.prerequisites: dict[str, str] = {}
        self.signals: list[str] = []
        self.started_at = _now()
        self.outdir: Path | None = None
        self.final = False
        self._current_test = ""
        self.dependencies: dict[str, set[str]] = {}
        self.picture: str | None = None
        self._target_unwritten = False
        self._interrupted_during = ""
        self._unwritable: str | None = None  # said once, in one line, when the top suite started

    # --- keywords: recording only -------------------------------------------------------------------------------
    @keyword
    def record_evidence(self, **values: Any) -> None:
        """Record named values of the evidence (Output Template fields and more); secrets are masked.

        Given `name=value` pairs. Returns nothing.

        Example: `Record Evidence    run_id=${run}[id]    run_status=${run}[status]`
        """
        for name, value in values.items():
            self.values[name] = value
            logger.info(f"evidence: {name} = {mask(json.dumps(value, default=str))}")

    @keyword
    def record_rule_results(self, results: list[dict]) -> None:
        """The outcome of each rule of libraries/runproof/rules/table.py that a test judged (`evidence.json` → `rules`); the rules no
        test judged are NOT REACHED there.

        - `results`: entries with `name`, `rule`, `status`, `observed`, `message`. Returns nothing.

        Example: `Record Rule Results    ${results}`
        """
        recorded = self.values.setdefault("rules", {})
        for result in results:
            recorded[result["name"]] = {key: result.get(key) for key in ("rule", "status", "observed", "message",
                                                                         "proved_by")}

    @keyword
    def record_deviation(self, *parts: str) -> None:
        """A place where the plan's literal command does not fit the backend: a WARN in the log, a line in the evidence.

        Example: `Record Deviation    Plan §3 queries aos_trace_steps.run_id, which this schema does not have.`
        """
        text = mask(" ".join(parts))
        if text not in self.deviations:
            self.deviations.append(text)
        logger.warn(f"Plan deviation: {text}")

    @keyword
    def record_target(self, name: str, value: Any) -> None:
        """What was tested (backend, database, tenant, …): the head of evidence.md and the top suite's metadata.

        Example: `Record Target    Tenant ID    ${TENANT_ID}`
        """
        self.target[name] = mask(value)
        self._target_unwritten = True  # written once, before the first test: the suite setup records them together

    # --- listener ---------------------------------------------------------------------------------------------
    def start_suite(self, data, result) -> None:
        if result.parent is not None:
            return
        if self._dry_run():
            self.final = True  # a dry run checks the suite's syntax; it earns no verdict and writes no evidence
            return
        self.outdir = Path(self._output_dir())
        selected = list(data.all_tests)
        self.all_selected = [t.name for t in selected]
        whole = list(full_suite(str(data.source)).all_tests) if data.source else selected
        # Tests added as prerequisites (run_selection) run and count, but a criterion is judged on what was selected.
        self.prerequisites = {t.name: reason for t in selected if (reason := added_reason(t)) is not None}
        chosen = [t for t in selected if t.name not in self.prerequisites]
        if data.source:
            self.dependencies = dependencies_of_suite(full_suite(str(data.source)), FACTS)
        for ac in CRITERIA:
            self.selected[ac] = [t.name for t in chosen if t.tags.match(ac)]
        chosen = {t.name for t in chosen}
        self.plan_complete = all(t.name in chosen for t in whole if not t.tags.match("beyond-plan"))
        # No earlier run's verdict may be read as this one's: what it left goes first, then this run proves it can
        # write every artefact it will write, or stops before the plan's first step, naming the path.
        unwritable = self._remove_stale() or self._write_incomplete("the run did not finish", quiet=True) or self._probe()
        if unwritable:
            self._unwritable = unwritable
            refused = f"cannot write {unwritable} — the run stops before it starts: its evidence could not be kept"
            print(f"runproof: {refused}", file=sys.__stderr__)
            if data.setup.name != "Fail":  # not refused already (run_selection): one line, one cause
                data.setup.config(name="Fail", args=[refused])
                withdraw_skip_on_failure()
        register_junit(junit=self.outdir / JUNIT)  # written once Robot has closed output.xml
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._wrap_signal(signum)
        atexit.register(self._at_exit)

    def _wrap_signal(self, signum: int) -> None:
        original = signal.getsignal(signum)

        def handler(number, frame):
            if not self.signals:
                self._interrupted_during = self._current_test  # the test the first signal stopped
            self.signals.append(signal.Signals(number).name)
            self._write_incomplete(self._interruption())
            if callable(original):
                original(number, frame)

        try:
            signal.signal(signum, handler)
        except ValueError:  # not in the main thread: Robot could not install its own handler either
            pass

    def start_test(self, data, result) -> None:
        self._current_test = result.name
        if self._target_unwritten:
            self._target_unwritten = False
            self._write_incomplete("the run did not finish")

    def end_test(self, data, result) -> None:
        # Which code this result is about, for a merge (libraries/runproof/robot_hooks/merged_verdict.py): "unknown" before the fingerprint.
        result.metadata[BACKEND_SOURCE] = self.target.get(BACKEND_SOURCE) or "unknown"
        if self.outdir is not None:
            result.metadata[RUN_FOLDER] = str(self.outdir.resolve())
        status, message = _outcome(result.status, result.message)
        self.outcomes[result.name] = (status, message)
        self.order.append(result.name)
        if result.tags.match("beyond-plan"):
            # A beyond-plan test's message is the values it compared, passing or failing.
            self.beyond_plan[result.name] = {"status": _word(status), "detail": mask(message)}
        self._current_test = ""

    def end_suite(self, data, result) -> None:
        if result.parent is not None or self.outdir is None:
            return
        setup_error = message_line(result.message)
        if setup_error and not self.outcomes:
            self.values.setdefault("setup_error", setup_error)
        self.picture = self._draw_timeline()
        document = self.document(setup_error=setup_error)
        show_verdict(result, document, self.picture)
        self._write(document)
        self.final = True
        console_verdict.print_verdict(self.outdir, document)
        append_step_summary(document)
        # output.xml, log.html and report.html do not exist yet: Robot tells the attester each, and closes it last.
        Attester(self.outdir, lambda _: run_predicate(document), self._signing_key()).register()

    def _draw_timeline(self) -> str | None:
        """Draw the run's timeline into the output folder. None when there is nothing to draw (the customer CLI
        never started) or the picture could not be written — the evidence says so on stderr, the verdict stands."""
        timeline = self.values.get("run_timeline")
        if not timeline or not timeline.get("events") or self.outdir is None:
            return None
        try:
            render_timeline(timeline, self.outdir / PICTURE)
        except Exception as exc:  # noqa: BLE001 - a picture must never cost the final evidence
            print(f"runproof: the timeline picture could not be drawn: {one_line(exc)}", file=sys.__stderr__)
            return None
        return PICTURE

    def close(self) -> None:
        if self.outdir is not None and not self.final:
            self._write_incomplete(self._interruption())

    def _at_exit(self) -> None:
        if not self.final:
            self._write_incomplete(self._interruption())

    # --- judgement --------------------------------------------------------------------------------------------
    def _interruption(self) -> str:
        test = self._interrupted_during or self._current_test
        during = f" during '{test}'" if test else ""
        if self.signals:
            return f"interrupted by {' then '.join(self.signals)}{during}: the run did not finish"
        return f"the run did not finish{during}"

    def acceptance(self) -> dict[str, str]:
        verdicts = {}
        for ac in CRITERIA:
            names = self.selected.get(ac, [])
            statuses = [self.outcomes.get(name, ("NOT RUN", ""))[0] for name in names]
            if not names:
                verdicts[ac] = "NOT RUN"
            elif "FAIL" in statuses:
                verdicts[ac] = "FAIL"
            elif all(status == "PASS" for status in statuses):
                verdicts[ac] = "PASS"
            else:
                verdicts[ac] = "NOT REACHED"
        return verdicts

    def document(self, setup_error: str = "", incomplete: str = "") -> dict:
        acceptance = self.acceptance()
        ran = list(self.order)
        failures = [name for name in ran if self.outcomes[name][0] == "FAIL"]
        first = failures[0] if failures else None
        first_failure = one_line(f"{first}: {self.outcomes[first][1]}") if first else (
            one_line(f"suite setup: {setup_error}") if setup_error else None)
        later_ran = bool(first) and any(self.outcomes[n][0] in ("PASS", "FAIL") for n in ran[ran.index(first) + 1:])
        unheard = [name for name in self.all_selected if name not in self.outcomes]
        downgraded = [name for name in ran if self.outcomes[name][0] == "DOWNGRADED"]
        if incomplete or self.signals:
            result = "INCOMPLETE"
        elif first_failure or any(v == "FAIL" for v in acceptance.values()):
            result = "FAIL"
        elif unheard or not self.plan_complete or any(v != "PASS" for v in acceptance.values()):
            result = "PARTIAL"
        elif downgraded:
            result = "DOWNGRADED"
        else:
            result = "PASS"
        not_reached: dict[str, list[str]] = {}
        for name in ran:
            status, message = self.outcomes[name]
            if status == "SKIP":
                not_reached.setdefault(message or "not reached", []).append(name)
        if unheard:
            cause = incomplete or (self._interruption() if self.signals else "never ran: the run stopped before it")
            not_reached.setdefault(cause, []).extend(unheard)
        causes = attribute(self.outcomes, ran, self.dependencies)
        if setup_error:  # a failed suite setup fails every test with its own reason: one cause, not one per test
            causes = [{"test": "suite setup", "message": setup_error, "failures": failures,
                       "not_reached": [n for n in ran if self.outcomes[n][0] == "SKIP"]}]
        if result == "INCOMPLETE":
            causes.append({"test": "", "message": incomplete or self._interruption(), "failures": [],
                           "not_reached": unheard})
        counts = {status: sum(1 for n in ran if self.outcomes[n][0] == status)
                  for status in ("PASS", "FAIL", "SKIP", "DOWNGRADED")}
        result_line = {"PASS": f"PASS — {counts['PASS']} tests passed",
                       "FAIL": f"FAIL — {counts['FAIL']} failed, {counts['SKIP'] + len(unheard)} not reached, "
                               f"{counts['PASS']} passed",
                       "PARTIAL": "PARTIAL — only part of the plan was selected; no verdict on the rest"
                                  + (f" ({len(self.prerequisites)} prerequisites added)" if self.prerequisites else ""),
                       "DOWNGRADED": f"DOWNGRADED — the plan's {counts['PASS']} tests passed, but "
                                     f"{len(downgraded)} beyond-plan finding{'s were' if len(downgraded) != 1 else ' was'}"
                                     " downgraded to SKIP by this run's --skiponfailure/--skip",
                       "INCOMPLETE": f"INCOMPLETE — {incomplete or self._interruption()}"}[result]
        if downgraded and result != "DOWNGRADED":
            result_line += f"; {len(downgraded)} beyond-plan finding{'s' if len(downgraded) != 1 else ''} downgraded to SKIP"
        values = {key: self.values.get(key) for key in TEMPLATE_KEYS}
        values.update({k: v for k, v in self.values.items() if k not in values})
        values["rules"] = every_rule(self.values.get("rules", {}))
        return {
            **values,
            "result": result,
            "result_line": result_line,
            "first_failure": first_failure,
            "first_failure_label": "First failure" if later_ran or not first else "Stopped at",
            "stop_reason": (incomplete or self._interruption()) if result == "INCOMPLETE" else first_failure,
            "interrupted_by": self.signals or None,
            "plan_complete": self.plan_complete,
            "prerequisites_added": [{"name": n, "reason": r} for n, r in self.prerequisites.items()],
            "acceptance": acceptance,
            "criteria_tests": {ac: [{"name": n, "status": _word(self.outcomes.get(n, ("NOT RUN", ""))[0])}
                                    for n in self.selected.get(ac, [])] for ac in CRITERIA},
            "deviations": self.deviations,
            "beyond_plan": self.beyond_plan,
            "target": self.target,
            "tests": [{"name": n, "status": _word(self.outcomes[n][0]), "message": mask(self.outcomes[n][1])} for n in ran]
                     + [{"name": n, "status": "NOT REACHED", "message": ""} for n in unheard],
            "not_reached": not_reached,
            # Findings the user chose not to count (`--skiponfailure beyond-plan`): named everywhere, never hidden.
            "downgraded": [{"name": n, "finding": mask(self.outcomes[n][1])} for n in downgraded],
            "causes": [{**cause, "message": mask(cause["message"])} for cause in causes],
            "cause_lines": [mask(cause_line(cause)) for cause in causes],
            "timeline_picture": self.picture,
            "unreached_fields": [key for key in TEMPLATE_KEYS if key not in self.values],
            "started_at": self.started_at,
            "generated_at": _now(),
        }

    # --- output -----------------------------------------------------------------------------------------------
    def _write_incomplete(self, reason: str, quiet: bool = False) -> str | None:
        if self.outdir is None or self.final:
            return None
        return self._write(self.document(incomplete=reason), quiet)

    def _write(self, document: dict, quiet: bool = False) -> str | None:
        """Write evidence.json and evidence.md; the path that could not be written and why, or None."""
        path = self.outdir
        try:
            self.outdir.mkdir(parents=True, exist_ok=True)
            for name, text in (("evidence.json", json.dumps(document, indent=2, default=str) + "\n"),
                               ("evidence.md", render_markdown(document))):
                path = self.outdir / name
                temporary = self.outdir / f".{name}.tmp"
                temporary.write_text(mask(text))
                os.replace(temporary, path)
        except OSError as exc:
            if not (quiet or self._unwritable):
                print(f"runproof: cannot write the evidence to {path}: {exc.strerror or exc}", file=sys.__stderr__)
            return f"{path}: {exc.strerror or exc}"
        return None

    def _remove_stale(self) -> str | None:
        """Remove what an earlier run left (STALE_OUTPUTS, the evidence files); the path that stayed, or None."""
        for name in (*STALE_OUTPUTS, *EVIDENCE_FILES):
            path = self.outdir / name
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                return f"{path} (an earlier run's, which cannot be removed: {exc.strerror or exc})"
        return None

    def _probe(self) -> str | None:
        """Prove that every other artefact this run writes (the picture, junit.xml) can be written where it goes."""
        for name in (PICTURE, JUNIT):
            path = self.outdir / name
            temporary = self.outdir / f".{name}.probe"
            try:
                temporary.write_text("")
                os.replace(temporary, path)
                path.unlink()
            except OSError as exc:
                return f"{path}: {exc.strerror or exc}"
        return None

    @staticmethod
    def _signing_key() -> str | None:
        """The signing key's PEM value or file (Robot variable SIGNING_KEY, a Secret), or None."""
        from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

        try:
            key = BuiltIn().get_variable_value("${%s}" % KEY_VARIABLE)
        except RobotNotRunningError:
            return None
        value = getattr(key, "value", key)
        return value if isinstance(value, str) and value.strip() else None

    @staticmethod
    def _dry_run() -> bool:
        from robot.running.context import EXECUTION_CONTEXTS

        return bool(EXECUTION_CONTEXTS.current and EXECUTION_CONTEXTS.current.dry_run)

    @staticmethod
    def _output_dir() -> str:
        from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

        try:
            return BuiltIn().get_variable_value("${OUTPUT DIR}") or os.getcwd()
        except RobotNotRunningError:
            return os.getcwd()


def record_into_the_run_evidence(**values) -> None:
    """For another keyword library: `values` into this run's evidence (`Record Evidence`), when the suite runs with the
    evidence library; outside a run (a unit test, libdoc) nothing."""
    from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

    try:
        BuiltIn().get_library_instance("runproof.keywords.evidence.Evidence").record_evidence(**values)
    except (RobotNotRunningError, RuntimeError):
        pass


def append_step_summary(document: dict) -> None:
    """When the run is a GitHub Actions step (`GITHUB_STEP_SUMMARY` names a file), append the verdict, its causes and
    the acceptance table to the job's summary. One line on stderr if it cannot: the verdict stands."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as stream:
            stream.write(mask(step_summary(document)))
    except OSError as exc:
        print(f"runproof: cannot append to GITHUB_STEP_SUMMARY {summary}: {exc.strerror or exc}", file=sys.__stderr__)


def _word(status: str) -> str:
    """Robot's statuses in the evidence's vocabulary: PASS, FAIL, DOWNGRADED (a finding skipped by the user's
    --skiponfailure / --skip), NOT REACHED (any other skip)."""
    return {"PASS": "PASS", "FAIL": "FAIL", "DOWNGRADED": "DOWNGRADED"}.get(status, "NOT REACHED")


def _outcome(status: str, message: str) -> tuple[str, str]:
    """A test's status for the judgement and its one-line message. A test Robot skipped because of `--skiponfailure`
    or `--skip` is DOWNGRADED (only a beyond-plan test can be: run_selection turns a needed one back into FAIL), its
    message the failure it would have reported."""
    if skipped_by_option(status, message):
        return "DOWNGRADED", original_failure(message)
    line = message_line(message)
    return _status(status, line), line


def _status(status: str, message: str) -> str:
    """A test that was not reached is SKIP for the judgement, also where run_selection has made it FAIL for Robot's
    exit code (its message says so)."""
    return "SKIP" if status in ("SKIP", "FAIL") and message.startswith(NOT_REACHED) else status


def show_verdict(suite, document: dict, picture: str | None = None) -> None:
    """The verdict as the top suite's documentation and metadata: Result, one Cause line per independent cause,
    First failure, one line per criterion, and a link to the timeline picture."""
    suite.metadata["Result"] = mask(document["result_line"])
    lines = document.get("cause_lines", [])
    for name in [name for name in suite.metadata if name == "Cause" or name.startswith("Cause ")]:
        del suite.metadata[name]  # a merged result is shown anew
    for number, line in enumerate(lines, 1):
        suite.metadata["Cause" if len(lines) == 1 else f"Cause {number}"] = mask(line)
    # Robot lists metadata sorted by name; the documentation above it is where the report opens: the verdict, then
    # one line per cause.
    paragraphs = suite.doc.split("\n\n")
    while paragraphs and paragraphs[0].startswith(("*Result: ", "*Cause:* ")):  # a verdict shown before (a merge)
        paragraphs.pop(0)
    doc = "\n\n".join(paragraphs)
    causes = "".join(f"\n\n*Cause:* {line}" for line in lines)
    suite.doc = mask(f"*Result: {document['result_line']}*{causes}\n\n{doc}")
    suite.metadata["First failure"] = mask(document["first_failure"] or "none")
    suite.metadata.pop("Downgraded", None)
    if document.get("downgraded"):
        suite.metadata["Downgraded"] = mask("; ".join(f"{each['name']}: {each['finding']}"
                                                      for each in document["downgraded"]))
    for ac in CRITERIA:
        suite.metadata[ac] = mask(verdict_line(ac, document))
    if picture:
        # A link, not the picture: Robot would draw a target ending in .svg as an image in the metadata.
        suite.metadata["Timeline"] = f"[{picture}#|the run on one time axis ({picture})]"


def judge_result(suite, outcomes: dict[str, tuple[str, str]] | None = None, prerequisites_apart: bool = False) -> dict:
    """The evidence's judgement of a finished result tree (e.g. merged by rebot): every test in it counts as selected
    — a merge of a complete run and its rerun is a complete run. `outcomes` may give each test's status and one-line
    message (rebot rewrites merged messages); by default they are read from the tests. `prerequisites_apart`: judge
    one run's result as its evidence did — a test added as a prerequisite (run_selection) runs and counts, but no
    criterion is judged on it (runproof-verify)."""
    judge = Evidence()
    tests = list(suite.all_tests)
    for test in tests:
        status, message = (outcomes or {}).get(test.name) or (test.status, test.message)
        judge.outcomes[test.name] = _outcome(status, message)
        judge.order.append(test.name)
    judge.all_selected = [t.name for t in tests]
    if prerequisites_apart:
        judge.prerequisites = {t.name: reason for t in tests if (reason := added_reason(t)) is not None}
    chosen = [t for t in tests if t.name not in judge.prerequisites]
    judge.selected = {ac: [t.name for t in chosen if t.tags.match(ac)] for ac in CRITERIA}
    whole = list(full_suite(str(suite.source)).all_tests) if suite.source else tests
    judge.plan_complete = all(t.name in set(judge.all_selected) for t in whole if not t.tags.match("beyond-plan"))
    if suite.source:  # one cause per independent failure, the tests that follow from it grouped under it
        judge.dependencies = dependencies_of_suite(full_suite(str(suite.source)), FACTS)
    return judge.document()
