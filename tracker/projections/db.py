"""A thin layer over a DBAPI cursor for the read models: one SQL text for both
backends (written with `?`, turned into `%s` for psycopg) and IN lists.

The projection and the queries use the driver's cursor directly (as the store
does): a rebuild writes millions of rows, and SQLAlchemy's per-statement
overhead would cost more than the statements.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from ..store.engine import WRITE_OPTION, is_sqlite

IN_CHUNK = 900  # below every SQLite build's limit on bound parameters
# Page cache of a projection writer on SQLite (KiB). The default 2 MB thrashes
# once the claim-key index outgrows it, and a rebuild slows down several-fold.
SQLITE_WRITER_CACHE_KIB = 256 * 1024
_WRITER_PRAGMAS = ("cache_size", "synchronous", "secure_delete")  # set for a projection writer, then restored


class ProjectionsMissing(Exception):
    """The read-model tables do not exist: the database predates them."""

    def __init__(self):
        super().__init__("the database has no read-model tables: run `tracker init` to upgrade it")


@lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class Db:
    def __init__(self, cursor, postgres: bool):
        self.cur = cursor
        self.postgres = postgres

    def sql(self, text: str) -> str:
        return _pg(text) if self.postgres else text

    def execute(self, text: str, params: Sequence[Any] = ()):
        self.cur.execute(self.sql(text), tuple(params))
        return self.cur

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cur.executemany(self.sql(text), rows)

    def all(self, text: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.execute(text, params).fetchall()

    def one(self, text: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.execute(text, params).fetchone()

    def index_names(self, table: str) -> set[str]:
        """The names of the table's indexes (in the current schema)."""
        if self.postgres:
            sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        return {r[0] for r in self.all(sql, (table,))}

    def all_in(self, text: str, values: Sequence[Any], params: Sequence[Any] = ()) -> list[tuple]:
        """Run `text`, whose `{in}` stands for "IN (the values)", in chunks."""
        out: list[tuple] = []
        values = list(values)
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            if self.postgres:
                sql, args = text.format(in_="= ANY(?)"), (*params, chunk)
            else:
                sql, args = text.format(in_=f"IN ({','.join('?' * len(chunk))})"), (*params, *chunk)
            out.extend(self.all(sql, args))
        return out


@contextmanager
def transaction(engine: Engine, *, write: bool) -> Iterator[Db]:
    """A transaction on one connection. Writers on SQLite take the write lock up
    front (BEGIN IMMEDIATE); readers on PostgreSQL get one snapshot for all
    their statements (REPEATABLE READ), as SQLite's readers do anyway."""
    postgres = not is_sqlite(engine)
    conn = engine.connect()
    try:
        if postgres and not write:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        elif not postgres and write:
            conn = conn.execution_options(**{WRITE_OPTION: True})
        if write and not postgres:
            # On the driver's connection, outside any transaction. NORMAL: in WAL
            # mode a commit then skips its fsync; a power cut can undo the last
            # projection transaction (its checkpoint row with it) but never
            # corrupt the file. The store's own appends keep FULL (restored below).
            raw = conn.connection.dbapi_connection
            # secure_delete FAST: SQLite builds that default to ON (Debian's) zero
            # every freed page, so emptying the read models for a rebuild wrote
            # them all again; the rows are copies of what the log keeps anyway.
            saved = [(p, raw.execute(f"PRAGMA {p}").fetchone()[0]) for p in _WRITER_PRAGMAS]
            raw.execute(f"PRAGMA cache_size = -{SQLITE_WRITER_CACHE_KIB}")
            raw.execute("PRAGMA synchronous = NORMAL")
            raw.execute("PRAGMA secure_delete = FAST")
        with conn.begin():
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                yield Db(cursor, postgres)
            except (OperationalError, ProgrammingError, DBAPIError):
                raise
            except engine.dialect.loaded_dbapi.Error as exc:
                _raise_missing(exc)
                raise DBAPIError.instance(None, None, exc, engine.dialect.loaded_dbapi.Error) from exc
            finally:
                cursor.close()
    finally:
        if write and not postgres and not conn.invalidated:
            # The pooled connection goes back as it came (the store appends on it).
            for pragma, value in saved:
                conn.connection.dbapi_connection.execute(f"PRAGMA {pragma} = {value}")
        conn.close()


def _raise_missing(exc: Exception) -> None:
    text = str(exc)
    if ("no such table" in text or "does not exist" in text) and (
        "rm_" in text or "projection_checkpoints" in text
    ):
        raise ProjectionsMissing() from None
