"""Extraction (and the events made of it) in forked worker processes gives exactly what
it gives in-process,
survives a dead worker, and stops cleanly when the caller stops early."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from tracker.bench.ingest_bench import synthetic_feed
from tracker.ingest.config import parse_config
from tracker.ingest.entries import parse_feed
from tracker.ingest.split import split_feed
from tracker.ingest.workers import MIN_BATCH, MIN_PART, WORKER_NICENESS, WorkerPool
from tracker.ingest.runner import ingest_once
from tracker.store import EventStore, make_engine
from tracker.store.migrate import upgrade

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the pool forks only on Linux")

ENTRIES = 3 * MIN_BATCH  # enough for the pool to be used


@pytest.fixture(scope="module")
def candidates():
    # (candidate, the revision to make its events for)
    body = synthetic_feed(ENTRIES, size=1200)
    parsed = parse_feed(body, {}, source="pool-test", language=None, fetched_at="2025-07-30T12:00:00Z")
    return [(c, 1 + i % 2) for i, c in enumerate(parsed.candidates)]


@pytest.fixture(scope="module")
def in_process(candidates):
    return list(WorkerPool(workers=0).prepare_all(candidates))


def test_workers_prepare_exactly_what_the_process_would(candidates, in_process):
    assert sum(p.claim_reports for p in in_process) > ENTRIES // 2  # the feed has claims to find
    assert [p.revision for p in in_process] == [r for _, r in candidates]
    with WorkerPool(workers=2) as pool:
        assert pool.running
        assert list(pool.prepare_all(candidates)) == in_process
        assert pool.running


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_worker_costs_speed_not_data(candidates, in_process, signum):
    # As under `tracker run`: the parent has its own SIGTERM handler, which the workers
    # must not keep (a terminated worker ends; it does not go on as if it were the parent).
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        pool = WorkerPool(workers=2).start()
    finally:
        signal.signal(signal.SIGTERM, previous)
    with pool:
        worker = multiprocessing.active_children()[0]
        os.kill(worker.pid, signum)
        # The pool's own thread may reap the worker first (then this join returns
        # early, exit code not yet known): wait until one of them has it.
        deadline = time.monotonic() + 10
        while worker.exitcode is None and time.monotonic() < deadline:
            worker.join(timeout=0.05)
        assert worker.exitcode == -signum
        assert list(pool.prepare_all(candidates)) == in_process
        assert not pool.running  # the rest of this process's polls extract in-process
        assert list(pool.prepare_all(candidates[:3])) == in_process[:3]


def test_workers_yield_the_cores_to_the_poller():
    # Lower priority, so the poller (the critical path, waiting on each commit) gets a
    # core the moment it wakes; the poller's own process keeps its priority.
    own = os.getpriority(os.PRIO_PROCESS, 0)
    with WorkerPool(workers=2) as pool:
        workers = multiprocessing.active_children()
        assert len(workers) == 2
        wanted = {min(19, own + WORKER_NICENESS)}
        # start() waits for one worker; the other may still be running its initializer.
        deadline = time.monotonic() + 10
        while {os.getpriority(os.PRIO_PROCESS, w.pid) for w in workers} != wanted and time.monotonic() < deadline:
            time.sleep(0.02)
        assert {os.getpriority(os.PRIO_PROCESS, w.pid) for w in workers} == wanted
        assert pool.running
    assert os.getpriority(os.PRIO_PROCESS, 0) == own


def test_stopping_early_drops_the_queued_work_and_the_pool_goes_on(candidates, in_process):
    with WorkerPool(workers=2) as pool:
        prepared = pool.prepare_all(candidates)
        first = [next(prepared) for _ in range(5)]
        prepared.close()
        assert first == in_process[:5]
        assert list(pool.prepare_all(candidates)) == in_process


def _stored(tmp_path, name: str, workers: int, entries: int = ENTRIES, size: int = 1200) -> list[tuple]:
    path = tmp_path / "feed.xml"
    path.write_bytes(synthetic_feed(entries, size=size))
    config = parse_config(f"feeds:\n  - {{name: bench, url: '{path}', language: de, interval: 1h}}\n")
    engine = make_engine(f"sqlite:///{tmp_path / name}")
    upgrade(engine)
    with WorkerPool(workers) as pool:
        result = ingest_once(engine, config, worker_pool=pool).results[0]
    assert (result.new, result.extraction_failures) == (entries, 0)
    events = []
    for event in EventStore(engine).read_all():
        data = {k: v for k, v in event.data.items() if k != "fetched_at"}  # the poll's clock
        events.append((event.stream, event.version, event.type, data))
    engine.dispose()
    return events


def test_ingest_with_workers_stores_the_same_events_as_without(tmp_path):
    with_workers = _stored(tmp_path, "workers.db", 2)
    without = _stored(tmp_path, "in-process.db", 0)
    assert len(with_workers) > ENTRIES  # documents and their claim reports
    assert with_workers == without


def test_a_feed_parsed_in_parts_stores_the_same_events_as_one_parsed_whole(tmp_path):
    entries = 2 * MIN_PART + 5
    assert split_feed(synthetic_feed(entries, size=600), 4, MIN_PART) is not None  # the workers take it in parts
    in_parts = _stored(tmp_path, "parts.db", 2, entries, size=600)
    assert len(in_parts) > entries
    assert in_parts == _stored(tmp_path, "whole.db", 0, entries, size=600)


def test_workers_end_with_a_killed_parent(tmp_path):
    # A killed `tracker ingest` must not leave workers behind: they hold copies of its
    # sockets, and a PostgreSQL connection (with its locks) would stay open with them.
    script = (
        "import multiprocessing, sys, time\n"
        "from tracker.ingest.workers import WorkerPool\n"
        "pool = WorkerPool(workers=2).start()\n"
        "print(' '.join(str(c.pid) for c in multiprocessing.active_children()), flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_the_workers_inherit_the_rules_instead_of_loading_them_each():
    # A fresh interpreter: nothing is loaded until the pool starts.
    code = (
        "from tracker.domain.actors import ActorRegistry\n"
        "from tracker.ingest.workers import WorkerPool\n"
        "before = ActorRegistry.load.cache_info().currsize\n"
        "with WorkerPool(workers=1):\n"
        "    print(before, ActorRegistry.load.cache_info().currsize)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "1"]  # loaded before the fork, so every worker has them
