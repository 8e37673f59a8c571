"""Writing the attestation into the output folder, once Robot (or rebot) has written every result file.

`Attester` is a Robot logger (robot.output.loggerapi.LoggerApi): registered with Robot's LOGGER when the top suite
ends, it is told the path of output.xml, the xunit file, log.html and report.html as each is written, and closed
after the last — then it writes the envelope, the statement and the predicate (docs/decisions/attestation-timing.md).
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from robot.output.loggerapi import LoggerApi

from runproof.attestation import DEFAULT_FILES, ENVELOPE, PREDICATE, STATEMENT
from runproof.attestation.signing import KeyProblem, UNSIGNED, envelope, load_signer
from runproof.attestation.statement import payload, statement, subjects
from runproof.evidence.masking import mask, one_line


def write_attestation(folder: Path, files: dict[str, Path], predicate: dict, key: str | None) -> str:
    """Write the envelope, statement and predicate of `files` into `folder`; returns the console line."""
    signer, note = None, None
    if key:
        try:
            signer = load_signer(key)
        except KeyProblem as problem:
            note = f"unsigned: a signing key was given, but {problem}"
    document = statement(subjects(files, folder), predicate)
    wrapped = envelope(payload(document), signer, note)
    for name, content in ((ENVELOPE, wrapped), (STATEMENT, document), (PREDICATE, document["predicate"])):
        temporary = folder / f".{name}.tmp"
        temporary.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n")
        os.replace(temporary, folder / name)
    how = f"signed by Ed25519 key {signer.public_key.keyid[:16]}…" if signer else (note or UNSIGNED)
    return f"Attestation: {folder / ENVELOPE} ({len(document['subject'])} subjects; {how})"


class Attester(LoggerApi):
    """Collects the result files Robot writes, and attests them when Robot closes."""

    def __init__(self, folder: Path | None, predicate: Callable[[Path], dict], key: str | None = None) -> None:
        """`folder`: the run's output folder (its evidence files are subjects too); None for a merge, whose folder is
        that of the first result file rebot writes. `predicate(folder)` is called once, when Robot closes."""
        self.folder = Path(folder) if folder is not None else None
        self.predicate = predicate
        self.key = key
        self.files = {kind: self.folder / name for kind, name in DEFAULT_FILES.items()} if self.folder else {}
        self.done = False

    def register(self) -> None:
        """Be told Robot's result files and closed after them; without Robot's logger (another Robot), at exit."""
        try:
            from robot.output import LOGGER

            LOGGER.register_logger(self)
        except (ImportError, AttributeError):
            atexit.register(self.close)

    def result_file(self, kind, path) -> None:
        if kind.lower() in ("output", "xunit", "log", "report") and path:
            self.files[kind.lower()] = Path(path)
            if self.folder is None:
                self.folder = Path(path).resolve().parent

    def close(self) -> None:
        if self.done or self.folder is None:
            return
        self.done = True
        try:
            line = write_attestation(self.folder, self.files, self.predicate(self.folder), self.key)
        except Exception as exc:  # noqa: BLE001 - the attestation must never cost the run its exit code
            line = f"runproof: the attestation could not be written: {one_line(mask(exc))}"
        # On stderr: the console's last stdout line stays the reason for the exit code (evidence/console.py).
        print(mask(line), file=sys.__stderr__)
