"""A large feed is parsed in parts on several cores: the parts, each read by
feedparser, give exactly what the whole feed gives, and a feed that cannot be
cut safely is read whole."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time

import pytest

from tracker.bench.ingest_bench import synthetic_feed
from tracker.ingest.entries import merge_parts, parse_feed
from tracker.ingest.split import split_feed
from tracker.ingest.workers import MIN_PART, WorkerPool

OPTIONS = dict(source="split-test", language=None, fetched_at="2025-07-30T12:00:00Z")


def _item(i: int, layout: str) -> str:
    # Every third entry repeats an earlier guid (first kept, also across parts); every
    # fourth has no date (it takes the channel's, written after the entries); the text
    # holds markup, an entity of the DOCTYPE, a namespaced date, non-ASCII letters and a
    # CDATA section that looks like an entry.
    guid = f"https://example.invalid/{i - 1 if i % 3 == 2 else i}"
    date = "" if i % 4 == 3 else f"<dc:date>2025-07-{1 + i % 28:02d}</dc:date>"
    text = f"&lt;p&gt;Bericht {i}: Kämpfe um Berg-Karabach, &amp;co; {i * 7} Tote.&lt;/p&gt;"
    cdata = "<![CDATA[not an <item> but text]]>"
    if layout == "atom":
        return (
            f'<entry><id>{guid}</id><title>Eintrag {i} &co;</title>{date}'
            f'<content type="html">{text}</content><summary>{cdata}</summary></entry>'
        )
    about = f' rdf:about="{guid}"' if layout == "rss1" else ""
    return (
        f"<item{about}><title>Eintrag {i} &co;</title><guid>{guid}</guid><link>{guid}</link>{date}"
        f"<description>{text}</description><comments>{cdata}</comments></item>"
    )


def feed(layout: str, entries: int, between: str = "<!-- between -->\n") -> bytes:
    items = between.join(_item(i, layout) for i in range(entries))
    doctype = '<!DOCTYPE feed [\n<!ENTITY co "und Co.">\n]>'
    dc = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
    if layout == "rss2":
        body = (
            f'<rss version="2.0" {dc}><channel xml:base="https://example.invalid/"><title>t</title>{items}'
            "<pubDate>Mon, 28 Jul 2025 10:00:00 +0200</pubDate></channel></rss>"
        )
    elif layout == "rss1":
        body = (
            f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" {dc}>'
            f'<channel rdf:about="https://example.invalid/"><title>t</title><dc:date>2025-07-28</dc:date></channel>'
            f"{items}</rdf:RDF>"
        )
    else:
        body = (
            f'<feed xmlns="http://www.w3.org/2005/Atom" {dc} xml:lang="de"><title>t</title>'
            f"<updated>2025-07-28T10:00:00Z</updated>{items}</feed>"
        )
    return f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n{body}'.encode()


def _as_tuple(parsed):
    return parsed.candidates, parsed.entries, parsed.empty, parsed.duplicates, parsed.problem


@pytest.mark.parametrize("layout", ["rss2", "rss1", "atom"])
@pytest.mark.parametrize("parts", [2, 3, 7])
def test_the_parts_read_as_the_whole_feed(layout, parts):
    body = feed(layout, 40)
    whole = parse_feed(body, {}, **OPTIONS)
    assert whole.problem is None and whole.duplicates > 5 and len(whole.candidates) > 20
    assert any(c.published.kind == "feed" for c in whole.candidates)  # the channel's date, read after the entries
    assert "und Co." in whole.candidates[0].text
    cut = split_feed(body, parts, min_entries=1)
    assert cut is not None and len(cut) == parts
    assert _as_tuple(merge_parts([parse_feed(p, {}, **OPTIONS) for p in cut])) == _as_tuple(whole)


def test_parts_are_as_even_as_the_entries_allow_and_respect_the_minimum():
    body = feed("rss2", 100)
    assert [p.count(b"<guid>") for p in split_feed(body, 3, min_entries=1)] == [33, 33, 34]
    assert len(split_feed(body, 8, min_entries=30)) == 3  # no part under 30 entries
    assert split_feed(body, 2, min_entries=51) is None  # too small to be worth cutting


@pytest.mark.parametrize(
    "body, why",
    [
        (feed("rss2", 20, between="<category>x</category>"), "another element between two entries"),
        (feed("rss2", 20).replace(b"<title>t</title>", b"<title>t</title><item/>"), "an entry as an empty tag"),
        (feed("rss2", 20).replace(b"</channel>", b"</channel><item><title>x</title></item>"), "an entry outside the channel"),
        (feed("atom", 20).replace(b"</content>", b"</content><item>x</item>"), "an entry-like element inside an entry"),
        (feed("rss2", 20).replace(b"</rss>", b"<channel></channel></rss>"), "two channels"),
        (feed("rss2", 20).replace(b"</description>", b"</descriptio>", 1), "ill-formed"),
        (feed("atom", 20).replace(b"http://www.w3.org/2005/Atom", b"http://purl.org/atom/ns#"), "Atom 0.3"),
        (feed("rss2", 20).replace(b'encoding="utf-8"', b'encoding="utf-16"').decode().encode("utf-16"), "UTF-16"),
        (feed("rss2", 20).replace(b'encoding="utf-8"', b'encoding="bogus"'), "an encoding expat lacks"),
        (b"not a feed at all", "not XML"),
    ],
)
def test_a_feed_that_cannot_be_cut_safely_is_read_whole(body, why):
    assert split_feed(body, 2, min_entries=1) is None, why


@pytest.mark.skipif(sys.platform != "linux", reason="the pool forks only on Linux")
def test_the_pool_parses_a_large_feed_in_parts_as_one_process_would():
    body = synthetic_feed(4 * MIN_PART, size=600)
    assert split_feed(body, 4, MIN_PART) is not None  # the pool takes the parallel path
    with WorkerPool(workers=2) as pool:
        assert _as_tuple(pool.parse_feed(body, {}, **OPTIONS)) == _as_tuple(parse_feed(body, {}, **OPTIONS))
        # text/xml without a charset means US-ASCII to feedparser: parts with German
        # letters are flagged, so the whole feed is parsed once, problem and all.
        headers = {"content-type": "text/xml"}
        whole = parse_feed(body, headers, **OPTIONS)
        assert whole.problem is not None
        assert _as_tuple(pool.parse_feed(body, headers, **OPTIONS)) == _as_tuple(whole)
        assert pool.running


@pytest.mark.skipif(sys.platform != "linux", reason="the pool forks only on Linux")
def test_a_killed_worker_leaves_the_feed_to_a_single_parse():
    body = synthetic_feed(4 * MIN_PART, size=600)
    with WorkerPool(workers=2) as pool:
        worker = multiprocessing.active_children()[0]
        os.kill(worker.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while worker.exitcode is None and time.monotonic() < deadline:
            worker.join(timeout=0.05)
        assert _as_tuple(pool.parse_feed(body, {}, **OPTIONS)) == _as_tuple(parse_feed(body, {}, **OPTIONS))
        assert not pool.running  # what follows is parsed and extracted in-process
