"""What the backend's processes print, read the way the contract describes it (contract §1, §8)."""

from __future__ import annotations

import re

from robot.api.deco import keyword, library

PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|warnings?|deselected)")
PYTEST_SUMMARY = re.compile(r"^=*\s*((?:no tests ran|\d+ \w+.*?) in [\d.]+s)", re.M)


def dependency_hint(stderr: str, python: str) -> str:
    """What to do when a backend process failed on an import."""
    if "No module named" in stderr or "ImportError" in stderr:
        return f" — does BACKEND_PYTHON ({python}) have the backend's dependencies?"
    return ""


def failure_line(result, python: str) -> str:
    """Why a backend process failed, in one line: its last stderr line, else its last stdout line, plus the hint."""
    last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
    return last + dependency_hint(result.stderr, python)


def labelled(lines: list[str], label: str) -> str | None:
    """The value of the last `Label: value` line (with --verbose, `Status:` is printed twice)."""
    values = [line.split(": ", 1)[1].strip() for line in lines if line.startswith(f"{label}: ")]
    return values[-1] if values else None


@library(scope="GLOBAL")
class CliOutput:
    @keyword
    def parse_customer_cli_output(self, result, python: str = "") -> dict:
        """Run ID, Status, Error and Steps executed from `cus_cli run --verbose`; stderr's last `Error:` line."""
        stdout, stderr = result.stdout, result.stderr
        lines = stdout.splitlines()
        errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
        return {
            "rc": result.rc,
            "timed_out": result.timed_out,
            "run_id": labelled(lines, "Run ID"),
            "created_run_id": labelled(lines, "Run created"),
            "status": labelled(lines, "Status"),
            "error": labelled(lines, "Error") or (errors[-1][len("Error: "):] if errors else None),
            "steps_executed": labelled(lines, "Steps executed"),
            "last_stderr_line": failure_line(result, python),
        }

    @keyword
    def failure_reason(self, result, python: str) -> str:
        """Why a backend process failed, in one line, with a hint when it could not import a module."""
        return failure_line(result, python)

    @keyword
    def created_agent_id(self, stdout: str) -> str | None:
        """The id from `cus_cli create-agent`'s `Created agent: <id>`."""
        return labelled(stdout.splitlines(), "Created agent")

    @keyword
    def registered_skill_names(self, stdout: str) -> list[str]:
        """The names from `cus_cli list-skills`: `  name (vX)` lines under `=== AOS Registered Skills ===`."""
        return [m.group(1) for m in re.finditer(r"(?m)^\s+(\S+) \(v", stdout)]

    @keyword
    def parse_pytest_summary(self, stdout: str) -> dict:
        """Counts from pytest's closing line, e.g. `12 passed in 2.01s`; the line itself is evidence."""
        match = PYTEST_SUMMARY.findall(stdout)
        line = match[-1].strip() if match else ""
        counts = {kind.rstrip("s") if kind.startswith("error") else kind: int(n) for n, kind in PYTEST_COUNT.findall(line)}
        return {"line": line or "(no pytest summary line)", "passed": counts.get("passed", 0),
                "failed": counts.get("failed", 0), "errors": counts.get("error", 0)}
