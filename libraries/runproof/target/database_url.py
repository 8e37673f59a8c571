"""DATABASE_URL read once, the way libpq reads it, for the suite, its libraries, its tests and the throwaway server.

libpq's own parser (`psycopg2.extensions.parse_dsn`) decides what the URL means — host lists, unix-socket hosts given
as `?host=/dir` or as `%2Fdir`, the port from the query, sslmode and the other ssl* parameters, connect_timeout,
options — because that is how the backend's own libpq connections (the CLI's, the runner's) will read it. A
hand-written parser disagreed with libpq on four URL forms and then blamed the product for the suite's configuration.

On top of libpq the suite refuses, each in one line saying what to write instead, what libpq accepts but the backend
cannot use, or what libpq misreads without a word:
- a scheme other than `postgresql` (`postgres://` is libpq's alias, but the backend's async engine rejects it, contract
  §7), and a driver suffix (`postgresql+asyncpg://`, which libpq cannot read at all);
- more than one `@` before the host (a password with an unencoded `@`: libpq takes the rest as the host name);
- an invalid percent-encoding (libpq refuses it, in a message that quotes the password).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from psycopg2 import ProgrammingError
from psycopg2.extensions import parse_dsn

SCHEME = "postgresql"
WRITE = "write postgresql://user:***@host:port/database (the password percent-encoded)"
# What the real backend's async engine removes from DATABASE_URL before connecting (contract §7).
ASYNC_ENGINE_DROPS = ("sslmode", "connect_timeout")
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*")


class DatabaseUrlError(ValueError):
    """A DATABASE_URL the suite will not use; Robot shows its message without the class name."""

    ROBOT_SUPPRESS_NAME = True


@dataclass(frozen=True)
class DatabaseUrl:
    """libpq's reading of a DATABASE_URL: its keywords (`params`, without the password) and the password apart."""

    params: dict[str, str]
    password: str | None = field(repr=False)
    masked: str  # the URL as written, its password replaced by ***
    query_keys: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return self.params.get("host") or self.params.get("hostaddr") or "localhost"

    @property
    def port(self) -> str:
        return self.params.get("port") or "5432"

    @property
    def database(self) -> str:
        return self.params.get("dbname") or self.params.get("user") or ""

    @property
    def user(self) -> str | None:
        return self.params.get("user")

    @property
    def where(self) -> str:
        """`host:port/database`; with a host list every `host:port` pair, as libpq pairs them."""
        hosts, ports = self.host.split(","), self.port.split(",")
        pairs = [f"{host}:{ports[i] if len(ports) > 1 else ports[0]}" for i, host in enumerate(hosts)]
        return f"{','.join(pairs)}/{self.database}"

    @property
    def dropped_by_async_engine(self) -> list[str]:
        """The URL's parameters that the real backend's async engine strips before it connects (contract §7)."""
        return [name for name in ASYNC_ENGINE_DROPS if name in self.query_keys]

    def connection_parameters(self, options: str = "", connect_timeout: int | str | None = None,
                              application_name: str | None = None) -> dict[str, str | None]:
        """libpq's keywords for a connection made as the backend makes it, plus the suite's own `options` after the
        URL's (the later `-c` wins), and defaults only where the URL gives none. No password: it travels apart.

        `port` is None when the URL names none, so that libpq picks it (PGPORT, else 5432) as it does for the
        backend — DatabaseLibrary would otherwise pass 5432, and psycopg2 drops a None keyword.
        """
        params: dict[str, str | None] = dict(self.params)
        if options:
            params["options"] = f"{params['options']} {options}" if params.get("options") else options
        if connect_timeout not in (None, ""):
            params.setdefault("connect_timeout", str(connect_timeout))
        if application_name:
            params.setdefault("application_name", application_name)
        params.setdefault("port", None)
        return params

    def connect_timeout(self, default: int | str) -> int:
        """The seconds a connection waits: the URL's connect_timeout when it gives one, else `default`."""
        try:
            return int(self.params.get("connect_timeout") or default)
        except ValueError:
            return int(default)

    def __str__(self) -> str:
        return self.masked


def userinfo(raw: str) -> str:
    """Everything between `://` and the last `@` (what must be masked when libpq refuses or misreads the URL)."""
    rest = raw.split("://", 1)[1] if "://" in raw else ""
    return rest[:rest.rindex("@")] if "@" in rest else ""


def authority(raw: str) -> str:
    """The URL's part between `://` and the first `/` or `?`: where libpq looks for user, password, host and port."""
    rest = raw.split("://", 1)[1] if "://" in raw else raw
    return re.split(r"[/?]", rest, maxsplit=1)[0]


def masked_url(raw: str) -> str:
    """The URL as written with its password (in the user information or in `?password=`) replaced by ***."""
    if "://" not in raw:
        return "***"
    scheme, rest = raw.split("://", 1)
    where = authority(raw)
    if "@" in where:
        user, _, _password = where[:where.rindex("@")].partition(":")
        rest = f"{user}:***{rest[where.rindex('@'):]}" if _password else rest
    return QUERY_PASSWORD.sub(r"\1***", f"{scheme}://{rest}")


def read_database_url(raw: str) -> DatabaseUrl:
    """libpq's reading of `raw`, after the suite's own rules; DatabaseUrlError in one line (no secret) otherwise."""
    raw = raw or ""
    if not raw.strip():
        raise DatabaseUrlError(f"DATABASE_URL is empty — {WRITE}")
    if "://" not in raw:
        raise DatabaseUrlError(f"DATABASE_URL is not a URL — {WRITE} (the backend's engines read no key=value string)")
    scheme = raw.split("://", 1)[0]
    shown = scheme[:30]
    if "+" in scheme:
        raise DatabaseUrlError(f"DATABASE_URL names a driver ({shown}://) — write plain postgresql://: libpq reads no "
                               "driver suffix and the backend picks its own drivers (contract §7)")
    if scheme == "postgres":
        raise DatabaseUrlError("DATABASE_URL uses postgres://, which the backend's async engine rejects (contract §7) — "
                               "write postgresql:// instead")
    if scheme != SCHEME:
        raise DatabaseUrlError(f"DATABASE_URL is malformed: scheme '{shown}' is not postgresql — {WRITE}")
    if authority(raw).count("@") > 1:
        raise DatabaseUrlError(f"DATABASE_URL has {authority(raw).count('@')} '@' before the host: libpq would take "
                               "what follows the first one as the host — write an '@' in the user name or password as %40")
    if BAD_PERCENT.search(raw):
        raise DatabaseUrlError("DATABASE_URL has an invalid percent-encoding (a '%' not followed by two hex digits) — "
                               "write a '%' in the user name or password as %25")
    try:
        params = parse_dsn(raw)
    except ProgrammingError as error:
        reason = " ".join(str(error).replace("invalid dsn: ", "").split())
        reason = re.sub(r'"[^"]*"', "(…)", reason)  # libpq quotes the token, which may be the password
        raise DatabaseUrlError(f"DATABASE_URL is malformed: libpq cannot read it ({reason}) — {WRITE}") from None
    for port in (params.get("port") or "").split(","):
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise DatabaseUrlError(f"DATABASE_URL is malformed: the port is not a number ('{port[:20]}') — {WRITE}")
    password = params.pop("password", None)
    query = raw.split("?", 1)[1] if "?" in raw else ""
    keys = tuple(part.split("=", 1)[0] for part in query.split("&") if part)
    return DatabaseUrl(params=params, password=password, masked=masked_url(raw), query_keys=keys)
