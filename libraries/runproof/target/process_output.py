"""Why a process failed, in one line: shared by the suite's backend processes and the throwaway database's migration."""

from __future__ import annotations

import re

ERROR_LINE = re.compile(r"^[\w.]+(Error|Exception|Exit)\b")


def failure_line(stderr: str, stdout: str = "") -> str:
    """The last `SomeError: message` line of a traceback (not SQLAlchemy's trailing link), else the last line."""
    for text in (stderr, stdout):
        lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
        if lines:
            errors = [line for line in lines if ERROR_LINE.match(line)]
            return (errors or lines)[-1][:300]
    return "no output"


def dependency_hint(stderr: str, python: str) -> str:
    """What to do when a backend process failed on an import."""
    if "No module named" in (stderr or "") or "ImportError" in (stderr or ""):
        return f" — does BACKEND_PYTHON ({python}) have the backend's dependencies?"
    return ""
