"""The projection runner: follows the global position and applies new events
in batches, writing read-model rows and the checkpoint in one transaction, so a
crash never applies an event twice or skips one.

Concurrency: a catch-up takes the checkpoint's lock (SELECT ... FOR UPDATE on
PostgreSQL; BEGIN IMMEDIATE, SQLite's single write lock) and re-reads the
checkpoint inside it. Two processes catching up at once therefore take turns,
and the second finds the work done. Because the store commits positions in
order without gaps, following positions never misses an event.

A rebuild empties the read models (checkpoint 0) and then catches up like any
catch-up, in transactions of a few seconds, keeping in memory everything it
has written so it never reads it back. It is not one long transaction because
on SQLite that would hold the only write lock for minutes on a large log, and
appenders give up after the store's busy timeout. Every commit is the state as
of its checkpoint; a query meanwhile catches up the rest itself (taking turns
on the lock), and a killed rebuild is finished by the next catch-up.
"""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from ..store import EventStore
from ..store.events import utc_now
from .claims import ClaimsProjection
from .db import Db, ProjectionsMissing, transaction

BATCH = 5_000  # events read and applied at a time
# A catch-up transaction applies batches until this much time has passed: short
# enough that appenders (who wait for SQLite's write lock) barely notice, long
# enough that the per-transaction work (rewriting each touched claim's current
# record, the commit) is spread over many events.
TRANSACTION_SECONDS = 1.0
# A rebuild's transactions are longer: each one rewrites the current state of
# nearly every claim, which is worth spreading over more events.
REBUILD_TRANSACTION_SECONDS = 5.0


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int
    version: int
    code_version: int

    @property
    def behind(self) -> int:
        return max(0, self.head - self.position)

    @property
    def current(self) -> bool:
        return self.version == self.code_version and self.position >= self.head


@dataclass(frozen=True)
class RunResult:
    events: int
    position: int
    seconds: float
    rebuilt: bool

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")


class ProjectionRunner:
    def __init__(
        self,
        engine: Engine,
        store: EventStore | None = None,
        *,
        batch_size: int = BATCH,
        transaction_seconds: float = TRANSACTION_SECONDS,
        rebuild_seconds: float = REBUILD_TRANSACTION_SECONDS,
    ):
        self.engine = engine
        self.store = store or EventStore(engine)
        self.batch_size = batch_size
        self.transaction_seconds = transaction_seconds
        self.rebuild_seconds = rebuild_seconds
        self.projection = ClaimsProjection(self.store)

    # ------------------------------------------------------------ public

    def status(self) -> Status:
        p = self.projection
        try:
            with transaction(self.engine, write=False) as db:
                row = db.one("SELECT position, version FROM projection_checkpoints WHERE name = ?", (p.name,))
        except (OperationalError, ProgrammingError) as exc:
            _missing(exc)
            raise
        position, version = row if row else (0, 0)
        return Status(p.name, position, self.store.head().position, version, p.version)

    def catch_up(self) -> RunResult:
        """Apply every event recorded since the checkpoint (a no-op when current)."""
        started = time.perf_counter()
        status = self.status()
        if status.current:
            return RunResult(0, status.position, 0.0, False)
        with _collector_paused():
            applied, position, rebuilt = self._run(self.transaction_seconds)
        return RunResult(applied, position, time.perf_counter() - started, rebuilt)

    def rebuild(self) -> RunResult:
        """Empty every read model and apply the whole log again from position 1."""
        started = time.perf_counter()
        with _collector_paused():
            try:
                with transaction(self.engine, write=True) as db:
                    self._lock(db)
                    self._reset(db)
                applied, position, _ = self._run(self.rebuild_seconds)
            finally:
                # What it holds in memory would only grow from here: later
                # catch-ups load what they need.
                self.projection.forget()
        return RunResult(applied, position, time.perf_counter() - started, True)

    # ------------------------------------------------------------ internals

    def _run(self, seconds: float) -> tuple[int, int, bool]:
        total, rebuilt = 0, False
        while True:
            applied, position, done, reset = self._step(seconds)
            total += applied
            rebuilt = rebuilt or reset
            if done:
                return total, position, rebuilt

    def _step(self, seconds: float) -> tuple[int, int, bool, bool]:
        """One transaction: lock, re-read the checkpoint, apply batches for up
        to `seconds`, write the rows and the checkpoint, commit."""
        p = self.projection
        try:
            with transaction(self.engine, write=True) as db:
                position, version = self._lock(db)
                reset = version != p.version
                if reset:  # written by another version of the code: start again
                    self._reset(db)
                    position = 0
                elif p.position != position:
                    p.forget()  # another process moved the checkpoint: reload from the tables
                    p.position = position
                deadline = time.monotonic() + seconds
                applied, done = 0, True
                p.begin(db)
                for batch in p.batches(position + 1, self.batch_size):
                    p.apply(batch)
                    p.flush_rows()
                    applied += len(batch)
                    position = batch[-1][0]
                    if len(batch) < self.batch_size:
                        break  # the end of the log
                    if time.monotonic() >= deadline:
                        done = False
                        break
                if applied:
                    p.finish()
                    self._save(db, position)
                if done:
                    p.ensure_indexes()  # caught up: a rebuild's deferred indexes, in the same commit
                return applied, position, done, reset
        except BaseException:
            p.forget()
            raise

    def _reset(self, db: Db) -> None:
        self.projection.reset(db)
        self._save(db, 0)

    def _lock(self, db: Db) -> tuple[int, int]:
        p = self.projection
        lock = " FOR UPDATE" if db.postgres else ""  # SQLite: BEGIN IMMEDIATE holds the lock
        sql = f"SELECT position, version FROM projection_checkpoints WHERE name = ?{lock}"
        row = db.one(sql, (p.name,))
        if row is None:
            conflict = " ON CONFLICT (name) DO NOTHING"
            db.execute(
                f"INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, 0, 0, ?){conflict}",
                (p.name, utc_now()),
            )
            row = db.one(sql, (p.name,))
        return row

    def _save(self, db: Db, position: int) -> None:
        p = self.projection
        db.execute(
            "UPDATE projection_checkpoints SET position = ?, version = ?, updated_at = ? WHERE name = ?",
            (position, p.version, utc_now(), p.name),
        )
        p.position = position


@contextmanager
def _collector_paused():
    """Applying events allocates millions of short-lived dicts; the cyclic
    garbage collector would re-scan the whole (growing) heap every few
    thousand of them, which triples the cost of a rebuild. Reference counting
    still frees everything; the collector resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _missing(exc: Exception) -> None:
    if "projection_checkpoints" in str(exc):
        raise ProjectionsMissing() from None
