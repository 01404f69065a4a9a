"""Feed ingestion end to end, against a real HTTP server on 127.0.0.1 and real databases."""

from __future__ import annotations

import json
import types

import pytest

from conftest import run_cli
from feedserver import FeedServer, http_date, rss
from tracker.domain.events import document_id
from tracker.ingest.config import parse_config
from tracker.ingest.documents import DocumentWriter
from tracker.ingest.entries import document_stream
from tracker.ingest.runner import ingest_once
from tracker.ingest.state import FeedStates, parse_ts

SETTINGS = """\
fetch:
  connect_timeout: 1s
  read_timeout: 500ms
  deadline: 2s
  max_bytes: 50KB
schedule:
  lease: 10s
  workers: 4
"""


def article(n: int, killed: int, extra: str = "", measure: str = "getötet") -> dict:
    return {
        "guid": f"https://news.example/karabakh/{n}",
        "link": f"https://news.example/karabakh/{n}",
        "title": f"Kämpfe um Berg-Karabach ({n})",
        "description": f"<p>Bei den Kämpfen um Berg-Karabach wurden seit Sonntag mehr als {killed} Menschen {measure}.{extra}</p>",
        "pubDate": "Sat, 05 Jul 2025 09:30:00 +0200",
    }


def config_for(server: FeedServer, *feeds: tuple[str, str], extra: str = ""):
    lines = [SETTINGS, "feeds:"]
    for name, path in feeds:
        lines.append(f"  - {{name: {name}, url: '{server.url(path)}', language: de, interval: 1h{extra}}}")
    return parse_config("\n".join(lines))


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


def events_of(db, doc_id: str):
    return list(db.store().read_stream(document_stream(doc_id)))


def test_second_poll_is_conditional_and_appends_nothing(db, server):
    server.route("/f", body=rss([article(1, 240), article(2, 250)]), etag='"v1"', last_modified=http_date())
    config = config_for(server, ("news", "/f"))
    first = ingest_once(db.engine, config).results[0]
    assert (first.status, first.http_status, first.entries, first.new, first.claim_reports) == ("ok", 200, 2, 2, 2)
    head = db.store().head()

    second = ingest_once(db.engine, config).results[0]
    sent = server.requests("/f")[1].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == http_date()
    assert (second.status, second.http_status, second.new) == ("not_modified", 304, 0)
    assert db.store().head() == head  # nothing appended


def test_a_server_ignoring_validators_costs_a_fetch_but_appends_nothing(db, server):
    items = [article(1, 240), article(2, 250)]
    route = server.route("/f", body=rss(items), conditional=False)
    config = config_for(server, ("news", "/f"))
    ingest_once(db.engine, config)
    head = db.store().head()
    # The same bytes again: not even parsed.
    assert ingest_once(db.engine, config).results[0].status == "not_modified"
    # New bytes (another feed title), same entries: parsed, every entry found unchanged.
    route.body = rss(items, title="Renamed feed")
    again = ingest_once(db.engine, config).results[0]
    assert (again.status, again.entries, again.unchanged, again.new, again.revised) == ("ok", 2, 2, 0, 0)
    assert db.store().head() == head


def test_an_entry_changed_in_place_becomes_a_revision_with_its_claims_re_extracted(db, server):
    other = article(2, 250, measure="verletzt")  # another claim, left as it was
    route = server.route("/f", body=rss([article(1, 240), other]), etag='"v1"')
    config = config_for(server, ("news", "/f"))
    ingest_once(db.engine, config)
    route.body, route.etag = rss([article(1, 260), other]), '"v2"'
    result = ingest_once(db.engine, config).results[0]
    assert (result.status, result.new, result.revised, result.unchanged, result.claim_reports) == ("ok", 0, 1, 1, 1)

    events = events_of(db, document_id(guid="https://news.example/karabakh/1"))
    assert [(e.version, e.type, e.data["revision"]) for e in events] == [
        (1, "DocumentIngested", 1), (2, "ClaimReported", 1), (3, "DocumentIngested", 2), (4, "ClaimReported", 2)]
    counts = [e.data["report"]["value"]["count"] for e in events if e.type == "ClaimReported"]
    keys = {e.data["report"]["claim_key"] for e in events if e.type == "ClaimReported"}
    assert counts == [240, 260] and keys == {"casualties/killed/total"}
    assert events[2].data["text"].count("mehr als 260") == 1
    # The unchanged entry kept its single revision.
    assert len(events_of(db, document_id(guid="https://news.example/karabakh/2"))) == 2
    # ... and the claim's history shows the new figure as a revision.
    history = json.loads(run_cli("history", "casualties/killed/total", "--format", "json", db_url=db.url).stdout)
    doc = document_id(guid="https://news.example/karabakh/1")
    assert [(h["revision"], h["value"]["count"], h["change"]) for h in history if h["document_id"] == doc] == [
        (1, 240, "new"), (2, 260, "revised")]


def test_failures_are_counted_and_visible_in_tracker_feeds(sqlite_db, server, tmp_path):
    server.route("/ok", body=rss([article(1, 240)]))
    server.route("/gone", status=410)
    server.route("/busy", status=429, headers={"Retry-After": "3600"})
    server.route("/boom", status=500)
    server.route("/slow", body=rss([article(2, 250)]), delay=1.5)
    server.route("/huge", body=rss([article(3, 1, "x" * 60_000)]))
    server.route("/moved", status=301, location="/ok")
    feeds = [("ok", "/ok"), ("gone", "/gone"), ("busy", "/busy"), ("boom", "/boom"), ("slow", "/slow"),
             ("huge", "/huge"), ("missing", "/missing"), ("moved", "/moved")]
    path = tmp_path / "feeds.yaml"
    path.write_text("\n".join([SETTINGS, "feeds:"] + [
        f"  - {{name: {n}, url: '{server.url(p)}', language: de, interval: 1m}}" for n, p in feeds]))
    for _ in range(2):
        done = run_cli("ingest", "--config", str(path), "--format", "json", db_url=sqlite_db.url)
        assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["errors"] == 4 and summary["skipped"] == 2  # the second run skips gone and busy
    listed = run_cli("feeds", "--format", "json", db_url=sqlite_db.url)
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    for name, status, errors, error in [
        ("ok", "not_modified", 0, None),
        ("gone", "gone", 0, "HTTP 410 Gone: the feed was removed; it is disabled"),
        ("busy", "throttled", 1, "HTTP 429 Too Many Requests; Retry-After 1h"),
        ("boom", "error", 2, "HTTP 500 Internal Server Error"),
        ("slow", "error", 2, "read timeout: no data for 500ms"),
        ("huge", "error", 2, "body of 60,"),
        ("missing", "error", 2, "HTTP 404 Not Found"),
    ]:
        row = rows[name]
        assert (row["status"], row["consecutive_errors"]) == (status, errors), name
        assert (row["last_error"] or "").startswith(error or ""), (name, row["last_error"])
        assert row["last_poll_at"] is not None
    assert rows["gone"]["next_poll_at"] is None
    def wait(row):  # from the poll to the next one
        return (parse_ts(row["next_poll_at"]) - parse_ts(row["last_poll_at"])).total_seconds()

    assert 3600 <= wait(rows["busy"]) <= 3600 + 300  # Retry-After honoured (plus jitter)
    # Two errors in a row with a 1-minute interval: the next try waits 2 minutes (+ jitter).
    assert 120 <= wait(rows["boom"]) <= 132
    assert rows["moved"]["fetch_url"] == server.url("/ok") and rows["moved"]["url"] == server.url("/moved")
    assert (rows["ok"]["entries_seen"], rows["ok"]["documents"]) == (1, 1)
    assert len(server.requests("/moved")) == 1  # the second poll went straight to the new address

    table = run_cli("feeds", "--format", "table", db_url=sqlite_db.url, env={"COLUMNS": "200"})
    assert "HTTP 429 Too Many Requests; Retry-After 1h" in table.stdout and "gone" in table.stdout
    # Naming a gone feed tries it again (and it is still gone).
    again = run_cli("ingest", "--config", str(path), "--feed", "gone", "--format", "json", db_url=sqlite_db.url)
    assert json.loads(again.stdout)["feeds"][0]["status"] == "gone"


def test_keyword_filter_stores_only_matching_entries(db, server):
    unrelated = {"guid": "https://news.example/x", "title": "Stadtlauf", "description": "12.000 Läufer am Start."}
    server.route("/f", body=rss([article(1, 240), unrelated]))
    config = config_for(server, ("news", "/f"), extra=", keywords: [Karabach, Armenien]")
    result = ingest_once(db.engine, config).results[0]
    assert (result.new, result.filtered) == (1, 1)
    assert events_of(db, document_id(guid="https://news.example/x")) == []
    assert FeedStates(db.engine).entry_counts() == {"news": (2, 1)}


def test_a_failing_extractor_still_stores_the_document(db):
    def explode(text, published, language=None):
        raise RuntimeError("rule table corrupted")

    broken = types.SimpleNamespace(EXTRACTOR_VERSION="rules-test", extract=explode)
    writer = DocumentWriter(db.store(), extractor=broken)
    from tracker.ingest.entries import parse_feed

    (candidate,) = parse_feed(rss([article(1, 240)]), {}, source="news", language="de", fetched_at=None).candidates
    result = writer.write(candidate)
    assert (result.outcome, result.extraction, result.claim_reports) == ("new", "failed", 0)
    (event,) = events_of(db, candidate.document_id)
    assert event.data["extraction"] == {
        "status": "failed", "error": "RuntimeError: rule table corrupted", "extractor_version": "rules-test",
        "relevant_conflict": None}
    assert event.data["text"] == candidate.text  # nothing fetched is lost: a later re-extraction reads it


def test_events_made_ahead_for_a_revision_already_taken_are_made_again(db):
    # A worker made the events of an entry as revision 1 (its feed never showed it), but
    # another feed stored that document meanwhile, with other text: it becomes revision 2.
    from tracker.ingest.entries import parse_feed

    writer = DocumentWriter(db.store())
    first, second = (
        parse_feed(rss([article(1, killed)]), {}, source="news", language="de", fetched_at=None).candidates[0]
        for killed in (240, 260)
    )
    assert first.document_id == second.document_id and first.text != second.text
    assert writer.write(first).outcome == "new"
    made_ahead = writer.prepare(second, 1)
    result = writer.write(second, assume_new=True, prepared=made_ahead)
    assert (result.outcome, result.revision, result.claim_reports) == ("revised", 2, made_ahead.claim_reports)
    stored = events_of(db, second.document_id)
    revision_two = [e for e in stored if e.data["revision"] == 2]
    assert len(revision_two) == 1 + made_ahead.claim_reports > 1
    assert {e.event_id for e in revision_two}.isdisjoint(event_id for event_id, _, _ in made_ahead.events)
    assert [e.data["revision"] for e in stored].count(1) == len(stored) - len(revision_two)


def test_the_same_entry_in_two_feeds_is_one_document(db, server):
    server.route("/a", body=rss([article(1, 240)]))
    server.route("/b", body=rss([article(1, 240)]))
    results = ingest_once(db.engine, config_for(server, ("a", "/a"), ("b", "/b"))).results
    # Polled in parallel: whichever feed comes first stores it, the other finds it stored.
    assert sorted((r.new, r.unchanged) for r in results) == [(0, 1), (1, 0)]
    assert len(events_of(db, document_id(guid="https://news.example/karabakh/1"))) == 2
    assert FeedStates(db.engine).entry_counts() == {"a": (1, 1), "b": (1, 1)}
