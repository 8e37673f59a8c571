"""Canaries and the scan for them: random secrets planted in a suite run, and every artefact it wrote searched for any
of them — or any 6-character fragment of one, in any form a URL may carry it (masking.forms).

Shared by tests/test_secrets.py, the hostile runs (tests/test_hostile.py) and the interrupted runs
(tests/test_interruptions.py), so that every suite run the tests make is also a leak test.

log.html and report.html keep most of their text in `window.output["strings"]`: an entry starting with `*` is plain
text, any other is base64 of zlib-compressed text (Robot compresses a string when that saves space). A scan of the
file as written misses those, so each entry is decoded and scanned as well.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from runproof.evidence.masking import WINDOW, forms

# No hex digits and no vowels: a window of a canary cannot occur by chance in a hash, a uuid or an English word.
ALPHABET = "ghjkmnpqrstvwxzGHJKMNPQRSTVWXZ"
# Robot writes the strings as JSON, except that it escapes `<` as `\x3c` (JavaScript, not JSON).
HEX_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\x([0-9a-fA-F]{2})")
STRINGS = re.compile(r'window\.output\["strings"\]\s*=\s*window\.output\["strings"\]\.concat\((\[.*?\])\);', re.S)


def canary(length: int = 18) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def environment_canaries() -> dict[str, str]:
    """Variables a CI job carries: none of their values may reach an artefact (the backend still inherits them).
    CI_PIPELINE_NOTE is not named like a secret, so masking does not know it: only never logging the environment
    keeps it out."""
    return {"CI_JOB_TOKEN": canary(), "PGPASSWORD": canary(), "DEPLOY_API_KEY": canary(),
            "CLOUD_CREDENTIALS": canary(), "SERVICE_SECRET": canary(), "CI_PIPELINE_NOTE": canary()}


def decoded_strings(html: str) -> list[str]:
    """Every string of Robot's log.html/report.html model, decoded."""
    found = []
    for chunk in STRINGS.findall(html):
        for entry in json.loads(HEX_ESCAPE.sub(r"\1\\u00\2", chunk)):
            if entry.startswith("*"):
                found.append(entry[1:])
            elif entry:
                found.append(zlib.decompress(base64.b64decode(entry)).decode("utf-8", errors="replace"))
    return found


def artefact_texts(outdir: Path) -> dict[str, str]:
    """Every file under `outdir` as text (bytes decoded leniently), log.html and report.html with their strings
    decoded too."""
    texts = {}
    for path in sorted(p for p in outdir.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".html":
            strings = decoded_strings(text)
            assert strings or "window.output" not in text, f"{path.name}: Robot's strings were not found to decode"
            text += "\n" + "\n".join(strings)
        texts[str(path.relative_to(outdir))] = text
    return texts


def fragments(secret: str) -> dict[str, str]:
    """Every WINDOW-character fragment of every form of `secret`, mapped to the secret (whole when shorter)."""
    found = {}
    for form in forms(secret):
        for start in range(max(1, len(form) - WINDOW + 1)):
            found[form[start:start + WINDOW]] = secret
    return found


def leaks(texts: Mapping[str, str], secrets_: Iterable[str]) -> list[str]:
    """`name: fragment (of secret)` for every fragment of a secret found in a text; empty when nothing leaked."""
    windows: dict[str, str] = {}
    for secret in secrets_:
        windows.update(fragments(secret))
    found = []
    for name, text in texts.items():
        for start in range(len(text) - WINDOW + 1):
            if (piece := text[start:start + WINDOW]) in windows:
                context = text[max(0, start - 40):start + 40].replace("\n", "⏎")
                found.append(f"{name}: {piece!r} of {windows[piece]!r} in …{context}…")
                break
    return found


def assert_no_leak(outdir: Path, secrets_: Iterable[str], console: str = "") -> None:
    """No canary, nor any 6-character fragment of one, in any file under `outdir` or on the console."""
    texts = artefact_texts(outdir)
    assert texts, f"nothing under {outdir} to scan"
    texts["(console)"] = console
    found = leaks(texts, list(secrets_))
    assert not found, "secrets reached artefacts:\n" + "\n".join(found)
