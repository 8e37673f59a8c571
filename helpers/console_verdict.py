"""A listener for the console: after Robot has written its output files, the last lines say the verdict — one line per
criterion — and where evidence.md is. Named in robot.args (`--listener console_verdict`), so every run prints it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from criteria import CRITERIA
from evidence_report import verdict_line

ROBOT_LISTENER_API_VERSION = 3
_outdir: list[Path] = []


def output_file(path: str | None) -> None:
    if path:  # None with `--output NONE`
        _outdir[:] = [Path(path).parent]


def close() -> None:
    if not _outdir or not (_outdir[0] / "evidence.json").is_file():
        return
    document = json.loads((_outdir[0] / "evidence.json").read_text())
    lines = [f"Run Proof Test Plan v4: {document.get('result_line', document.get('result'))}"]
    lines += [f"  {verdict_line(ac, document)}" for ac in CRITERIA]
    lines.append(f"Evidence: {_outdir[0] / 'evidence.md'}")
    lines.append(why_the_exit_code(document))
    print("\n".join(lines), file=sys.__stdout__)


def why_the_exit_code(document: dict) -> str:
    """The console's last line: whether the run is green, and why not. Robot's exit code is the number of tests that
    did not pass — failed or not reached (run_selection makes a test that was not reached FAIL) — capped at 250."""
    statuses = [test["status"] for test in document.get("tests", [])]
    failed, not_reached = statuses.count("FAIL"), statuses.count("NOT REACHED")
    if not statuses:
        return "Not green: no test ran"
    if failed + not_reached == 0:
        scope = "; only part of the plan was selected" if document.get("result") == "PARTIAL" else ""
        return f"Green (exit code 0): all {len(statuses)} tests ran and passed{scope}"
    reasons = [f"{failed} failed"] if failed else []
    if not_reached:
        reasons.append(f"{not_reached} not reached, which proves nothing and counts as failed")
    first = f" — first failure: {document['first_failure']}" if document.get("first_failure") else ""
    return f"Not green (exit code {min(failed + not_reached, 250)}): {', '.join(reasons)}{first}"
