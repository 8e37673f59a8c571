"""The target database: DATABASE_URL read once, as libpq reads it (libraries/runproof/target/database_url.py), its password kept a
Secret and registered for masking, connection errors explained in one line, and the alembic head read from the
backend's migration files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from robot.api.deco import keyword, library
from robot.api.types import Secret

from runproof.target.database_url import DatabaseUrl, DatabaseUrlError, read_database_url, userinfo
from runproof.evidence.masking import mask, register
from runproof import DOC_FORMAT, VERSION

REVISION = re.compile(r"^revision\s*(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(.+)$", re.M)
QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


@dataclass
class ConnectionParameters:
    """libpq's reading of DATABASE_URL for Robot: `url` (keywords without the password), the password a Secret."""

    url: DatabaseUrl
    password: Secret | None

    host = property(lambda self: self.url.host)
    port = property(lambda self: self.url.port)
    database = property(lambda self: self.url.database)
    user = property(lambda self: self.url.user)
    where = property(lambda self: self.url.where)

    def __str__(self) -> str:
        return self.url.masked


def parse_database_url(url: str | Secret) -> ConnectionParameters:
    """libpq's reading of DATABASE_URL; DatabaseUrlError in one line (never containing the password) otherwise."""
    raw = url.value if isinstance(url, Secret) else url
    reading = read_database_url(raw)
    return ConnectionParameters(reading, Secret(reading.password) if reading.password else None)


def explain_connection_error(error: str, target: ConnectionParameters, connect_timeout: int) -> str:
    """One line a newcomer can act on, for the usual ways a connection made as the backend makes it fails."""
    text = " ".join(str(error).split())
    where = f"{target.host}:{target.port}"
    sslmode = target.url.params.get("sslmode", "")
    socket = re.search(r'socket "([^"]+)"', text)
    if socket and "No such file or directory" in text:
        return (f"no PostgreSQL socket at {socket.group(1)} — is PostgreSQL running there? check DATABASE_URL's host "
                "(the socket directory) and port")
    if "server does not support SSL" in text:
        return (f"database {where} does not support SSL, which DATABASE_URL requires (sslmode={sslmode}) — enable "
                "ssl on the server, or set sslmode in DATABASE_URL to what the backend should use")
    if "certificate verify failed" in text or "root certificate file" in text or "server certificate for" in text:
        detail = re.sub(r"^.*?(certificate verify failed|root certificate file|server certificate for)", r"\1", text)
        return (f"the certificate of database {where} does not verify (sslmode={sslmode}): {detail[:200]} — set "
                "sslrootcert in DATABASE_URL to the CA that signed it, or fix the server's certificate")
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
    """The whole URL and its password as libpq reads it; for a URL libpq refuses or misreads (or that the suite
    refuses), everything between `://` and the last `@`, so that no reading of it leaks."""
    raw = url.value if isinstance(url, Secret) else url
    if not raw:
        return []
    try:
        password = read_database_url(raw).password
    except DatabaseUrlError:
        return [raw, userinfo(raw)]
    return [raw, password or ""]


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class DatabaseTarget:
    """DATABASE_URL read as libpq reads it, its secrets registered for masking, connection errors in one line."""

    @keyword
    def database_target(self, url: Secret | str) -> ConnectionParameters:
        """libpq's reading of a postgresql:// URL (host, port, database, user, every other libpq keyword) with the
        password a Secret; one masked line naming what to write instead when the suite refuses it (contract §7).

        Example: `${target}=    Database Target    ${DATABASE_URL}`
        """
        register_secrets(url)
        try:
            return parse_database_url(url)
        except DatabaseUrlError as error:
            raise DatabaseUrlError(mask(error)) from None

    @keyword
    def connection_parameters(self, target: ConnectionParameters, options: str = "", connect_timeout: str = "",
                              application_name: str = "") -> dict:
        """libpq's keywords of DATABASE_URL for `Connect To Database    psycopg2    db_password=…    &{parameters}`:
        every one the URL gives (sslmode and ssl*, host lists, socket directories, port, connect_timeout, options),
        the suite's `options` appended to the URL's, `connect_timeout` and `application_name` only where the URL
        gives none. The password is not in it (it goes as `db_password`, a Secret DatabaseLibrary masks).

        Example: `${parameters}=    Connection Parameters    ${target}    options=-c default_transaction_read_only=on`
        """
        return target.url.connection_parameters(options, connect_timeout or None, application_name or None)

    @keyword
    def connect_timeout_of(self, target: ConnectionParameters, default: str) -> int:
        """The seconds the connection waits: the URL's connect_timeout, else `default` (DB_CONNECT_TIMEOUT).

        Example: `${seconds}=    Connect Timeout Of    ${target}    ${DB_CONNECT_TIMEOUT}`
        """
        return target.url.connect_timeout(default)

    @keyword
    def parameters_the_async_engine_drops(self, target: ConnectionParameters) -> str:
        """A note when DATABASE_URL sets what the real backend's async engine strips (sslmode, connect_timeout,
        contract §7): its async sessions connect without them. Empty when it sets neither.

        Example: `${note}=    Parameters The Async Engine Drops    ${target}`
        """
        dropped = target.url.dropped_by_async_engine
        if not dropped:
            return ""
        return (f"DATABASE_URL sets {' and '.join(dropped)}: the suite's connection and the backend's libpq connections "
                f"(CLI, runner) use {'them' if len(dropped) > 1 else 'it'}, but the real backend's async engine strips "
                f"{'them' if len(dropped) > 1 else 'it'} (contract §7), so its async sessions connect without")

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
