"""A listener for the console: after Robot has written its output files, the last lines say the verdict, one `Cause:`
line per independent cause of failure, one line per criterion, and where evidence.md is. Named in robot.args
(`--listener console_verdict`), so every run prints it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from criteria import CRITERIA
from evidence_report import verdict_line

ROBOT_LISTENER_API_VERSION = 3
_outdir: list[Path] = []


def output_file(path: str | None) -> None:
    if path:  # None with `--output NONE` (a dry run)
        _outdir[:] = [Path(path).parent]


def close() -> None:
    if not _outdir or not (_outdir[0] / "evidence.json").is_file():
        return
    document = json.loads((_outdir[0] / "evidence.json").read_text())
    lines = [f"Run Proof Test Plan v4: {document.get('result_line', document.get('result'))}"]
    lines += [f"  Cause: {line}" for line in document.get("cause_lines", [])]
    lines += [f"  {verdict_line(ac, document)}" for ac in CRITERIA]
    lines.append(f"Evidence: {_outdir[0] / 'evidence.md'}")
    print("\n".join(lines), file=sys.__stdout__)
