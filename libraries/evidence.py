"""Evidence: what the run proved, what it could not reach, and the plan's Output Template, written on every run.

A listener on the whole execution: it records every test's outcome, enforces the plan's "stop on failure"
through `Depends On`, and writes `evidence.md` and `evidence.json` into the output directory when the top
suite ends — also when the run stopped early. Every string it writes or logs passes through `mask`.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.exceptions import SkipExecution
from robot.api.types import Secret

from criteria import CRITERIA
from evidence_report import TEMPLATE_KEYS, render_markdown

NOT_REACHED = "not reached"


def first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


@library(scope="GLOBAL", listener="SELF")
class Evidence:
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self.values: dict[str, Any] = dict.fromkeys(TEMPLATE_KEYS)
        self.deviations: list[str] = []
        self.beyond_plan: dict[str, dict] = {}
        self.target: dict[str, str] = {}
        self.outcomes: dict[str, tuple[str, str]] = {}
        self.tests: list[dict[str, str]] = []
        self.acceptance: dict[str, list[tuple[str, str, str]]] = {ac: [] for ac in CRITERIA}
        self.stop_reason: str | None = None
        self.secrets: list[str] = []
        self.written = False
        self.beyond_plan_detail = ""

    # --- masking -------------------------------------------------------------------------------------------
    @keyword
    def register_secret(self, secret: Secret | str) -> None:
        """Every later log line and evidence file has this value replaced by ***."""
        from urllib.parse import quote

        value = secret.value if isinstance(secret, Secret) else secret
        for form in {value, quote(value, safe="")} if value else ():
            if form not in self.secrets:
                self.secrets.append(form)

    @keyword
    def mask(self, text: Any) -> str:
        text = "" if text is None else str(text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    @keyword
    def log_evidence(self, title: str, text: str) -> None:
        """Log a block of captured output (process stdout/stderr, pytest summary) with secrets masked."""
        logger.info(f"{title}:\n{self.mask(text) or '(empty)'}")

    # --- recording ------------------------------------------------------------------------------------------
    @keyword
    def record_evidence(self, **values: Any) -> None:
        """Record Output Template values, e.g. `Record Evidence    run_id=${id}    run_status=${status}`."""
        for name, value in values.items():
            self.values[name] = value
            logger.info(f"evidence: {name} = {self.mask(value)}")

    @keyword
    def evidence_value(self, name: str) -> Any:
        return self.values.get(name)

    @keyword
    def record_deviation(self, *parts: str) -> None:
        """A place where the plan's literal command does not fit the backend: logged as WARN, listed in the evidence."""
        text = self.mask(" ".join(parts))
        if text not in self.deviations:
            self.deviations.append(text)
        logger.warn(f"Plan deviation: {text}")

    @keyword
    def record_target(self, name: str, value: Any) -> None:
        self.target[name] = self.mask(value)

    @keyword
    def record_beyond_plan(self, *detail: str) -> None:
        """The values a beyond-plan check compared; the listener adds the test's outcome when it ends."""
        self.beyond_plan_detail = self.mask(" ".join(detail))
        logger.info(f"beyond the plan: {self.beyond_plan_detail}")

    # --- stop on failure ------------------------------------------------------------------------------------
    @keyword
    def depends_on(self, *names: str) -> None:
        """Skip this test as "not reached" unless every named test or suite has passed."""
        for name in names:
            if name not in self.outcomes:
                raise SkipExecution(f"{NOT_REACHED}: '{name}' did not run")
            status, message = self.outcomes[name]
            if status != "PASS":
                reason = message if message.startswith(NOT_REACHED) else f"{NOT_REACHED}: '{name}' failed: {message}"
                raise SkipExecution(self.mask(reason))

    # --- listener -------------------------------------------------------------------------------------------
    def end_test(self, data, result) -> None:
        message = first_line(result.message)
        self.outcomes[result.name] = (result.status, message)
        self.tests.append({"name": result.name, "status": result.status, "message": self.mask(message)})
        for ac, tests in self.acceptance.items():
            if result.tags.match(ac):  # Robot's own, case-insensitive tag matching
                tests.append((result.name, result.status, message))
        if result.status == "FAIL" and self.stop_reason is None:
            self.stop_reason = self.mask(f"{result.name}: {message}")
        if result.tags.match("beyond-plan"):
            detail = message if result.status != "PASS" else self.beyond_plan_detail
            self.beyond_plan[result.name] = {"status": result.status, "detail": self.mask(detail)}
        self.beyond_plan_detail = ""

    def end_suite(self, data, result) -> None:
        failed = [first_line(t.message) for t in result.all_tests if t.status != "PASS"]
        setup_error = first_line(result.message)
        status = "PASS" if result.status == "PASS" and not setup_error else "FAIL"
        self.outcomes[result.name] = (status, setup_error or (failed[0] if failed else ""))
        if setup_error and self.stop_reason is None:
            self.stop_reason = self.mask(f"{result.name} setup: {setup_error}")
        if result.parent is None:
            self.write(result.status)

    def close(self) -> None:
        if not self.written:
            self.write("FAIL")

    # --- output ---------------------------------------------------------------------------------------------
    def acceptance_summary(self) -> dict[str, str]:
        summary = {}
        for ac, tests in self.acceptance.items():
            statuses = {status for _, status, _ in tests}
            summary[ac] = ("FAIL" if "FAIL" in statuses else "NOT REACHED" if not tests or "SKIP" in statuses
                           else "PASS")
        return summary

    def document(self, suite_status: str) -> dict:
        return {
            **self.values,
            "acceptance": self.acceptance_summary(),
            "deviations": self.deviations,
            "beyond_plan": self.beyond_plan,
            "result": "PASS" if suite_status == "PASS" and self.stop_reason is None else "FAIL",
            "stop_reason": self.stop_reason,
            "target": self.target,
            "tests": self.tests,
            "criteria_tests": {ac: [{"name": n, "status": s, "message": m} for n, s, m in tests]
                               for ac, tests in self.acceptance.items()},
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    def write(self, suite_status: str) -> None:
        self.written = True
        outdir = Path(self._output_dir())
        document = self.document(suite_status)
        try:
            outdir.mkdir(parents=True, exist_ok=True)
            (outdir / "evidence.json").write_text(self.mask(json.dumps(document, indent=2, default=str)) + "\n")
            (outdir / "evidence.md").write_text(self.mask(render_markdown(document)))
        except OSError as exc:
            print(f"runproof: cannot write the evidence to {outdir}: {exc.strerror or exc}", file=sys.stderr)

    @staticmethod
    def _output_dir() -> str:
        from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

        try:
            return BuiltIn().get_variable_value("${OUTPUT DIR}") or os.getcwd()
        except RobotNotRunningError:
            return os.getcwd()
