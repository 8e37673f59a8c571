"""What the backend's processes print, read as *claims* the way the contract describes them (contract §1, §8).

Nothing here is taken as a fact: the suite compares each claim with the database or recounts it.
"""

from __future__ import annotations

import json
import re

from robot.api.deco import keyword, library

from runproof import DOC_FORMAT, VERSION
from runproof.rules.table import cli_lines

PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)")
PYTEST_SUMMARY = re.compile(r"^=*\s*((?:no tests ran|\d+ \w+.*?) in [\d.]+s)", re.M)


def labelled(lines: list[str], label: str) -> list[str]:
    """Every value of the `Label: value` lines, in order (with --verbose, `Status:` is printed twice)."""
    return [line.split(": ", 1)[1].strip() for line in lines if line.startswith(f"{label}: ")]


def last(values: list[str]) -> str | None:
    return values[-1] if values else None


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class CliOutput:
    """Reads the customer CLI's, list-skills' and pytest's output into claims and counts."""

    @keyword
    def customer_cli_claims(self, result) -> dict:
        """What `cus_cli run --verbose` claims: `Run ID`, `Run created`, every `Status`, `Error`, `Steps executed`.

        Given `result` — a finished backend process.
        Returns a dictionary; a line the CLI did not print is None. `statuses` lists every `Status:` line.

        Example: `${claims}=    Customer CLI Claims    ${result}`
        """
        lines = result.stdout.splitlines()
        errors = [line[len("Error: "):] for line in result.stderr.splitlines() if line.startswith("Error: ")]
        return {
            "exit_code": result.rc,
            "run_id": last(labelled(lines, "Run ID")),
            "run_created": last(labelled(lines, "Run created")),
            "statuses": labelled(lines, "Status"),
            "status": last(labelled(lines, "Status")),
            # stderr's `Error:` is the CLI's own failure line; a run that exits 0 may log anything there.
            "error": last(labelled(lines, "Error")) or (last(errors) if result.rc != 0 else None),
            "steps_executed": last(labelled(lines, "Steps executed")),
            # Every stdout line, sorted into the lines contract §1 names: each has a rule (libraries/runproof/rules/table.py).
            "lines": cli_lines(result.stdout),
        }

    @keyword
    def created_agent_id(self, stdout: str) -> str | None:
        """The id from `cus_cli create-agent`'s `Created agent: <id>`, or None.

        Example: `${agent}=    Created Agent Id    ${result.stdout}`
        """
        return last(labelled(stdout.splitlines(), "Created agent"))

    @keyword
    def registered_skill_names(self, stdout: str) -> list[str]:
        """The names from `cus_cli list-skills`: `  name (vX)` lines under `=== AOS Registered Skills ===`.

        Example: `${skills}=    Registered Skill Names    ${result.stdout}`
        """
        return [m.group(1) for m in re.finditer(r"(?m)^\s+(\S+) \(v", stdout)]

    @keyword
    def pytest_counts(self, stdout: str, exit_code: int | None = None) -> dict:
        """Counts from pytest's closing line (`12 passed, 1 skipped in 2.01s`), and the line itself.

        Given pytest's stdout and, optionally, its `exit_code` (kept beside the counts: both are pytest's claims).
        Returns `passed`, `failed`, `errors`, `skipped`, `deselected` (0 when absent), `line` and `exit_code`.

        Example: `${counts}=    Pytest Counts    ${result.stdout}    ${result.rc}`
        """
        match = PYTEST_SUMMARY.findall(stdout)
        line = match[-1].strip() if match else ""
        counts = {("error" if kind.startswith("error") else kind): int(n) for n, kind in PYTEST_COUNT.findall(line)}
        return {"line": line or "(no pytest summary line)", "passed": counts.get("passed", 0),
                "failed": counts.get("failed", 0), "errors": counts.get("error", 0),
                "skipped": counts.get("skipped", 0), "deselected": counts.get("deselected", 0), "exit_code": exit_code}

    @keyword
    def coordinator_probe_report(self, stdout: str) -> dict:
        """The probe's output: the plan's six printed lines (`printed`) and its JSON report, which must agree.

        Returns the report (`proof`, `other_tenant`, `plan_literal_session_error`, `session_factory`, `printed`).

        Example: `${report}=    Coordinator Probe Report    ${result.stdout}`
        """
        lines = stdout.strip().splitlines()
        try:
            report = json.loads(lines[-1])
        except (IndexError, ValueError):
            raise AssertionError("the coordinator probe printed no report: its output ends without the JSON line") from None
        printed = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in lines[:-1] if ": " in line}
        report["printed"] = printed
        proof = report.get("proof", {})
        for name in ("integrity_model", "verification_status", "chain_length", "root_hash", "trace_count", "step_count"):
            if printed.get(name) != str(proof.get(name)):
                raise AssertionError(f"the probe printed '{name}: {printed.get(name)}' but reported {proof.get(name)}")
        return report
