"""The scheduler in-process: an edited feeds.yaml is picked up, a bad edit keeps the running one."""

from __future__ import annotations

import os
import threading
import time

import pytest

from feedserver import FeedServer, rss
from tracker.ingest.config import load_config
from tracker.ingest.runner import Scheduler


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_run_picks_up_an_edited_feeds_yaml_and_survives_a_bad_edit(sqlite_db, server, tmp_path):
    for name in ("a", "b"):
        server.route(f"/{name}", body=rss([{"guid": f"https://ex.org/{name}", "title": name, "description": "text"}]))
    path = tmp_path / "feeds.yaml"
    header = "schedule: {tick: 100ms, lease: 2m}\nfeeds:\n"
    feed = "  - {{name: {0}, url: '{1}', language: en, interval: 1h}}\n"
    path.write_text(header + feed.format("a", server.url("/a")))
    messages, results = [], []
    scheduler = Scheduler(
        sqlite_db.engine, load_config(path), config_path=path, on_result=results.append, on_message=messages.append
    )
    thread = threading.Thread(target=scheduler.run)
    thread.start()
    try:
        assert wait_until(lambda: [r.feed for r in results] == ["a"])
        path.write_text(header + "  - {name: b, url: 'nope://x', language: en, interval: 1h}\n")
        os.utime(path, (time.time() + 1, time.time() + 1))  # a new mtime even within one clock tick
        assert wait_until(lambda: any("still running with the previous configuration" in m for m in messages)), messages
        assert "nope" in messages[-1] and "feed 'b': url: unsupported scheme 'nope'" in messages[-1]

        path.write_text(header + feed.format("a", server.url("/a")) + feed.format("b", server.url("/b")))
        os.utime(path, (time.time() + 2, time.time() + 2))
        assert wait_until(lambda: "b" in [r.feed for r in results]), (messages, results)
    finally:
        scheduler.stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert [r.feed for r in results].count("a") == 1  # its interval is an hour: polled once
    assert len(server.requests("/b")) == 1
