"""Fetching against a real HTTP server on 127.0.0.1: validators echoed exactly,
redirects, throttling, errors, timeouts, deadlines and size caps."""

from __future__ import annotations

import gzip
import socket
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest

from feedserver import FeedServer, rss
from tracker.ingest.config import FetchSettings
from tracker.ingest.fetch import Fetcher, parse_retry_after

BODY = rss([{"guid": "a", "title": "One", "description": "Text"}])


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


@pytest.fixture
def fetcher():
    f = Fetcher(FetchSettings(connect_timeout="1s", read_timeout="300ms", deadline="1s", max_bytes="100KB", max_redirects=3))
    yield f
    f.close()


def test_conditional_get_echoes_the_validators_exactly_and_304_costs_nothing(server, fetcher):
    # Neither value is what a client would produce by reformatting a date or quoting a tag.
    server.route("/f", body=BODY, etag='W/"a1:b2"', last_modified="Thu, 03 Jul 2025 12:00:00 GMT+00:00")
    first = fetcher.fetch(server.url("/f"))
    assert (first.outcome, first.status, first.body) == ("ok", 200, BODY)
    assert (first.etag, first.last_modified) == ('W/"a1:b2"', "Thu, 03 Jul 2025 12:00:00 GMT+00:00")

    second = fetcher.fetch(server.url("/f"), first.etag, first.last_modified)
    sent = server.requests("/f")[1].headers
    assert sent["if-none-match"] == 'W/"a1:b2"'
    assert sent["if-modified-since"] == "Thu, 03 Jul 2025 12:00:00 GMT+00:00"
    assert (second.outcome, second.status, second.body) == ("not_modified", 304, None)


def test_a_clear_user_agent_is_sent(server, fetcher):
    server.route("/f", body=BODY)
    fetcher.fetch(server.url("/f"))
    agent = server.requests("/f")[0].headers["user-agent"]
    assert agent.startswith("tracker-feed-poller/") and "httpx" in agent


def test_permanent_redirects_move_the_feed_temporary_ones_do_not(server, fetcher):
    server.route("/new", body=BODY)
    server.route("/old", status=301, location="/new")
    server.route("/tmp", status=302, location="/new")
    server.route("/perm-then-tmp", status=308, location="/tmp")
    moved = fetcher.fetch(server.url("/old"))
    assert (moved.outcome, moved.body, moved.moved_to) == ("ok", BODY, server.url("/new"))
    assert fetcher.fetch(server.url("/tmp")).moved_to is None
    # Only the leading run of permanent hops says where the feed lives now.
    assert fetcher.fetch(server.url("/perm-then-tmp")).moved_to == server.url("/tmp")


def test_redirects_are_limited(server, fetcher):
    for i in range(5):
        server.route(f"/r{i}", status=302, location=f"/r{i + 1}")
    server.route("/r5", body=BODY)
    result = fetcher.fetch(server.url("/r0"))
    assert (result.outcome, result.error) == ("error", "more than 3 redirects")


def test_gone_throttled_and_http_errors(server, fetcher):
    server.route("/gone", status=410)
    server.route("/busy", status=429, headers={"Retry-After": "120"})
    later = format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    server.route("/down", status=503, headers={"Retry-After": later})
    server.route("/boom", status=500)
    gone = fetcher.fetch(server.url("/gone"))
    assert (gone.outcome, gone.status) == ("gone", 410)
    busy = fetcher.fetch(server.url("/busy"))
    assert (busy.outcome, busy.retry_after, busy.error) == ("throttled", 120.0, "HTTP 429 Too Many Requests; Retry-After 2m")
    down = fetcher.fetch(server.url("/down"))
    assert down.outcome == "throttled" and 3500 < down.retry_after <= 3600
    assert fetcher.fetch(server.url("/missing")).error == "HTTP 404 Not Found"
    assert fetcher.fetch(server.url("/boom")).error == "HTTP 500 Internal Server Error"


def test_read_timeout(server, fetcher):
    server.route("/slow", body=BODY, delay=3.0)
    started = time.monotonic()
    result = fetcher.fetch(server.url("/slow"))
    assert (result.outcome, result.error) == ("error", "read timeout: no data for 300ms")
    assert time.monotonic() - started < 2.5  # gave up long before the response


def test_a_slow_drip_is_cut_off_at_the_deadline(server, fetcher):
    # Each chunk arrives within the read timeout, so only the deadline stops it.
    server.route("/drip", body=b"x" * 4000, drip=0.1, drip_chunk=100)  # 4 s in all
    started = time.monotonic()
    result = fetcher.fetch(server.url("/drip"))
    assert result.outcome == "error" and result.error.startswith("deadline of 1s exceeded after ")
    assert time.monotonic() - started < 2.5


def test_oversized_bodies_stop_early(server, fetcher):
    big = b"<rss>" + b"x" * 200_000 + b"</rss>"
    server.route("/declared", body=big)
    server.route("/undeclared", body=big, send_length=False)
    bomb = gzip.compress(b"<rss>" + b" " * 5_000_000 + b"</rss>")
    server.route("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < 100_000
    declared = fetcher.fetch(server.url("/declared"))
    assert declared.error == "body of 200,011 bytes exceeds the limit of 100,000 (fetch.max_bytes)"
    for path in ("/undeclared", "/bomb"):  # counted while reading, decoded bytes
        assert fetcher.fetch(server.url(path)).error == "body exceeds the limit of 100,000 bytes (fetch.max_bytes)"


def test_connection_refused(fetcher):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert result.outcome == "error" and result.error.startswith("cannot connect: ")


def test_local_files(tmp_path, fetcher):
    path = tmp_path / "feed.xml"
    path.write_bytes(BODY)
    assert fetcher.fetch(str(path)).body == BODY
    assert fetcher.fetch(str(tmp_path / "nope.xml")).error == f"no such file: {tmp_path / 'nope.xml'}"
    path.write_bytes(b"x" * 200_000)
    assert fetcher.fetch(str(path)).error == "file of 200,000 bytes exceeds the limit of 100,000 (fetch.max_bytes)"


def test_retry_after_forms():
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", now=40) == 60
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now=40) == 0  # in the past: no wait
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
