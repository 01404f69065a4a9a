"""Scratch databases for bench: created fresh, migrated, and always removed."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, text

from ..store import make_engine
from ..store.engine import parse_url, with_pg_schema
from ..store.migrate import upgrade


@dataclass
class Scratch:
    engine: Engine
    url: str  # the URL to reach it (on PostgreSQL it selects the scratch schema)
    pg_schema: str | None
    sqlite_path: str | None



@contextmanager
def scratch_database(url: str) -> Iterator[Scratch]:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        yield from _sqlite_scratch(parsed.database)
    else:
        yield from _postgres_scratch(url)


def _sqlite_scratch(database: str | None):
    if database and database != ":memory:":
        folder = os.path.dirname(os.path.abspath(database))
    else:
        folder = tempfile.gettempdir()
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot create a scratch database beside {database}: {folder} does not exist")
    fd, path = tempfile.mkstemp(prefix=".tracker-bench-", suffix=".db", dir=folder)
    os.close(fd)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield Scratch(engine, url, None, path)
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)


def _postgres_scratch(url: str):
    schema = f"tracker_bench_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scratch_url = with_pg_schema(url, schema)
    engine = make_engine(scratch_url)
    try:
        upgrade(engine)
        yield Scratch(engine, scratch_url, schema, None)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
