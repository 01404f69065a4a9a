"""The store across real processes: gap-safe global order with concurrent
writers (invariant 4) and atomic batches when a writer is killed (invariant 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tracker.store import NewEvent

WRITER = textwrap.dedent(
    """
    import random, sys
    from tracker.store import EventStore, NewEvent, make_engine
    url, writer, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = EventStore(make_engine(url))
    rng = random.Random(writer)
    done = 0
    while done < total:
        size = min(rng.randint(1, 40), total - done)
        batch = [NewEvent(f"w{writer}-{done + i}", "Tick", {"writer": writer, "i": done + i}) for i in range(size)]
        store.append(f"writer-{writer}-{rng.randint(0, 9)}", batch)
        done += size
    print("done", flush=True)
    """
)


def spawn(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_follower_never_misses_or_reorders_with_concurrent_writers(pg_db):
    writers, per_writer = 4, 2000
    procs = [spawn(WRITER, pg_db.url, str(w), str(per_writer)) for w in range(writers)]
    store = pg_db.store()
    store.page_size = 500
    seen: list[tuple[int, str]] = []
    last = 0
    seen_while_writing = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        running = any(p.poll() is None for p in procs)
        for event in store.read_all(last + 1):
            seen.append((event.position, event.event_id))
            last = event.position
            seen_while_writing += running
        if not running:
            # One more pass after every writer has exited: catch the tail.
            for event in store.read_all(last + 1):
                seen.append((event.position, event.event_id))
                last = event.position
            break
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    final = [(e.position, e.event_id) for e in store.read_all()]
    assert len(final) == writers * per_writer
    assert [pos for pos, _ in final] == list(range(1, writers * per_writer + 1))
    assert seen == final, "the follower's sequence differs from the final log"
    assert seen_while_writing > 0, "the follower never read while writers were running"
    assert store.verify().ok


CRASHER = textwrap.dedent(
    """
    import sys
    from tracker.store import EventStore, NewEvent, make_engine
    url, n, stream = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    store = EventStore(make_engine(url))
    batch = [NewEvent(f"{stream}-{i}", "Tick", {"i": i, "pad": "x" * 200}) for i in range(n)]
    print("appending", flush=True)
    store.append(stream, batch)
    print("done", flush=True)
    """
)


def _append_seconds(url: str, n: int) -> float:
    """How long the crasher's append takes on this machine and database, uninterrupted."""
    proc = spawn(CRASHER, url, str(n), "timing")
    assert proc.stdout.readline().strip() == "appending"
    started = time.monotonic()
    assert proc.stdout.readline().strip() == "done"
    seconds = time.monotonic() - started
    proc.communicate(timeout=30)
    return seconds


@pytest.mark.parametrize("fraction", [0.1, 0.6])
def test_killed_writer_leaves_whole_batch_or_nothing(db, fraction):
    store = db.store()
    store.append("before", [NewEvent("b1", "Tick", {"i": -1})])
    n = 60_000
    # The kill lands early or late in the append, measured first, on a fast or slow machine.
    delay = fraction * _append_seconds(db.url, n)
    proc = spawn(CRASHER, db.url, str(n), "big")
    assert proc.stdout.readline().strip() == "appending"
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert "done" not in out, "the batch finished before the kill"

    stored = sum(1 for e in store.read_all() if e.stream == "big")
    assert stored in (0, n)
    assert store.verify().ok
    # The store is usable afterwards and the retry completes the work.
    store.append("big", [NewEvent(f"big-{i}", "Tick", {"i": i, "pad": "x" * 200}) for i in range(n)])
    assert sum(1 for e in store.read_all() if e.stream == "big") == n
    assert store.verify().ok
