"""Store benchmark: batched and single appends and a full replay, each beside
its physical baseline (stdlib sqlite3, or psycopg COPY on PostgreSQL) measured
in the same run on the same machine."""

from __future__ import annotations

import gc
import multiprocessing
import sqlite3
import time

from ..store import EventStore, NewEvent
from ..store.events import canonical_json, chain_hash, utc_now
from . import Measurement
from .scratch import Scratch, scratch_database

BATCH = 1_000
ROUNDS = 4
WRITERS = 4
WRITER_COMMIT = 100

_KINDS = [
    ("casualties/killed/military/ARM", "ARM", "Nach Angaben des Verteidigungsministeriums in Eriwan wurden {n} Soldaten getötet."),
    ("casualties/killed/civilians/AZE", "AZE", "The prosecutor's office in Baku said {n} civilians had been killed since Sunday."),
    ("casualties/wounded/total", "PRESS", "Bei den Gefechten wurden seit Sonntag fast {n} Menschen verletzt."),
]

# Equivalent table for the baselines: same columns, keys and indexes as events.
_BASELINE_DDL = """
CREATE TABLE baseline_events (
    position {position_type} PRIMARY KEY, event_id VARCHAR(64) NOT NULL UNIQUE,
    stream VARCHAR(255) NOT NULL, version INTEGER NOT NULL, type VARCHAR(100) NOT NULL,
    data TEXT NOT NULL, recorded_at VARCHAR(32) NOT NULL, hash VARCHAR(64) NOT NULL,
    UNIQUE (stream, version))
"""


def synthetic_event(i: int) -> NewEvent:
    """About 300 bytes of JSON: a dated claim report."""
    key, claimant, sentence = _KINDS[i % len(_KINDS)]
    count = 10 + (i * 7919) % 5000
    quote = sentence.format(n=count)
    return NewEvent(
        event_id=f"bench-{i:012d}",
        type="ClaimReported",
        data={
            "schema": 1,
            "claim_key": key,
            "claimed_by": claimant,
            "value": {"count": count, "qualifier": "at_least"},
            "valid": f"2025-07-{1 + i % 28:02d}",
            "document_id": f"{i * 2654435761 % 2**48:012x}",
            "quote": quote,
            "span": [120 + i % 50, 120 + i % 50 + len(quote)],
        },
    )


def baseline_rows(events: list[NewEvent], first_position: int, stream_of) -> list[tuple]:
    """The rows the store would write, precomputed: the baseline pays only the insert."""
    rows, prev, now = [], "0" * 64, utc_now()
    for offset, event in enumerate(events):
        position = first_position + offset
        data = canonical_json(event.data)
        stream, version = stream_of(offset)
        prev = chain_hash(prev, position, stream, version, event.type, now, event.event_id, data)
        rows.append((position, event.event_id, stream, version, event.type, data, now, prev))
    return rows


def run_store_bench(url: str, n: int, singles: int) -> list[Measurement]:
    with scratch_database(url) as scratch:
        if scratch.sqlite_path:
            return _sqlite_bench(scratch, n, singles)
        return _postgres_bench(scratch, n, singles)


def _timed(fn, raw: sqlite3.Connection | None = None) -> float:
    """Seconds `fn` takes; on SQLite each phase starts from an empty WAL, so no
    phase pays for checkpointing what the one before it wrote."""
    if raw is not None:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _append_batches(store: EventStore, events: list[NewEvent], first: int) -> None:
    for b in range(0, len(events), BATCH):
        store.append(f"bench-batch-{(first + b) // BATCH}", events[b : b + BATCH], expected_version=0)


def _append_singles(store: EventStore, events: list[NewEvent]) -> None:
    for i, event in enumerate(events):
        store.append(f"bench-single-{i % 100}", [event])


def _store_section(store: EventStore, n: int, singles: int) -> tuple[float, float, float, int]:
    """The store alone (used on PostgreSQL, whose baselines run separately)."""
    events = [synthetic_event(i) for i in range(n)]
    batched = _timed(lambda: _append_batches(store, events, 0))
    single_events = [synthetic_event(n + i) for i in range(singles)]
    single = _timed(lambda: _append_singles(store, single_events))
    # A replaying reader does not hold 100,000 other objects: drop the inputs so
    # the garbage collector's full passes do not walk them during the replay.
    del events, single_events
    gc.collect()
    count = []
    replay = _timed(lambda: count.append(sum(1 for _ in store.read_all())))
    return batched, single, replay, count[0]


def _sqlite_bench(scratch: Scratch, n: int, singles: int) -> list[Measurement]:
    """Store and baseline take turns in ROUNDS rounds, so both see the same
    machine: on a shared VM the disk and CPU vary by tens of percent per minute."""
    store = EventStore(scratch.engine)
    raw = sqlite3.connect(scratch.sqlite_path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
        raw.execute(f"PRAGMA {pragma}")
    raw.execute(_BASELINE_DDL.format(position_type="INTEGER"))
    insert = "INSERT INTO baseline_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)"

    def raw_batches(rows):
        for b in range(0, len(rows), BATCH):
            raw.execute("BEGIN")
            raw.executemany(insert, rows[b : b + BATCH])
            raw.execute("COMMIT")

    def raw_singles(rows):
        for row in rows:
            raw.execute("BEGIN")
            raw.execute(insert, row)
            raw.execute("COMMIT")

    per_round = max(BATCH, n // ROUNDS // BATCH * BATCH)
    singles_per_round = max(1, singles // ROUNDS)
    seconds = {"batch": [0.0, 0.0], "single": [0.0, 0.0], "replay": [0.0, 0.0]}
    counts = {"batch": 0, "single": 0, "replay": [0, 0]}
    raw_position = 0
    for r in range(ROUNDS):
        first = r * per_round
        events = [synthetic_event(first + i) for i in range(per_round)]
        rows = baseline_rows(events, raw_position + 1, lambda k: (f"bench-batch-{(first + k) // BATCH}", k % BATCH + 1))
        raw_position += len(rows)
        seconds["batch"][0] += _timed(lambda: _append_batches(store, events, first), raw)
        seconds["batch"][1] += _timed(lambda: raw_batches(rows), raw)
        counts["batch"] += per_round

        single_events = [synthetic_event(10**9 + r * singles_per_round + i) for i in range(singles_per_round)]
        single_rows = baseline_rows(
            single_events, raw_position + 1, lambda k: (f"bench-single-{r}-{k % 100}", k // 100 + 1)
        )
        raw_position += len(single_rows)
        seconds["single"][0] += _timed(lambda: _append_singles(store, single_events), raw)
        seconds["single"][1] += _timed(lambda: raw_singles(single_rows), raw)
        counts["single"] += singles_per_round
    # A replaying reader does not hold the inputs: drop them so the garbage
    # collector's full passes do not walk them during the replay.
    del events, rows, single_events, single_rows
    gc.collect()
    for _ in range(ROUNDS):
        replayed = []
        seconds["replay"][0] += _timed(lambda: replayed.append(sum(1 for _ in store.read_all())))
        seconds["replay"][1] += _timed(
            lambda: replayed.append(sum(1 for _ in raw.execute("SELECT * FROM baseline_events ORDER BY position")))
        )
        counts["replay"][0] += replayed[0]
        counts["replay"][1] += replayed[1]
    raw.close()

    batch_n, single_n = counts["batch"], counts["single"]
    return [
        Measurement("store", "append, batches of 1,000", batch_n, seconds["batch"][0], "sqlite3 executemany", batch_n / seconds["batch"][1]),
        Measurement("store", "append, one event per commit", single_n, seconds["single"][0], "sqlite3 one row per commit", single_n / seconds["single"][1]),
        Measurement("store", "replay read_all (decoded)", counts["replay"][0], seconds["replay"][0], "sqlite3 SELECT (raw tuples)", counts["replay"][1] / seconds["replay"][1]),
    ]


def _postgres_bench(scratch: Scratch, n: int, singles: int) -> list[Measurement]:
    store = EventStore(scratch.engine)
    batched, single, replay, replayed = _store_section(store, n, singles)

    events = [synthetic_event(i) for i in range(n)]
    rows = baseline_rows(events, 1, lambda k: (f"bench-batch-{k // BATCH}", k % BATCH + 1))
    with scratch.engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute(_BASELINE_DDL.format(position_type="BIGINT"))
        raw.commit()
        started = time.perf_counter()
        for b in range(0, n, BATCH):
            with raw.cursor().copy(
                "COPY baseline_events (position, event_id, stream, version, type, data, recorded_at, hash) FROM STDIN"
            ) as copy:
                for row in rows[b : b + BATCH]:
                    copy.write_row(row)
            raw.commit()
        raw_batched = time.perf_counter() - started

        single_rows = baseline_rows(
            [synthetic_event(n + i) for i in range(singles)], n + 1, lambda k: (f"bench-single-{k % 100}", k // 100 + 1)
        )
        insert = "INSERT INTO baseline_events VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        started = time.perf_counter()
        for row in single_rows:
            raw.execute(insert, row)
            raw.commit()
        raw_single = time.perf_counter() - started

        started = time.perf_counter()
        raw_replayed = len(raw.execute("SELECT * FROM baseline_events ORDER BY position").fetchall())
        raw_replay = time.perf_counter() - started
        raw.rollback()

    per_writer = max(WRITER_COMMIT, n // (WRITERS * 4))
    per_writer -= per_writer % WRITER_COMMIT
    concurrent = run_concurrent_writers(scratch, WRITERS, per_writer, WRITER_COMMIT)
    total = WRITERS * per_writer
    copy_rate = n / raw_batched
    return [
        Measurement("store", "append, batches of 1,000", n, batched, "psycopg COPY", copy_rate),
        Measurement("store", "append, one event per commit", singles, single, "psycopg one row per commit", singles / raw_single),
        Measurement("store", "replay read_all (decoded)", replayed, replay, "psycopg SELECT (raw tuples)", raw_replayed / raw_replay),
        Measurement("store", f"{WRITERS} writer processes, {WRITER_COMMIT} per commit", total, concurrent, "psycopg COPY", copy_rate),
    ]


def run_concurrent_writers(scratch: Scratch, writers: int, per_writer: int, per_commit: int) -> float:
    """Seconds for `writers` processes to append `per_writer` events each, from
    a common start (process start-up is excluded: workers wait on a barrier)."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers + 1)
    done = ctx.Queue()
    procs = [
        ctx.Process(target=_concurrent_writer, args=(scratch.url, w, per_writer, per_commit, barrier, done))
        for w in range(writers)
    ]
    for proc in procs:
        proc.start()
    barrier.wait(timeout=300)
    started = time.time()
    finished = [done.get(timeout=3600) for _ in procs]
    for proc in procs:
        proc.join()
    failures = [f for f in finished if isinstance(f, str)]
    if failures:
        raise RuntimeError(f"a bench writer process failed: {failures[0]}")
    return max(finished) - started


def _concurrent_writer(url, writer, count, per_commit, barrier, done) -> None:
    from ..store import make_engine

    engine = make_engine(url)
    store = EventStore(engine)
    base = 10**9 * (writer + 1)
    batches = [
        [synthetic_event(base + b + i) for i in range(per_commit)] for b in range(0, count, per_commit)
    ]
    store.head()  # connect before the clock starts
    barrier.wait(timeout=300)
    try:
        for batch in batches:
            store.append(f"bench-writer-{writer}", batch)
        done.put(time.time())
    except Exception as exc:  # reported to the parent, which raises
        done.put(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
