"""Re-extraction of documents stored while the extractor failed, on real databases."""

from __future__ import annotations

import json
import types

from conftest import run_cli
from feedserver import rss
from tracker.ingest.documents import DocumentWriter
from tracker.ingest.entries import document_stream, parse_feed
from tracker.ingest.reextract import Reextractor, failed_documents
from tracker.projections import Queries

CONFLICT = {
    "guid": "https://news.example/karabakh/1",
    "link": "https://news.example/karabakh/1",
    "title": "Kämpfe um Berg-Karabach",
    "description": "<p>Bei den Kämpfen um Berg-Karabach wurden seit Sonntag mehr als 240 Menschen getötet.</p>",
    "pubDate": "Sat, 05 Jul 2025 09:30:00 +0200",
}
UNRELATED = {
    "guid": "https://news.example/city/2",
    "title": "Stadtlauf",
    "description": "<p>Rund 12.000 Läufer waren am Sonntag beim Stadtlauf am Start.</p>",
    "pubDate": "Sat, 05 Jul 2025 10:00:00 +0200",
}


def _explode(text, published, language=None):
    raise RuntimeError("rule table corrupted")


BROKEN = types.SimpleNamespace(EXTRACTOR_VERSION="rules-broken", extract=_explode)


def _candidates(*items):
    return parse_feed(rss(list(items)), {}, source="news", language="de", fetched_at=None).candidates


def _store_with_broken_extractor(db, *items):
    writer = DocumentWriter(db.store(), extractor=BROKEN)
    candidates = _candidates(*items)
    for candidate in candidates:
        assert writer.write(candidate).extraction == "failed"
    return candidates


def _caught_up(db) -> Queries:
    queries = Queries(db.engine, db.store())
    queries.catch_up()  # as every query command does first
    return queries


def test_failed_documents_are_re_extracted_once_and_their_claims_appear(db):
    conflict, unrelated = _store_with_broken_extractor(db, CONFLICT, UNRELATED)
    store = db.store()
    assert failed_documents(store) == [conflict.document_id, unrelated.document_id]

    results = {r.document_id: r for r in Reextractor(store).run()}
    assert (results[conflict.document_id].outcome, results[conflict.document_id].extraction) == ("reextracted", "ok")
    assert results[conflict.document_id].claim_reports == 1
    assert (results[unrelated.document_id].extraction, results[unrelated.document_id].claim_reports) == ("irrelevant", 0)
    assert failed_documents(store) == []

    types_ = [e.type for e in store.read_stream(document_stream(conflict.document_id))]
    assert types_ == ["DocumentIngested", "DocumentReextracted", "ClaimReported"]
    outcome = list(store.read_stream(document_stream(conflict.document_id)))[1].data
    assert outcome["extraction"]["status"] == "ok" and outcome["revision"] == 1
    # The failure stays in the log: the original event is untouched.
    first = next(iter(store.read_stream(document_stream(conflict.document_id))))
    assert first.data["extraction"]["status"] == "failed"

    queries = _caught_up(db)
    (entry,) = queries.history("casualties/killed/total")
    assert (entry["value"]["count"], entry["document_id"], entry["change"]) == (240, conflict.document_id, "new")
    (audit,) = queries.audit("casualties/killed/total")
    assert audit["quote_matches"] and audit["ok"]

    head = store.head().position
    assert Reextractor(store).run() == []  # nothing failed any more
    again = Reextractor(store).reextract(conflict.document_id)
    assert again.outcome == "has_reports"  # never a second set of reports for one revision
    assert store.head().position == head


def test_a_still_failing_extractor_appends_nothing(db):
    (candidate,) = _store_with_broken_extractor(db, CONFLICT)
    store = db.store()
    head = store.head().position
    (result,) = Reextractor(store, extractor=BROKEN).run()
    assert (result.outcome, result.error) == ("failed", "RuntimeError: rule table corrupted")
    assert store.head().position == head
    assert failed_documents(store) == [candidate.document_id]


def test_only_the_latest_revision_counts(db):
    store = db.store()
    (first,) = _candidates(CONFLICT)
    assert DocumentWriter(store).write(first).claim_reports == 1  # revision 1 extracted fine
    assert failed_documents(store) == []
    changed = {**CONFLICT, "description": CONFLICT["description"].replace("240", "260")}
    (second,) = _candidates(changed)
    assert DocumentWriter(store, extractor=BROKEN).write(second).outcome == "revised"
    assert failed_documents(store) == [second.document_id]
    (result,) = Reextractor(store).run()
    assert (result.revision, result.claim_reports) == (2, 1)
    history = _caught_up(db).history("casualties/killed/total")
    assert [(e["revision"], e["value"]["count"], e["change"]) for e in history] == [(1, 240, "new"), (2, 260, "revised")]


def test_unknown_document_is_reported_not_raised(db):
    (result,) = Reextractor(db.store()).run(["no-such-document"])
    assert result.outcome == "unknown" and "no-such-document" in result.error


def test_reextract_command(sqlite_db):
    (candidate,) = _store_with_broken_extractor(sqlite_db, CONFLICT)
    done = run_cli("reextract", "--format", "json", db_url=sqlite_db.url)
    assert done.returncode == 0, done.stderr
    (record,) = json.loads(done.stdout)["documents"]
    assert (record["document_id"], record["outcome"], record["claim_reports"]) == (candidate.document_id, "reextracted", 1)
    again = run_cli("reextract", "--format", "json", db_url=sqlite_db.url)
    assert json.loads(again.stdout)["documents"] == []
    missing = run_cli("reextract", "nope", db_url=sqlite_db.url)
    assert missing.returncode == 1 and "no document 'nope'" in missing.stderr
