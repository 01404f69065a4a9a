"""Feed state and leases on both databases: schedule, backoff, Retry-After, takeovers."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from tracker.ingest.config import FeedConfig
from tracker.ingest.state import (
    MAX_BACKOFF,
    FeedStates,
    PollOutcome,
    backoff_seconds,
    make_owner,
    now_utc,
    parse_ts,
)


def feeds(*names, interval="10m", url="https://ex.org/{}.xml", enabled=True):
    return [FeedConfig(name=n, url=url.format(n), language="en", interval=interval, enabled=enabled) for n in names]


def seconds_until(value: str) -> float:
    return (parse_ts(value) - now_utc()).total_seconds()


def test_sync_adds_updates_and_disables(db):
    states = FeedStates(db.engine)
    states.sync(feeds("a", "b"))
    a = states.get("a")
    assert (a.status, a.enabled, a.interval_seconds, a.fetch_url) == ("new", True, 600, "https://ex.org/a.xml")
    assert seconds_until(a.next_poll_at) <= 0  # a new feed is due at once

    owner = make_owner()
    (row,) = states.claim_named(owner, ["a"], 60)
    states.finish(row, owner, PollOutcome("ok", http_status=200, etag='"e1"', last_modified="lm", body_sha256="s"))
    states.sync(feeds("a", url="https://ex.org/moved-{}.xml") + feeds("b", enabled=False))
    a, b = states.get("a"), states.get("b")
    # A new address forgets what the old one said and is due at once.
    assert (a.url, a.fetch_url, a.etag, a.last_modified, a.body_sha256, a.status) == (
        "https://ex.org/moved-a.xml", "https://ex.org/moved-a.xml", None, None, None, "new")
    assert seconds_until(a.next_poll_at) <= 0
    assert b.enabled is False
    states.sync(feeds("a"))  # "b" left feeds.yaml: kept (its history stays), disabled
    assert states.get("b").enabled is False and states.get("a").enabled is True


def test_due_feeds_are_claimed_once_and_released_with_their_next_poll(db):
    states = FeedStates(db.engine)
    states.sync(feeds("a", "b", "c"))
    one, two = make_owner(), make_owner()
    first = states.claim_due(one, 2, 60)
    second = states.claim_due(two, 5, 60)
    assert len(first) == 2 and len(second) == 1
    assert {r.name for r in first} | {r.name for r in second} == {"a", "b", "c"}
    assert states.claim_due(two, 5, 60) == []  # all leased

    row = first[0]
    assert states.finish(row, one, PollOutcome("ok", http_status=200))
    after = states.get(row.name)
    assert after.lease_owner is None and after.status == "ok" and after.polls == 1
    # Next poll: one interval later plus up to 10 % jitter, never earlier.
    assert 600 - 2 <= seconds_until(after.next_poll_at) <= 660
    assert states.claim_due(two, 5, 60) == []  # not due again yet


def test_errors_back_off_exponentially_up_to_a_day_and_never_stop(db):
    states = FeedStates(db.engine)
    states.sync(feeds("a", interval="1h"))
    owner = make_owner()
    waits = []
    for _ in range(7):
        (row,) = states.claim_named(owner, ["a"], 60)
        states.finish(row, owner, PollOutcome("error", http_status=500, error="HTTP 500 Internal Server Error"))
        waits.append(seconds_until(states.get("a").next_poll_at))
    state = states.get("a")
    assert (state.status, state.consecutive_errors, state.total_errors, state.last_error) == (
        "error", 7, 7, "HTTP 500 Internal Server Error")
    for wait, expected in zip(waits, [3600, 7200, 14400, 28800, 57600, 86400, 86400]):
        assert expected - 2 <= wait <= expected * 1.1 + 300
    assert backoff_seconds(3600, 30) == MAX_BACKOFF  # still scheduled: never dropped for good

    (row,) = states.claim_named(owner, ["a"], 60)
    states.finish(row, owner, PollOutcome("not_modified", http_status=304))
    state = states.get("a")
    assert (state.consecutive_errors, state.total_errors, state.status, state.last_error) == (0, 7, "not_modified", None)


def test_retry_after_is_honoured_and_gone_feeds_are_not_scheduled(db):
    states = FeedStates(db.engine)
    states.sync(feeds("busy", "gone", interval="1m"))
    owner = make_owner()
    busy, gone = states.claim_named(owner, ["busy", "gone"], 60)
    states.finish(busy, owner, PollOutcome("throttled", http_status=429, retry_after=7200, error="HTTP 429"))
    states.finish(gone, owner, PollOutcome("gone", http_status=410, error="HTTP 410 Gone"))
    assert 7200 - 2 <= seconds_until(states.get("busy").next_poll_at) <= 7200 + 301
    g = states.get("gone")
    assert (g.status, g.next_poll_at) == ("gone", None)
    # Even when its next poll is forced into the past, a gone feed is never claimed by the schedule.
    states.sync(feeds("busy", "gone", interval="30s"))
    assert states.claim_due(make_owner(), 10, 60) == []


def test_a_lease_can_be_lost_and_the_loser_records_nothing(db):
    states = FeedStates(db.engine)
    states.sync(feeds("a"))
    slow, fast = make_owner(), make_owner()
    (row,) = states.claim_named(slow, ["a"], 0.001)
    time.sleep(0.01)  # the lease has expired: a fast machine could otherwise claim within the millisecond
    (taken,) = states.claim_due(fast, 1, 60)
    assert taken.name == "a"
    assert states.heartbeat("a", slow, 60) is False
    assert states.finish(row, slow, PollOutcome("error", error="late")) is False
    assert states.get("a").lease_owner == fast and states.get("a").consecutive_errors == 0


def test_a_lease_of_a_dead_local_process_is_taken_over_at_once(db):
    states = FeedStates(db.engine)
    states.sync(feeds("a"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = make_owner().split(":")[0]
    owner = f"{host}:{int(dead.stdout)}:abcdef"
    states.claim_named(owner, ["a"], 3600)
    assert states.claim_named(make_owner(), ["a"], 60) != []  # its process is gone

    states.sync(feeds("b"))
    live = f"{host}:1:abcdef"  # pid 1 always exists
    states.claim_named(live, ["b"], 3600)
    assert states.claim_named(make_owner(), ["b"], 60) == []


def test_concurrent_claims_never_share_a_feed(db):
    states = FeedStates(db.engine)
    names = [f"f{i}" for i in range(40)]
    states.sync(feeds(*names))
    claimed: list[list[str]] = []
    barrier = threading.Barrier(8)

    def worker():
        owner = make_owner()
        barrier.wait()
        mine = []
        for _ in range(10):
            mine += [r.name for r in FeedStates(db.engine).claim_due(owner, 3, 60)]
        claimed.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [n for mine in claimed for n in mine]
    assert sorted(every) == sorted(names)  # each exactly once


def test_entries_remember_the_text_hash_per_feed(db):
    states = FeedStates(db.engine)
    states.sync(feeds("a", "b"))
    states.record_entries("a", [("d1", "s1", 1), ("d2", "s2", 0)])
    states.record_entries("a", [("d1", "s1b", 2)])
    states.record_entries("b", [("d1", "s1b", 2)])
    assert states.known_entries("a", ["d1", "d2", "d3"]) == {"d1": ("s1b", 2), "d2": ("s2", 0)}
    assert states.entry_counts() == {"a": (2, 1), "b": (1, 1)}


def test_workers_starting_together_register_the_feeds_once(db):
    barrier = threading.Barrier(4)
    errors = []

    def start():
        barrier.wait()
        try:
            FeedStates(db.engine).sync(feeds("a", "b", "c"))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [r.name for r in FeedStates(db.engine).all()] == ["a", "b", "c"]
