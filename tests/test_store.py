"""The event store on real databases: ordering, optimistic concurrency,
idempotency, the append-only guard and the hash chain (invariants 1-3, 5)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tracker.store import (
    ANY,
    NO_STREAM,
    ConcurrencyError,
    EventIdConflict,
    NewEvent,
    chain_hash,
    encode_events,
)
from tracker.store.events import GENESIS_HASH, canonical_json


def ev(event_id: str, n: int = 0, type_: str = "Thing") -> NewEvent:
    return NewEvent(event_id, type_, {"n": n, "name": f"Ereignis {event_id}", "nested": {"ü": [1, 2]}})


def count_events(db) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM events")).scalar_one()


def test_positions_versions_and_reads(db):
    store = db.store()
    first = store.append("doc-a", [ev("a1"), ev("a2")], expected_version=NO_STREAM)
    second = store.append("doc-b", [ev("b1")], expected_version=NO_STREAM)
    third = store.append("doc-a", [ev("a3")], expected_version=2)
    assert first.positions == (1, 2) and first.version == 2
    assert second.positions == (3,) and second.version == 1
    assert third.positions == (4,) and third.version == 3

    everything = list(store.read_all())
    assert [e.position for e in everything] == [1, 2, 3, 4]
    assert [e.event_id for e in everything] == ["a1", "a2", "b1", "a3"]
    assert everything[0].data == {"n": 0, "name": "Ereignis a1", "nested": {"ü": [1, 2]}}
    assert [e.version for e in store.read_stream("doc-a")] == [1, 2, 3]
    assert [e.event_id for e in store.read_all(3)] == ["b1", "a3"]
    assert [e.event_id for e in store.read_all(2, 3)] == ["a2", "b1"]
    assert store.stream_version("doc-a") == 3 and store.stream_version("nope") == 0
    assert [e.event_id for e in store.read_positions([4, 1, 99, 1])] == ["a1", "a3"]
    assert store.read_positions(range(1, 1001))[-1].event_id == "a3"
    assert store.read_positions([]) == []
    assert store.head().position == 4


def test_read_all_pages_through_a_log_larger_than_a_page(db):
    store = db.store()
    store.page_size = 7
    for batch in range(5):
        store.append(f"s{batch}", [ev(f"e{batch}-{i}", i) for i in range(10)])
    positions = [e.position for e in store.read_all()]
    assert positions == list(range(1, 51))
    assert [e.position for e in store.read_all(45)] == [45, 46, 47, 48, 49, 50]


def test_read_all_fields_extracts_json_paths_in_the_database(db):
    store = db.store()
    store.page_size = 3  # several pages
    store.append("s", [ev(f"f{i}", i, type_="Thing" if i % 2 else "Other") for i in range(7)])
    store.append("t", [NewEvent("big", "Big", {"text": "ß" * 5000, "list": [{"a": 1}, {"a": None}], "flag": True})])
    paths = ["$.n", "$.nested.ü", "$.nested.ü[1]", "$.missing.deeper", "$.list[0]", "$.flag"]
    rows = list(store.read_all_fields(paths))
    assert [r[:3] for r in rows] == [(e.position, e.type, e.recorded_at) for e in store.read_all()]
    assert rows[0][3] == [0, [1, 2], 2, None, None, None]
    assert rows[3][1] == "Thing" and rows[3][3][0] == 3
    assert rows[7][3] == [None, None, None, None, {"a": 1}, True]
    # One path, a sub-range, the whole payload.
    assert list(store.read_all_fields(["$.name"], 2, 3)) == [
        (2, "Thing", rows[1][2], ["Ereignis f1"]),
        (3, "Other", rows[2][2], ["Ereignis f2"]),
    ]
    [(_, _, _, [whole])] = store.read_all_fields(["$"], 8)
    assert whole == {"text": "ß" * 5000, "list": [{"a": 1}, {"a": None}], "flag": True}
    for bad in ([], ["n"], ["$.a b"], ["$.a'; DROP TABLE events; --"], ["$[x]"]):
        with pytest.raises(ValueError):
            list(store.read_all_fields(bad))


def test_read_all_fields_reads_ahead_in_a_thread_that_stops_with_the_reader(db):
    from tracker.store.store import _read_ahead

    store = db.store()
    store.page_size = 2
    store.append("s", [ev(f"r{i}", i) for i in range(9)])
    before = threading.active_count()
    fields = store.read_all_fields(["$.n", "$.name"])
    assert next(fields) == (1, "Thing", store.head().recorded_at, [0, "Ereignis r0"])
    fields.close()  # a reader that stops early: the read-ahead thread ends too
    assert threading.active_count() == before

    def failing():
        yield 1
        raise RuntimeError("page 2 failed")

    items = _read_ahead(failing())
    assert next(items) == 1
    with pytest.raises(RuntimeError, match="page 2 failed"):
        next(items)
    assert threading.active_count() == before


def test_expected_version_conflict_writes_nothing(db):
    store = db.store()
    store.append("doc", [ev("x1")], expected_version=NO_STREAM)
    head = store.head()

    with pytest.raises(ConcurrencyError, match=r"stream 'doc' moved: expected no stream yet, found version 1"):
        store.append("doc", [ev("x2"), ev("x3")], expected_version=NO_STREAM)
    with pytest.raises(ConcurrencyError, match="expected version 5, found version 1"):
        store.append("doc", [ev("x2")], expected_version=5)

    assert store.head() == head and count_events(db) == 1
    assert store.append("doc", [ev("x2")], expected_version=1).version == 2
    assert store.append("doc", [ev("x3")], expected_version=ANY).version == 3


def test_reappending_the_same_events_is_a_reported_noop(db):
    store = db.store()
    first = store.append("doc", [ev("d1"), ev("d2")], expected_version=NO_STREAM)
    again = store.append("doc", [ev("d1"), ev("d2")], expected_version=NO_STREAM)
    assert again.is_noop and again.duplicates == ("d1", "d2") and again.positions == ()
    assert again.version == first.version == 2
    assert count_events(db) == 2

    # A batch mixing stored and new events stores only the new ones.
    mixed = store.append("doc", [ev("d2"), ev("d3")], expected_version=2)
    assert mixed.appended == ("d3",) and mixed.duplicates == ("d2",) and mixed.positions == (3,)
    assert [e.event_id for e in store.read_all()] == ["d1", "d2", "d3"]


def test_same_id_with_other_content_is_refused(db):
    store = db.store()
    store.append("doc", [ev("c1", 1)])
    with pytest.raises(EventIdConflict, match="'c1' is already stored"):
        store.append("doc", [ev("c2"), ev("c1", 2)])
    with pytest.raises(EventIdConflict):
        store.append("other-stream", [ev("c1", 1)])
    assert count_events(db) == 1


def test_bad_input_is_refused_before_anything_is_written(db):
    store = db.store()
    with pytest.raises(ValueError, match="at least one event"):
        store.append("doc", [])
    with pytest.raises(ValueError, match="invalid stream"):
        store.append("", [ev("a")])
    with pytest.raises(ValueError, match="appears twice"):
        store.append("doc", [ev("a"), ev("a")])
    with pytest.raises(ValueError, match="not JSON-serialisable"):
        store.append("doc", [ev("ok"), NewEvent("bad", "T", {"when": object()})])
    assert count_events(db) == 0


def test_events_encoded_ahead_are_appended_as_the_events_themselves(db):
    store = db.store()
    events = [ev("e1", 1), ev("e2", 2)]
    encoded = encode_events(events)  # as a worker process hands them over
    assert encoded == [(e.event_id, e.type, canonical_json(e.data)) for e in events]
    first = store.append_encoded("doc", encoded, expected_version=NO_STREAM)
    assert first.positions == (1, 2)
    assert store.append("doc", events).is_noop  # the same events, byte for byte
    assert [e.data for e in store.read_all()] == [e.data for e in events]
    with pytest.raises(ValueError, match="at least one event"):
        store.append_encoded("doc", [])
    with pytest.raises(ValueError, match="not JSON-serialisable"):
        encode_events([NewEvent("bad", "T", {"when": object()})])
    assert count_events(db) == 2


def test_database_refuses_update_and_delete_of_events(db):
    db.store().append("doc", [ev("u1"), ev("u2")])
    statements = ["UPDATE events SET data = '{}' WHERE position = 1", "DELETE FROM events WHERE position = 2"]
    if db.backend == "postgresql":
        statements.append("TRUNCATE events")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
    assert db.store().verify().ok and count_events(db) == 2


def test_recorded_at_is_utc_and_never_decreases(db):
    store = db.store()
    for i in range(5):
        store.append("s", [ev(f"t{i}")])
    stamps = [e.recorded_at for e in store.read_all()]
    assert stamps == sorted(stamps)
    assert all(s.endswith("Z") and len(s) == 27 for s in stamps)


def test_hash_chain_is_reproducible_from_the_documented_rule(db):
    store = db.store()
    store.append("doc", [ev("h1"), ev("h2")])
    prev = GENESIS_HASH
    for e in store.read_all():
        prev = chain_hash(prev, e.position, e.stream, e.version, e.type, e.recorded_at, e.event_id, canonical_json(e.data))
        assert e.hash == prev
    assert store.head().hash == prev


# --------------------------------------------------------------------- tampering

def drop_guard(db) -> None:
    """What an attacker with file or superuser access can do first."""
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            for trigger in ("events_refuse_update", "events_refuse_delete", "log_head_forward_only", "log_head_refuse_delete"):
                conn.execute(text(f"DROP TRIGGER {trigger}"))
        else:
            conn.execute(text("DROP TRIGGER events_refuse_change ON events"))
            conn.execute(text("DROP TRIGGER log_head_forward_only ON log_head"))


def filled(db, n: int = 6):
    store = db.store()
    for i in range(n):
        store.append(f"s{i % 2}", [ev(f"e{i}", i)])
    assert store.verify().ok
    drop_guard(db)
    return store


def _shift(conn, positions, delta):
    for pos in positions:  # callers order positions so no two rows collide
        conn.execute(text("UPDATE events SET position = :p WHERE position = :q"), {"p": pos + delta, "q": pos})


def _forge(conn, position, prev_hash, event_id="forged"):
    data = canonical_json({"n": -1})
    stamp = "2026-01-01T00:00:00.000000Z"
    digest = chain_hash(prev_hash, position, "s0", 99, "Thing", stamp, event_id, data)
    conn.execute(
        text(
            "INSERT INTO events (position, event_id, stream, version, type, data, recorded_at, hash) "
            "VALUES (:p, :i, 's0', 99, 'Thing', :d, :r, :h)"
        ),
        {"p": position, "i": event_id, "d": data, "r": stamp, "h": digest},
    )


def _alter_payload(conn):
    conn.execute(text("UPDATE events SET data = :d WHERE position = 3"), {"d": '{"n":999}'})


def _delete_middle(conn):
    conn.execute(text("DELETE FROM events WHERE position = 4"))


def _delete_and_renumber(conn):
    _delete_middle(conn)
    _shift(conn, (5, 6), -1)
    conn.execute(text("UPDATE log_head SET position = 5"))


def _delete_last(conn):
    conn.execute(text("DELETE FROM events WHERE position = 6"))


def _insert_chained(conn):
    # Make room at 3, then insert a forged event that even chains to its predecessor.
    _shift(conn, (6, 5, 4, 3), +1)
    _forge(conn, 3, conn.execute(text("SELECT hash FROM events WHERE position = 2")).scalar_one())
    conn.execute(text("UPDATE log_head SET position = 7"))


def _insert_unchained(conn):
    _shift(conn, (6, 5, 4, 3), +1)
    _forge(conn, 3, "e" * 64)
    conn.execute(text("UPDATE log_head SET position = 7"))


def _append_behind_the_stores_back(conn):
    _forge(conn, 7, "f" * 64)


@pytest.mark.parametrize(
    "tamper, position, kind",
    [
        (_alter_payload, 3, "altered"),
        (_delete_middle, 4, "missing"),
        (_delete_and_renumber, 4, "missing"),
        (_delete_last, 6, "missing"),
        (_insert_chained, 3, "inserted"),
        (_insert_unchained, 3, "inserted"),
        (_append_behind_the_stores_back, 7, "inserted"),
    ],
)
def test_verify_finds_the_first_tampered_event(db, tamper, position, kind):
    store = filled(db)
    with db.engine.begin() as conn:
        tamper(conn)
    result = store.verify()
    assert not result.ok
    assert (result.problem.position, result.problem.kind) == (position, kind)


def test_anchors_catch_a_consistently_rewritten_chain(db):
    store = filled(db)
    anchor = {3: next(e.hash for e in store.read_all() if e.position == 3)}
    # The attacker alters event 2 and recomputes every later hash and the head.
    with db.engine.begin() as conn:
        rows = conn.execute(text("SELECT position, event_id, stream, version, type, data, recorded_at FROM events ORDER BY position")).all()
        prev = GENESIS_HASH
        for pos, event_id, stream, version, type_, data, recorded_at in rows:
            if pos == 2:
                data = canonical_json({"n": 12345})
            prev = chain_hash(prev, pos, stream, version, type_, recorded_at, event_id, data)
            conn.execute(text("UPDATE events SET data = :d, hash = :h WHERE position = :p"), {"d": data, "h": prev, "p": pos})
        conn.execute(text("UPDATE log_head SET hash = :h"), {"h": prev})
    assert store.verify().ok  # undetectable from inside the database alone
    problem = store.verify(anchor).problem
    assert (problem.position, problem.kind) == (3, "anchor")


# --------------------------------------------------------------------- SQLite sharing

def test_sqlite_reader_and_writer_share_one_file(sqlite_db):
    store = sqlite_db.store()
    store.append("s", [ev("w1")])
    path = sqlite_db.url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another process is writing
    blocker.execute("INSERT INTO log_head (id, position, hash, recorded_at) SELECT 2, 0, 'x', 'x' WHERE 0")

    # Readers are not blocked by the writer (WAL) ...
    assert [e.event_id for e in store.read_all()] == ["w1"]
    # ... and a second writer waits (busy timeout) instead of failing.
    threading.Timer(0.5, lambda: blocker.execute("COMMIT")).start()
    started = time.monotonic()
    store.append("s", [ev("w2")])
    assert time.monotonic() - started >= 0.4
    assert [e.event_id for e in store.read_all()] == ["w1", "w2"]
    blocker.close()
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
