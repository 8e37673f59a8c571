"""The secrets of this run (the database URL and its password), masked wherever text leaves a library.

One registry per process: every library that produces text (process output, errors, database errors, evidence)
passes it through `mask` before Robot logs it, so `.robot` files never mask by hand.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

_SECRETS: list[str] = []


def register(value: Any) -> None:
    """Mask `value` (a str or a robot.api.types.Secret), and its URL-quoted and unquoted forms, from now on."""
    raw = getattr(value, "value", value)
    if not raw:
        return
    for form in (raw, quote(raw, safe=""), unquote(raw)):
        if form and form not in _SECRETS:
            _SECRETS.append(form)
    _SECRETS.sort(key=len, reverse=True)  # the whole URL before the password inside it


def mask(text: Any) -> str:
    """`text` as a string with every registered secret replaced by ***."""
    text = "" if text is None else str(getattr(text, "value", text) if not isinstance(text, str) else text)
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return text


def one_line(text: Any, limit: int = 400) -> str:
    """A masked, single-line form of `text` for a failure message."""
    return " ".join(mask(text).split())[:limit]
