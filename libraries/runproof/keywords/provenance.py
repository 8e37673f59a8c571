"""Provenance: which suite, which backend and which plan produced this evidence — and proof that the backend's code
did not change while the suite ran (the real v4 execution fixed code in the middle of its run, contract §9)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library

from runproof import CHECKOUT, DOC_FORMAT, VERSION

SUITE_ROOT = CHECKOUT
# What a process writes into a checkout by running it, not by changing its code.
NOT_SOURCE = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".git", "node_modules", ".venv", "venv"}
SOURCE_SUFFIXES = {".py", ".ini", ".toml", ".cfg", ".txt", ".json", ".yaml", ".yml", ".sql", ".mako", ".sh"}
GIT_TIMEOUT = 10


def git(directory: Path | str, *args: str) -> str | None:
    """`git -C directory ARGS`'s output, or None when it is not a checkout (or git is missing)."""
    try:
        result = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def source_files(backend_dir: Path) -> list[Path]:
    """The source files under `backend_dir`, also inside symlinked folders (each real folder walked once)."""
    found, seen = [], set()
    for folder, folders, files in os.walk(backend_dir, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            folders[:] = []
            continue
        seen.add(real)
        folders[:] = [name for name in folders if name not in NOT_SOURCE]
        found += [Path(folder) / name for name in files if Path(name).suffix in SOURCE_SUFFIXES]
    return sorted(path for path in found if path.is_file())


def tree_fingerprint(backend_dir: str | Path) -> dict[str, str]:
    """sha256 of every source file under backend/, by relative path."""
    root = Path(backend_dir)
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest() for path in source_files(root)}


def plan_file_read(plan_file: str) -> dict[str, str | bool | None]:
    """What the plan file says about itself (title, date) and its sha256 — or that it was not read, and why.

    Only what was read is recorded: a missing file (the usual case for a clone of this project alone) is `not read`,
    never a failure and never filled in with the plan the suite implements.
    """
    path = Path(plan_file) if plan_file else None
    if path is None or not path.is_file():
        why = "PLAN_FILE is empty" if path is None else f"{plan_file} does not exist"
        return {"plan_file": plan_file or None, "plan_file_read": False, "plan_file_note": f"not read: {why}"}
    try:
        data = path.read_bytes()
    except OSError as error:
        return {"plan_file": plan_file, "plan_file_read": False,
                "plan_file_note": f"not read: {error.strerror or error}"}
    text = data.decode(errors="replace")
    title = re.search(r"^#\s*(.+)$", text, re.M)
    date = re.search(r"\*\*Date:\*\*\s*(\S+)", text)
    return {"plan_file": str(path.resolve()), "plan_file_read": True, "plan_file_sha256": hashlib.sha256(data).hexdigest(),
            "plan_file_title": title.group(1).strip() if title else None, "plan_file_date": date.group(1) if date else None}


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class Provenance:
    """Records what produced the evidence and fingerprints the backend's source before and after the run."""

    def __init__(self) -> None:
        self.before: dict[str, str] = {}
        self.backend_dir = ""

    @keyword
    def provenance_of_the_run(self, backend_dir: str, plan_file: str, plan: str = "") -> dict:
        """The suite's commit, the backend's commit and whether its checkout had uncommitted changes, the plan the
        suite implements (`plan`, declared once, in the top suite's `Plan` metadata) and the plan file read
        (PLAN_FILE with its sha256, or `not read` and why — never a failure).

        Returns a dictionary for `evidence.json` → `provenance`; a value that cannot be known is None.

        Example: `${provenance}=    Provenance Of The Run    ${BACKEND_DIR}    ${PLAN_FILE}    ${SUITE METADATA}[Plan]`
        """
        dirty = git(backend_dir, "status", "--porcelain", "--untracked-files=no", ".")
        read = plan_file_read(plan_file)
        logger.info(f"plan implemented: {plan or '(not declared)'}; plan file: "
                    f"{read.get('plan_file_note') or read['plan_file'] + ', sha256 ' + read['plan_file_sha256']}")
        return {
            "suite_commit": git(SUITE_ROOT, "rev-parse", "HEAD"),
            "backend_commit": git(backend_dir, "rev-parse", "HEAD"),
            "backend_uncommitted_changes": None if dirty is None else bool(dirty),
            "plan_implemented": plan or None,
            **read,
        }

    @keyword
    def fingerprint_the_backend_source(self, backend_dir: str) -> int:
        """Remember the sha256 of every source file under backend/ (before the first backend process starts).

        Returns how many files were fingerprinted.

        Example: `Fingerprint The Backend Source    ${BACKEND_DIR}`
        """
        self.before = tree_fingerprint(backend_dir)
        self.backend_dir = backend_dir  # only once fingerprinted: an empty tree's digest is no backend's
        logger.info(f"fingerprinted {len(self.before)} source files under {backend_dir}")
        return len(self.before)

    @keyword
    def backend_source_digest(self) -> str:
        """One digest of the backend's source as fingerprinted (the sha256 of every file's path and sha256), its first
        16 hex digits: which backend code a test's result is about, so that a merge of two runs can tell.

        Returns the digest, or `not fingerprinted`.

        Example: `${digest}=    Backend Source Digest`
        """
        if not self.backend_dir:
            return "not fingerprinted"
        lines = "".join(f"{path}\0{digest}\n" for path, digest in sorted(self.before.items()))
        return hashlib.sha256(lines.encode()).hexdigest()[:16]

    @keyword
    def backend_source_should_be_unchanged(self) -> str:
        """Every source file under backend/ is as it was before the first backend process; none added or removed.

        Returns a line naming how many files were compared.

        Example: `${detail}=    Backend Source Should Be Unchanged`
        """
        if not self.backend_dir:
            raise AssertionError("the backend's source was never fingerprinted: the suite setup did not reach it")
        after = tree_fingerprint(self.backend_dir)
        changed = sorted(p for p in self.before.keys() & after.keys() if self.before[p] != after[p])
        added = sorted(after.keys() - self.before.keys())
        removed = sorted(self.before.keys() - after.keys())
        if changed or added or removed:
            parts = [f"{label}: {', '.join(files[:5])}" for label, files in
                     (("changed", changed), ("added", added), ("removed", removed)) if files]
            raise AssertionError(f"the backend's code changed during the run — {'; '.join(parts)}")
        return f"{len(after)} source files under {self.backend_dir} unchanged since before the first backend process"
