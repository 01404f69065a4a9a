"""Real processes: a killed ingestion loses nothing, `tracker run` stops cleanly and
never lets one hung feed hold up the others, and two workers on one PostgreSQL
database poll each feed exactly once per due interval."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from conftest import REPO, run_cli
from feedserver import FeedServer, rss
from tracker.ingest.state import FeedStates, now_utc, parse_ts

ENTRIES = 1000  # enough that a kill after the first few lands mid-ingestion on a fast machine too


def articles(n: int, prefix: str = "a") -> bytes:
    return rss(
        [
            {
                "guid": f"https://news.example/{prefix}/{i}",
                "title": f"Berg-Karabach, Meldung {i}",
                "description": f"Bei den Kämpfen um Berg-Karabach wurden seit Sonntag mehr als {100 + i} Menschen getötet.",
                "pubDate": "Sat, 05 Jul 2025 09:30:00 +0200",
            }
            for i in range(n)
        ]
    )


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


def write_config(path, server, feeds, *, interval="1h", tick="100ms", workers=2, read_timeout="2s", lease="10s"):
    lines = [
        "fetch:",
        f"  connect_timeout: 1s\n  read_timeout: {read_timeout}\n  deadline: 5s\n  max_bytes: 5MB",
        f"schedule:\n  tick: {tick}\n  workers: {workers}\n  lease: {lease}",
        "feeds:",
    ]
    for name, route in feeds:
        lines.append(f"  - {{name: {name}, url: '{server.url(route)}', language: de, interval: {interval}}}")
    path.write_text("\n".join(lines))
    return path


def spawn(*args, db_url):
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "--db", db_url, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def documents(db) -> Counter:
    """Events per document stream."""
    return Counter(e.stream for e in db.store().read_all())


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def wait_for_events(db, at_least: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        position = db.store().head().position
        if position >= at_least:
            return position
        time.sleep(0.02)
    raise AssertionError(f"fewer than {at_least} events after {timeout}s")


def test_a_killed_ingestion_loses_nothing_and_the_next_run_completes_without_duplicates(db, server, tmp_path):
    server.route("/big", body=articles(ENTRIES), etag='"big"')
    config = write_config(tmp_path / "feeds.yaml", server, [("big", "/big")])
    proc = spawn("ingest", "--config", str(config), db_url=db.url)
    try:
        wait_for_events(db, 30)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    stored = documents(db)
    assert 0 < len(stored) < ENTRIES, f"the kill must land in the middle of the ingestion ({len(stored)} stored)"
    # Whatever was stored is whole: each document with its claim report, nothing half-written.
    assert set(stored.values()) == {2}
    assert FeedStates(db.engine).get("big").etag is None  # the feed was not marked as read

    done = run_cli("ingest", "--config", str(config), "--format", "json", db_url=db.url)
    assert done.returncode == 0, done.stderr
    (feed,) = json.loads(done.stdout)["feeds"]
    # The dead process's lease was taken over at once; the rest was stored, nothing twice.
    assert feed["status"] == "ok" and feed["new"] == ENTRIES - len(stored), (feed, len(stored))
    assert feed["new"] + feed["unchanged"] == ENTRIES
    after = documents(db)
    assert len(after) == ENTRIES and set(after.values()) == {2}
    assert run_cli("audit", "verify", db_url=db.url).returncode == 0
    assert FeedStates(db.engine).get("big").etag == '"big"'


def test_run_stops_cleanly_on_sigterm_and_the_rest_follows_next_time(sqlite_db, server, tmp_path):
    server.route("/big", body=articles(ENTRIES), etag='"big"')
    config = write_config(tmp_path / "feeds.yaml", server, [("big", "/big")])
    proc = spawn("run", "--config", str(config), db_url=sqlite_db.url)
    try:
        wait_for_events(sqlite_db, 30)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "SIGTERM: stopping after the current document" in stderr and stderr.rstrip().endswith("stopped")
    assert "big: interrupted" in stderr, stderr
    stored = documents(sqlite_db)
    assert 0 < len(stored) < ENTRIES and set(stored.values()) == {2}, (len(stored), stderr)
    row = FeedStates(sqlite_db.engine).get("big")
    assert row.lease_owner is None and row.etag is None, row  # lease given back, feed not marked as read
    assert (parse_ts(row.next_poll_at) - now_utc()).total_seconds() <= 0  # due again at once

    done = run_cli("ingest", "--config", str(config), "--format", "json", db_url=sqlite_db.url)
    (feed,) = json.loads(done.stdout)["feeds"]
    assert feed["new"] == ENTRIES - len(stored) and len(documents(sqlite_db)) == ENTRIES, (feed, len(stored))


def test_a_hung_feed_does_not_hold_up_the_others(sqlite_db, server, tmp_path):
    server.route("/hung", body=articles(1, "h"), delay=4)
    server.route("/quick", body=articles(1, "q"), conditional=False)
    config = write_config(
        tmp_path / "feeds.yaml", server, [("hung", "/hung"), ("quick", "/quick")],
        interval="1s", read_timeout="10s", lease="20s",
    )
    proc = spawn("run", "--config", str(config), db_url=sqlite_db.url)
    try:
        wait_until(lambda: server.requests("/hung"), 30)
        hung_at = server.requests("/hung")[0].at
        time.sleep(max(0.0, hung_at + 3.8 - time.time()))  # the hung fetch still waits for its first byte
        during = [r for r in server.requests("/quick") if hung_at < r.at < hung_at + 3.8]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert len(during) >= 2, "the quick feed kept being polled on its 1s interval while the other hung"


@pytest.mark.timeout(120)
def test_two_workers_on_postgresql_poll_each_feed_exactly_once_per_interval(pg_db, server, tmp_path):
    names = [f"feed{i}" for i in range(6)]
    for name in names:
        server.route(f"/{name}", body=articles(1, name), etag=f'"{name}"')
    config = write_config(tmp_path / "feeds.yaml", server, [(n, f"/{n}") for n in names], interval="1s", tick="100ms")
    workers = [spawn("run", "--config", str(config), db_url=pg_db.url) for _ in range(2)]
    try:
        # However slowly the machine starts them: until every feed was polled three times.
        assert wait_until(lambda: all(len(server.requests(f"/{n}")) >= 3 for n in names), 60)
    finally:
        logs = []
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            logs.append(proc.communicate(timeout=15)[1])
    assert all(proc.returncode == 0 for proc in workers), logs
    for name in names:
        times = sorted(r.at for r in server.requests(f"/{name}"))
        gaps = [b - a for a, b in zip(times, times[1:])]
        # Never twice within an interval (jitter only ever delays), by either worker.
        assert min(gaps) >= 0.98, (name, gaps)
    # Both workers did part of the work.
    assert all(": ok" in log or ": not_modified" in log for log in logs), logs
    assert len(documents(pg_db)) == len(names)
