"""The secrets of this run, masked wherever text leaves a library.

One registry per process: every library that produces text (process output, errors, database errors, evidence)
passes it through `mask` before Robot logs it, and the `secret_masking` listener passes every log message, status
message and metadata value through it too, so `.robot` files never mask by hand.

The rule, by construction:

- A *secret* is a value: a password (DATABASE_URL's, however it is given; PGPASSWORD), a token, the value of any
  environment variable whose name looks like a secret (`SECRET_NAME`), the value of any Robot `Secret`.
- Each secret is matched in several *forms*: as given, percent-decoded, percent-encoded (every reserved character,
  and with `/` kept), and `+`-encoded — a URL may carry any of them.
- Any 6-character window (`WINDOW`) of any form that appears in a text marks those characters; each maximal run of
  marked characters becomes `***`. So a fragment a driver echoes — the tail of a password after an unencoded `@` or
  `%` that libpq took for the end of the user info — is masked as long as it is 6 characters or more, together with
  whatever else of the secret touches it. A secret (form) shorter than 6 characters is masked where it occurs whole,
  if it has at least 3 characters and is not a word like `true` (masking `1` or `no` everywhere would destroy every
  line and hide nothing: such values are not secrets).
- A URL is never a secret itself (its windows would include `postgresql://` and mask every URL): a URL is masked by
  its password — as libpq reads it and as a URL parser reads it (the part between the user's `:` and the *last*
  `@`). When libpq refuses the URL, or reads another password from it than the URL parser does, everything between
  `://` and the last `@` is masked too (the user name included): the URL means something other than it says.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

WINDOW = 6
SHORTEST = 3
# Environment variables whose values are secrets (PGPASSWORD included). Matched case-insensitively anywhere in the name.
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL", re.I)
NOT_SECRETS = {"true", "false", "yes", "no", "on", "off", "none", "null"}
URL_WITH_USER_INFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s]*@")

_windows: set[str] = set()
_whole: set[str] = set()
SEARCH_BUDGET = 120  # windows; measured: 30 → 8x faster than the walk, 244 → 2x slower
_search: list[re.Pattern] = []  # one pattern finding any window or whole secret, rebuilt after each registration


def forms(secret: str) -> set[str]:
    """The ways `secret` can be written in a text: as given, percent-decoded, percent-encoded, +-encoded."""
    return {form for form in (secret, unquote(secret), unquote_plus(secret), quote(secret, safe=""), quote(secret),
                              quote_plus(secret)) if form}


def url_secrets(url: str) -> list[str]:
    """The secrets of a URL: its password as libpq and as a URL parser read it, and — when libpq refuses the URL or
    reads another password — its whole user info (between `://` and the last `@`). Never the URL itself."""
    after = url.split("://", 1)[1] if "://" in url else url
    user_info = after[:after.rfind("@")] if "@" in after else ""
    intended = user_info.split(":", 1)[1] if ":" in user_info else ""
    found = [intended]
    try:
        found.append(urlsplit(url).password or "")
    except ValueError:
        pass
    if not url.startswith(("postgresql://", "postgres://")):
        return [value for value in dict.fromkeys(found) if value]
    libpq_password = _libpq_password(url)
    if libpq_password is None or libpq_password != unquote(intended):
        found.append(user_info)
    found.append(libpq_password or "")
    return [value for value in dict.fromkeys(found) if value]


def _libpq_password(url: str) -> str | None:
    """The password libpq reads from `url` ('' for none), or None when libpq refuses it (or psycopg2 is missing)."""
    try:
        from psycopg2.extensions import parse_dsn
    except ImportError:  # a process without psycopg2 (the reaper, a bench helper): the URL parser's reading stands
        return ""
    try:
        return parse_dsn(url).get("password", "")
    except Exception:  # noqa: BLE001 — psycopg2.ProgrammingError for every malformed URL; any refusal counts
        return None


def register(value: Any) -> None:
    """Mask `value` (a str or a robot.api.types.Secret) in every form from now on; a URL by its secrets only."""
    raw = getattr(value, "value", value)
    if not isinstance(raw, str) or not raw.strip():
        return
    if "://" in raw:
        for secret in url_secrets(raw):
            register(secret)
        return
    for form in forms(raw):
        if len(form) >= WINDOW:
            _windows.update(form[i:i + WINDOW] for i in range(len(form) - WINDOW + 1))
        elif len(form) >= SHORTEST and form.lower() not in NOT_SECRETS:
            _whole.add(form)
    _search.clear()


def _holds_a_secret(text: str) -> bool:
    """Whether any window or whole secret may occur in `text`: one regular-expression search, in C, so that the
    common case (nothing to mask) does not walk the text in Python. The search tries each alternative at each
    position, so past SEARCH_BUDGET windows (a long key or certificate) it would be slower than the walk: then it
    answers True and the walk decides."""
    if len(_windows) + len(_whole) > SEARCH_BUDGET:
        return True
    if not _search:
        _search.append(re.compile("|".join(map(re.escape, sorted(_windows | _whole)))))
    return _search[0].search(text) is not None


def looks_secret(name: str) -> bool:
    """True for a variable name that says it holds a secret (PASSWORD, SECRET, TOKEN, KEY, CREDENTIAL)."""
    return bool(SECRET_NAME.search(name))


def register_environment(environ: Mapping[str, str] | None = None) -> None:
    """Every secret the environment holds: the values of variables named like secrets, and the password of every
    URL with user info (DATABASE_URL, HTTPS_PROXY=http://user:password@proxy) whatever its variable is called."""
    for name, value in (os.environ if environ is None else environ).items():
        if looks_secret(name):
            register(value)
        for url in URL_WITH_USER_INFO.findall(value):
            register(url)


def register_all(values: Iterable[Any]) -> None:
    for value in values:
        register(value)


def mask(text: Any) -> str:
    """`text` as a string with every maximal run of characters covered by a secret's window replaced by ***."""
    text = "" if text is None else text if isinstance(text, str) else str(getattr(text, "value", text))
    if not (_windows or _whole) or not text or not _holds_a_secret(text):
        return text
    covered = bytearray(len(text))
    if _windows:
        for start in range(len(text) - WINDOW + 1):
            if text[start:start + WINDOW] in _windows:
                covered[start:start + WINDOW] = b"\1" * WINDOW
    for secret in _whole:
        start = text.find(secret)
        while start != -1:
            covered[start:start + len(secret)] = b"\1" * len(secret)
            start = text.find(secret, start + 1)
    if not any(covered):
        return text
    parts, index = [], 0
    while index < len(text):
        if covered[index]:
            while index < len(text) and covered[index]:
                index += 1
            parts.append("***")
        else:
            end = covered.find(b"\1", index)
            end = len(text) if end == -1 else end
            parts.append(text[index:end])
            index = end
    return "".join(parts)


def one_line(text: Any, limit: int = 400) -> str:
    """A masked, single-line form of `text` for a failure message."""
    return " ".join(mask(text).split())[:limit]


def forget_all() -> None:
    """Empty the registry (for tests of this module only)."""
    _windows.clear()
    _whole.clear()
    _search.clear()
