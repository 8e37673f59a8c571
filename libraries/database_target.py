"""The target database: DATABASE_URL parsed into connection parameters with the password kept a Secret,
connection errors explained in one line, and the alembic head read from the backend's migration files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from robot.api.deco import keyword, library
from robot.api.types import Secret

from masking import mask, register
from project import DOC_FORMAT, VERSION

REVISION = re.compile(r"^revision\s*(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(.+)$", re.M)
QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")
URL_HINT = "expected a postgresql:// URL with user, password, host, port and database"


class DatabaseUrlError(ValueError):
    """A DATABASE_URL the suite cannot use; Robot shows its message without the class name."""

    ROBOT_SUPPRESS_NAME = True


@dataclass
class ConnectionParameters:
    host: str
    port: int
    database: str
    user: str | None
    password: Secret | None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.database}"

    def __str__(self) -> str:
        user = f"{self.user}:***@" if self.password else f"{self.user}@" if self.user else ""
        return f"postgresql://{user}{self.where}"


def parse_database_url(url: str | Secret) -> ConnectionParameters:
    """Raise ValueError with one line (never containing the password) when the URL is not a PostgreSQL URL."""
    raw = url.value if isinstance(url, Secret) else url
    if not raw:
        raise DatabaseUrlError(f"DATABASE_URL is empty — {URL_HINT}")
    parts = urlsplit(raw)
    if parts.scheme not in ("postgresql", "postgres"):
        raise DatabaseUrlError(f"DATABASE_URL is malformed: scheme '{parts.scheme or '(none)'}' is not postgresql — {URL_HINT}")
    try:
        port = parts.port or 5432
    except ValueError:
        raise DatabaseUrlError(f"DATABASE_URL is malformed: the port is not a number — {URL_HINT}") from None
    host = parts.hostname or parse_qs(parts.query).get("host", [""])[0]
    database = unquote(parts.path.lstrip("/"))
    if not host or not database:
        raise DatabaseUrlError(f"DATABASE_URL is malformed: it names no {'host' if not host else 'database'} — {URL_HINT}")
    password = Secret(unquote(parts.password)) if parts.password else None
    return ConnectionParameters(host, port, database, unquote(parts.username) if parts.username else None, password)


def explain_connection_error(error: str, target: ConnectionParameters, connect_timeout: int) -> str:
    """One line a newcomer can act on, for the usual ways a connection fails."""
    text = " ".join(str(error).split())
    where = f"{target.host}:{target.port}"
    if "Connection refused" in text or "No such file or directory" in text:
        return f"database {where} refused the connection — is PostgreSQL running? set DATABASE_URL"
    if "timeout expired" in text or "timed out" in text:
        return f"database {where} did not answer within {connect_timeout}s — is DATABASE_URL's host and port right?"
    if "password authentication failed" in text:
        return f"database {where} rejected the password of user '{target.user}' — check the password in DATABASE_URL"
    if "does not exist" in text and "database" in text:
        return f"database '{target.database}' does not exist on {where} — check DATABASE_URL"
    if "could not translate host name" in text:
        return f"host '{target.host}' in DATABASE_URL cannot be resolved — check DATABASE_URL"
    return f"cannot connect to database {target.where}: {text}"


def alembic_head(backend_dir: str | Path) -> str:
    """The single head of backend/alembic/versions: the revision no other revision names as its down_revision."""
    versions = Path(backend_dir) / "alembic" / "versions"
    revisions, parents = set(), set()
    for source in (p.read_text(errors="replace") for p in versions.glob("*.py")):
        if match := REVISION.search(source):
            revisions.add(match.group(1))
            if down := DOWN_REVISION.search(source):
                parents.update(QUOTED.findall(down.group(1)))
    heads = sorted(revisions - parents)
    if len(heads) != 1:
        raise DatabaseUrlError(f"{versions} has {len(heads)} alembic heads ({', '.join(heads) or 'no migrations'}), expected 1")
    return heads[0]


def secrets_in(url: str | Secret) -> list[str]:
    """The whole URL and anything that looks like its password, found even when the URL is malformed."""
    raw = url.value if isinstance(url, Secret) else url
    found = re.findall(r"://[^:/@]*:([^@]+)@", raw or "")
    return [value for value in (raw, *found, *(unquote(f) for f in found)) if value]


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class DatabaseTarget:
    """DATABASE_URL as connection parameters, its secrets registered for masking, connection errors in one line."""

    @keyword
    def database_target(self, url: Secret | str) -> ConnectionParameters:
        """Host, port, database, user and password (a Secret) of a postgresql:// URL; one masked line when malformed.

        Example: `${target}=    Database Target    ${DATABASE_URL}`
        """
        register_secrets(url)
        try:
            return parse_database_url(url)
        except DatabaseUrlError as error:
            raise DatabaseUrlError(mask(error)) from None

    @keyword
    def database_url_as_secret(self, url: Secret | str) -> Secret:
        """DATABASE_URL however it was given (environment, typed or plain `-v`) as a Secret, its password registered
        for masking before it is even parsed.

        Example: `${url}=    Database URL As Secret    ${DATABASE_URL}`
        """
        register_secrets(url)
        return url if isinstance(url, Secret) else Secret(url)

    @keyword
    def explain_database_error(self, error: str, target: ConnectionParameters, connect_timeout: int) -> str:
        """One masked line a newcomer can act on, for the usual ways a connection fails.

        Example: `${reason}=    Explain Database Error    ${error}    ${target}    ${DB_CONNECT_TIMEOUT}`
        """
        return mask(explain_connection_error(error, target, connect_timeout))

    @keyword
    def alembic_head_revision(self, backend_dir: str) -> str:
        """The single head revision of backend/alembic/versions (the revision no other names as its parent).

        Example: `${head}=    Alembic Head Revision    ${BACKEND_DIR}`
        """
        return alembic_head(backend_dir)


def register_secrets(url: Secret | str) -> None:
    for value in secrets_in(url):
        register(value)
