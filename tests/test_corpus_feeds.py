"""The shared feed corpora through the real ingestion path, each file as a local feed.

- feedparser's own test feeds (well-formed, ill-formed, many encodings): no
  unhandled exception; documents stored and problems recorded are counted and
  printed (the README quotes them).
- 30 real news feeds about other things: no claim at all.
- Both, cut into parts as a large feed is for parsing on several cores: the
  parts give exactly what the whole file gives.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from conftest import shared_path
from tracker.ingest.config import parse_config
from tracker.ingest.entries import merge_parts, parse_feed
from tracker.ingest.runner import ingest_once
from tracker.ingest.split import split_feed
from tracker.ingest.state import FeedStates


def corpus_config(files: list[Path]):
    lines = ["schedule: {workers: 2}", "feeds:"]
    for i, path in enumerate(files):
        lines.append(f"  - {{name: f{i:04d}, url: '{path}', language: en, interval: 1h}}")
    return parse_config("\n".join(lines))


def feed_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".rss", ".atom", ".json", ".rdf"))


def test_every_feedparser_test_feed_goes_through_ingestion(sqlite_db, capsys):
    files = feed_files(shared_path("corpus", "feedparser-tests"))
    assert len(files) == 2107
    summary = ingest_once(sqlite_db.engine, corpus_config(files))
    statuses = Counter(r.status for r in summary.results)
    crashed = [(files[int(r.feed[1:])], r.error) for r in summary.results if r.status not in ("ok", "not_modified")]
    assert crashed == [], crashed[:5]  # nothing raised, nothing was refused
    rows = FeedStates(sqlite_db.engine).all()
    problems = sum(1 for r in rows if r.parse_problem)
    totals = summary.totals()
    entries = sum(r.entries for r in summary.results)
    skipped = sum(r.skipped_entries for r in summary.results)
    documents = len({e.stream for e in sqlite_db.store().read_all()})
    with capsys.disabled():
        print(
            f"\nfeedparser-tests: {len(files)} files, {entries} entries: {documents} documents stored "
            f"({totals['new_documents']} new, {totals['revised_documents']} revisions, "
            f"{totals['unchanged_documents']} entries repeating a document another file stored), "
            f"{skipped} entries with nothing to store; {problems} ill-formed feeds recorded as problems; "
            f"{totals['new_claim_reports']} claim reports"
        )
    # Every entry is accounted for: stored, found stored already, or empty.
    assert totals["new_documents"] + totals["revised_documents"] + totals["unchanged_documents"] + skipped == entries
    assert documents == totals["new_documents"] > 100 and problems > 250


def test_real_news_feeds_about_other_things_yield_no_claim(sqlite_db, capsys):
    files = feed_files(shared_path("corpus", "news-feeds"))
    assert len(files) == 30
    summary = ingest_once(sqlite_db.engine, corpus_config(files))
    totals = summary.totals()
    with capsys.disabled():
        print(
            f"\nnews-feeds: {len(files)} files, {totals['new_documents']} documents stored, "
            f"{totals['new_claim_reports']} claim reports"
        )
    assert all(r.status == "ok" for r in summary.results), [(r.feed, r.error) for r in summary.results if r.status != "ok"]
    assert totals["new_documents"] > 700
    assert totals["new_claim_reports"] == 0
    claims = [e for e in sqlite_db.store().read_all() if e.type == "ClaimReported"]
    assert claims == []


@pytest.mark.parametrize("corpus, least", [("feedparser-tests", 5), ("news-feeds", 20)])
def test_every_feed_cut_into_parts_reads_as_the_whole(corpus, least):
    options = dict(source="parts", language=None, fetched_at="2025-07-30T12:00:00Z")
    cut = flagged = 0
    for path in feed_files(shared_path("corpus", corpus)):
        body = path.read_bytes()
        parts = split_feed(body, 3, min_entries=1) or split_feed(body, 2, min_entries=1)
        if parts is None:
            continue
        cut += 1
        read = [parse_feed(p, {}, **options) for p in parts]
        if any(p.problem for p in read):  # the pool then parses the whole feed instead
            flagged += 1
            continue
        merged, whole = merge_parts(read), parse_feed(body, {}, **options)
        assert (merged.candidates, merged.entries, merged.empty, merged.duplicates, merged.problem) == (
            whole.candidates, whole.entries, whole.empty, whole.duplicates, whole.problem
        ), path
    assert cut - flagged >= least
