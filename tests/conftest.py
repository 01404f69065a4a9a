"""Shared fixtures: real SQLite files and a real PostgreSQL (one fresh schema per test).

PostgreSQL tests run when TRACKER_TEST_PG_URL is set (.ci/run sets it) and are
skipped with a reason otherwise.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from tracker.store import EventStore, make_engine
from tracker.store.engine import with_pg_schema
from tracker.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PG_URL = os.environ.get("TRACKER_TEST_PG_URL")
PG_SKIP_REASON = "PostgreSQL tests need TRACKER_TEST_PG_URL (set by .ci/run), e.g. postgresql://postgres@127.0.0.1/test"


@dataclass
class Database:
    url: str
    engine: object
    backend: str

    def store(self) -> EventStore:
        return EventStore(self.engine)


def _sqlite_db(tmp_path: Path, migrate: bool) -> Database:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return Database(url, engine, "sqlite")


class _PgSchemas:
    """Fresh schemas on the test server, dropped after the test."""

    def __init__(self):
        self.admin = make_engine(PG_URL)
        self.created: list[str] = []

    def new(self, migrate: bool) -> Database:
        schema = f"t_{secrets.token_hex(6)}"
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.created.append(schema)
        url = with_pg_schema(PG_URL, schema)
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return Database(url, engine, "postgresql")

    def drop_all(self):
        with self.admin.begin() as conn:
            for schema in self.created:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self.admin.dispose()


@pytest.fixture
def pg_schemas():
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    schemas = _PgSchemas()
    yield schemas
    schemas.drop_all()


@pytest.fixture
def sqlite_db(tmp_path) -> Database:
    db = _sqlite_db(tmp_path, migrate=True)
    yield db
    db.engine.dispose()


@pytest.fixture
def pg_db(pg_schemas) -> Database:
    db = pg_schemas.new(migrate=True)
    yield db
    db.engine.dispose()


def _database(request, tmp_path, migrate: bool) -> Database:
    if request.param == "sqlite":
        return _sqlite_db(tmp_path, migrate)
    return request.getfixturevalue("pg_schemas").new(migrate)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Database:
    """A migrated database of each backend (the PostgreSQL one skips without a server)."""
    database = _database(request, tmp_path, migrate=True)
    yield database
    database.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path) -> Database:
    """A database of each backend with no schema yet."""
    database = _database(request, tmp_path, migrate=False)
    yield database
    database.engine.dispose()


def run_cli(*args: str, db_url: str | None = None, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    """Run the real `tracker` command in a subprocess; returns CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    cmd = [sys.executable, "-m", "tracker"]
    if db_url:
        cmd += ["--db", db_url]
    return subprocess.run(
        cmd + list(args), capture_output=True, text=True, cwd=cwd or REPO, env=full_env, timeout=timeout
    )


def shared_path(*parts: str) -> Path:
    """A path in ../shared, skipping the test with a reason where it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only present beside the project in CI and dev sessions)")
    return path
