"""Engines for the two supported databases, configured the way the store needs them.

SQLite (the embedded default): WAL so the CLI can read while a scheduler writes,
a busy timeout instead of instant "database is locked" errors, synchronous=FULL
so a reported append is on disk, and explicit BEGIN statements so that writers
take the write lock up front (BEGIN IMMEDIATE) instead of failing when a read
transaction tries to upgrade itself.

PostgreSQL: psycopg 3 ("postgresql://" URLs are mapped to it).
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError

BUSY_TIMEOUT_MS = 30_000
DEFAULT_URL = "sqlite:///tracker.db"

# Connection execution option that makes the next BEGIN on SQLite an IMMEDIATE one.
WRITE_OPTION = "tracker_write"


class DatabaseURLError(ValueError):
    """The database URL cannot be used."""


def resolve_url(url: str | None) -> str:
    """--db, else $TRACKER_DB, else sqlite:///tracker.db in the current directory."""
    return url or os.environ.get("TRACKER_DB") or DEFAULT_URL


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseURLError(
            f"invalid database URL {url!r}: expected e.g. sqlite:///tracker.db "
            "or postgresql://user@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        parsed = parsed.set(drivername="postgresql")
        backend = "postgresql"
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseURLError(
            f"unsupported database {backend!r} in URL {safe_url(url)}: use sqlite:// or postgresql://"
        )
    if backend == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def make_engine(url: str) -> Engine:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True)


def with_pg_schema(url: str, schema: str) -> str:
    """The same PostgreSQL URL with every connection placed in `schema`
    (scratch areas for bench and tests)."""
    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let us emit BEGIN ourselves (pysqlite's implicit BEGIN is deferred and
        # skipped before DDL); see the SQLAlchemy pysqlite "transaction" notes.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
