"""junit.xml: the run's results in the JUnit form every CI reads — with each failure's reason — written from output.xml.

Robot's own `--xunit` file has a `<testsuite>` root with nested suites and the reason only in the `message` attribute;
strict readers (Jenkins' junit-4.xsd) reject it, GitLab shows the element's empty text, and a merge writes none.
This file, written with junitparser from Robot's result model, has:

- a `<testsuites>` root and one `<testsuite>` per plan section (the top suite's child suites), valid against
  junit-4.xsd (tests/schemas/junit-4.xsd);
- each failure's reason as the `<failure>` element's text and its `message`; the test that is a cause says so
  (`type="cause N"`), a failure that follows from one names it;
- a test that was not reached (run_selection makes it FAIL, so that it counts) as `type="not reached"`, its message
  naming its one cause — every test not reached for the same cause carries the same message;
- a finding downgraded by the user's `--skiponfailure` / `--skip` as `<skipped>` with the finding;
- properties in every `<testsuite>`: `Result` (the verdict), one `Cause N` per cause and `AC1` … `AC5`.

When it is written, however robot or rebot is started:

- after a run: the evidence library registers `JUnitWhenOutputIsWritten` with Robot's logger when the top suite
  starts; Robot tells its loggers `output_file` once output.xml is closed (library listeners are closed before that, so
  a listener could not), and junit.xml is written beside it;
- after `rebot --merge --prerebotmodifier merged_verdict …`: the modifier registers the same logger with the merged
  model, and junit.xml is written beside the first result file rebot writes;
- by hand, or in CI from any output.xml: `runproof-junit results/output.xml [--junit PATH]`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from robot.output.loggerapi import LoggerApi

JUNIT = "junit.xml"
NOT_REACHED_TYPE = "not reached"


def verdict_of(suite) -> tuple[dict, dict[str, str]]:
    """The evidence's judgement of a result tree (a run's or a merge's) and the properties that carry it."""
    from runproof.criteria import CRITERIA
    from runproof.evidence.report import verdict_line
    from runproof.keywords.evidence import judge_result
    from runproof.robot_hooks.merged_verdict import merged_message

    outcomes = {test.name: (test.status, merged_message(test.message)) for test in suite.all_tests}
    document = judge_result(suite, outcomes)
    properties = {"Result": suite.metadata.get("Result") or document["result_line"]}
    causes = [value for name, value in suite.metadata.items() if name == "Cause" or name.startswith("Cause ")]
    for number, line in enumerate(causes or document["cause_lines"], 1):
        properties[f"Cause {number}"] = line
    if suite.metadata.get("Downgraded"):
        properties["Downgraded"] = suite.metadata["Downgraded"]
    for ac in CRITERIA:
        properties[ac] = suite.metadata.get(ac) or verdict_line(ac, document)
    return document, properties


def junit_xml(suite):
    """The JUnit document (junitparser) of the result tree `suite`."""
    from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

    from runproof.keywords.run_facts import NOT_REACHED
    from runproof.robot_hooks.merged_verdict import merged_message
    from runproof.run_settings import original_failure, skipped_by_option

    document, properties = verdict_of(suite)
    cause_of: dict[str, tuple[int, dict]] = {}
    for number, cause in enumerate(document["causes"], 1):
        for name in [cause.get("test"), *cause.get("failures", []), *cause.get("not_reached", [])]:
            cause_of.setdefault(name, (number, cause))
    xml = JUnitXml(name=suite.name)
    for section in (suite.suites or [suite]):
        tests = list(section.all_tests) if section is not suite else list(suite.tests)
        part = TestSuite(section.name)
        for name, value in properties.items():
            part.add_property(name, str(value))
        for test in tests:
            case = TestCase(test.name, classname=section.full_name, time=round(test.elapsed_time.total_seconds(), 3))
            message = merged_message(test.message) if test.message.startswith("*HTML*") else test.message.strip()
            line = message.splitlines()[0] if message else ""
            number, cause = cause_of.get(test.name, (None, None))
            if test.status == "FAIL" and line.startswith(NOT_REACHED):
                follows = (f"follows cause {number}: {cause['message']} [{cause['test']}]" if cause
                           else line)
                failure = Failure(f"not reached — {follows}", NOT_REACHED_TYPE)
                failure.text = message
                case.result = [failure]
            elif test.status == "FAIL":
                if cause and cause.get("test") == test.name:
                    kind = f"cause {number}"
                elif cause:
                    kind = f"follows cause {number}"
                else:
                    kind = "failure"
                failure = Failure(line or "failed", kind)
                failure.text = message or "failed"
                case.result = [failure]
            elif test.status == "SKIP":
                if skipped_by_option(test.status, test.message):
                    reason = f"downgraded by the run's --skiponfailure/--skip: {original_failure(test.message)}"
                else:
                    reason = f"{NOT_REACHED}: {line}" if not line.startswith(NOT_REACHED) else line
                skipped = Skipped()
                case.result = [skipped]
                skipped._elem.text = reason  # junit-4.xsd: <skipped> is text only, no attributes
                skipped._elem.attrib.clear()
            part.add_testcase(case)
        part.update_statistics()
        xml.add_testsuite(part)
    xml.update_statistics()
    xml._elem.attrib.pop("skipped", None)  # junit-4.xsd has no `skipped` on <testsuites>
    return xml


def write_junit(suite, path: Path | str) -> Path:
    """Write the JUnit file of the result tree `suite` to `path`."""
    path = Path(path)
    junit_xml(suite).write(str(path), pretty=True)
    return path


def write_junit_from_output(output: Path | str, path: Path | str | None = None) -> Path:
    """junit.xml (or `path`) beside `output` (an output.xml of a run or a merge)."""
    from robot.api import ExecutionResult

    output = Path(output)
    return write_junit(ExecutionResult(str(output)).suite, path or output.with_name(JUNIT))


class JUnitWhenOutputIsWritten(LoggerApi):
    """A logger for Robot's LOGGER: writes junit.xml once Robot (or rebot) has written a result file.

    Given `suite` (rebot: the merged model), it writes from that model beside the first result file; without it
    (robot), from output.xml once it is closed. A failure to write is one line on stderr: it never costs the run."""

    def __init__(self, suite=None, junit: Path | None = None) -> None:
        self.suite = suite
        self.junit = junit
        self.written: Path | None = None

    def output_file(self, path) -> None:
        if self.written or not path:
            return
        try:
            if self.suite is not None:
                self.written = write_junit(self.suite, self.junit or Path(path).with_name(JUNIT))
            else:
                self.written = write_junit_from_output(path, self.junit)
        except Exception as exc:  # noqa: BLE001 - the JUnit file must never cost the run's own results
            print(f"runproof: {JUNIT} could not be written beside {path}: {exc}", file=sys.__stderr__)

    def result_file(self, kind, path) -> None:
        if self.suite is not None:  # rebot without --output: beside its report or log
            self.output_file(path)


def register(suite=None, junit: Path | None = None) -> JUnitWhenOutputIsWritten:
    """Register a JUnit writer with Robot's logger for the run (or rebot) in progress."""
    from robot.output import LOGGER

    writer = JUnitWhenOutputIsWritten(suite, junit)
    LOGGER.register_logger(writer)
    return writer


def main(argv: list[str] | None = None) -> int:
    """`runproof-junit OUTPUT.xml [--junit PATH]`: the JUnit file of a run's or a merge's output.xml."""
    parser = argparse.ArgumentParser(prog="runproof-junit", description=main.__doc__)
    parser.add_argument("output", help="output.xml of a robot run or of rebot --merge")
    parser.add_argument("--junit", help=f"where to write it (default: {JUNIT} beside OUTPUT.xml)")
    arguments = parser.parse_args(argv)
    try:
        written = write_junit_from_output(arguments.output, arguments.junit)
    except Exception as exc:  # noqa: BLE001 - one line, non-zero exit
        print(f"runproof-junit: {arguments.output}: {exc}", file=sys.stderr)
        return 2
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
