"""Database access for the reference backend (contract §7).

As in the real backend, `get_session()` is a *synchronous generator*: `async with get_session()` raises
TypeError. `get_async_session()` is the async context manager. `DATABASE_URL` is required and read lazily.
"""

import asyncio
import contextlib
import os

import psycopg2
import psycopg2.extras

from app.cost_profile import spend

spend("db_import")


def get_database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("DATABASE_URL environment variable is required")
    return url


def connect():
    return psycopg2.connect(get_database_url(), cursor_factory=psycopg2.extras.RealDictCursor)


def get_session():
    """Synchronous generator, as in the real backend (`with Session(engine) as s: yield s`)."""
    with contextlib.closing(connect()) as session:
        yield session


@contextlib.asynccontextmanager
async def get_async_session():
    url = get_database_url()
    if not url.startswith("postgresql://"):
        raise ValueError(f"Unsupported database URL scheme for async engine: {url.split(':', 1)[0]}")
    session = await asyncio.to_thread(connect)
    try:
        yield session
    finally:
        session.close()


def init_db() -> None:
    """The real backend runs SQLModel.metadata.create_all here; the reference only proves the database answers."""
    with contextlib.closing(connect()) as session, session.cursor() as cur:
        cur.execute("SELECT 1")


def fetch_one(sql: str, params: tuple = ()) -> dict | None:
    with contextlib.closing(connect()) as session, session.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def execute(sql: str, params: tuple = ()) -> None:
    with contextlib.closing(connect()) as session:
        with session, session.cursor() as cur:
            cur.execute(sql, params)
