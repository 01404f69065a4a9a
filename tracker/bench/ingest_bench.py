"""Ingestion benchmark: a local feed of N entries of about 2,000 characters,
ingested end to end (parse, extract, append: one transaction per document) in
a scratch database, beside `feedparser.parse` alone on the same bytes, measured
in the same run. Also the parts on their own, so a reader sees where the time
goes, and a re-poll of the same entries (the common case once a feed is known).
The append part stores the documents' events as ingestion does, one transaction
(so one fsync, synchronous=FULL) per document: on a slow disk it is the floor
under the whole. The end-to-end figure is what `tracker ingest` does: forked
worker processes (one per core) parse the feed in parts, then extract and make
each document's events while the poller appends, the best of three runs, each
after one of the three `feedparser.parse` runs of the baseline; the same ingest
in one process is shown beside it.

The articles are generated here: one third German and one third English news
about the tracked conflict (two sentences with claims, then background, so
extraction does its full work), one third unrelated news (so relevance checks
do theirs). All of it is invented.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from xml.sax.saxutils import escape

import feedparser

from ..ingest.config import parse_config
from ..ingest.documents import DocumentWriter
from ..ingest.entries import parse_feed
from ..ingest.workers import WorkerPool
from ..ingest.runner import ingest_once
from ..store import NO_STREAM, EventStore
from . import Measurement
from .scratch import scratch_database

# Each conflict article opens with two sentences carrying claims (a figure and a
# position or contact, as a typical wire report does) and goes on with background.
_DE_CLAIMS = [
    "Bei den Kämpfen um Berg-Karabach sind seit Sonntag mehr als {n} Menschen getötet worden, darunter {c} Zivilisten.",
    "Das Verteidigungsministerium in Eriwan teilte am Dienstag mit, {m} armenische Soldaten seien verwundet worden.",
    "Aserbaidschan ist nach Angaben seines Außenministeriums zu einem Waffenstillstand bereit, wenn Armenien seine Truppen abzieht.",
    "Der russische Außenminister Sergej Lawrow telefonierte am Mittwoch mit seinem aserbaidschanischen Amtskollegen.",
]
_DE_BACKGROUND = [
    "Die Lage in der Region blieb nach Angaben von Beobachtern angespannt; Hilfsorganisationen riefen zur Zurückhaltung auf.",
    "In der Hauptstadt der Region waren in der Nacht erneut Sirenen zu hören, viele Bewohner suchten Schutz in Kellern.",
    "Die Straßen in die umkämpften Dörfer sind beschädigt, Lieferungen von Lebensmitteln und Medikamenten kommen nur langsam voran.",
    "Diplomaten in Wien und Genf bemühen sich seit Tagen um Gespräche, bislang ohne sichtbares Ergebnis.",
    "Viele Familien haben die Grenzorte verlassen und sind bei Verwandten in anderen Landesteilen untergekommen.",
    "Beobachter verweisen auf die lange Vorgeschichte des Streits, der seit dem Ende der Sowjetunion ungelöst ist.",
]
_EN_CLAIMS = [
    "More than {n} people have been killed in the fighting over Nagorno-Karabakh since Sunday, including {c} civilians.",
    "The prosecutor's office in Baku said on Monday that {m} civilians had been wounded on the Azerbaijani side.",
    "Armenia said it was ready to negotiate within the Minsk Group of the OSCE, the foreign ministry in Yerevan said.",
    "Foreign Minister Sergey Lavrov met his Armenian counterpart in Moscow on Thursday, the Russian foreign ministry said.",
]
_EN_BACKGROUND = [
    "Residents of Nagorno-Karabakh described nights spent in basements as shelling continued around several villages.",
    "Aid groups said roads into the area were damaged, making deliveries of food and medicine slow and dangerous.",
    "Diplomats in Vienna and Geneva have been trying for days to bring both sides to the table, so far without result.",
    "Many families have left the border villages and are staying with relatives in other parts of the country.",
    "Analysts point to the long history of the dispute, which has remained unresolved since the end of the Soviet Union.",
    "Schools in the regional capital stayed closed, and public transport ran only during daylight hours.",
]
_OTHER = [
    "The city council approved a new budget on Tuesday after a debate that lasted {n} minutes.",
    "About {m} runners took part in the annual half marathon, organisers said, {c} more than last year.",
    "The central bank left interest rates unchanged, citing slowing inflation and a cooling labour market.",
    "A new exhibition of early photography opened at the museum and will run until the end of the year.",
    "Train services between the two cities will be reduced during the summer because of track repairs.",
    "The local football club signed two young players and announced a new coach for the coming season.",
]


def article(i: int, size: int = 2000) -> tuple[str, str]:
    """(title, text of about `size` characters) for entry `i`: German conflict
    news, English conflict news or unrelated news, in turn."""
    kind = i % 3
    if kind == 2:
        title, opening, pool = "City news", [], _OTHER
    else:
        claims, pool = (_DE_CLAIMS, _DE_BACKGROUND) if kind == 0 else (_EN_CLAIMS, _EN_BACKGROUND)
        title = "Kämpfe um Berg-Karabach" if kind == 0 else "Fighting over Nagorno-Karabakh"
        opening = [claims[i % 2], claims[2 + i % 2]]
    sentences, k = list(opening), 0
    while sum(len(s) + 1 for s in sentences) < size:
        sentences.append(pool[(i + k) % len(pool)])
        k += 1
    figures = {"n": 150 + i % 400, "c": 10 + i % 90, "m": 20 + (i * 3) % 300}
    text = " ".join(s.format(**figures) for s in sentences)[:size]
    return f"{title} ({i})", text[: text.rfind(".") + 1] or text


def synthetic_feed(entries: int, size: int = 2000) -> bytes:
    items = []
    for i in range(entries):
        title, text = article(i, size)
        day = 1 + i % 28
        items.append(
            f"<item><title>{escape(title)}</title><link>https://bench.invalid/{i}</link>"
            f'<guid isPermaLink="true">https://bench.invalid/{i}</guid>'
            f"<pubDate>Tue, {day:02d} Jul 2025 10:00:00 +0000</pubDate>"
            f"<description>{escape('<p>' + text + '</p>')}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>bench</title>'
        "<link>https://bench.invalid/</link><description>invented articles for the benchmark</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode("utf-8")


def feedparser_per_s(entries: int = 1000, size: int = 2000) -> float:
    """Entries per second of CPU time that `feedparser.parse` alone reads from a
    feed of `entries` such articles: a yardstick of this machine's speed (the
    issues quote it for theirs) for figures with no database baseline."""
    body = synthetic_feed(entries, size)
    feedparser.parse(synthetic_feed(3, size))  # warm up: imports, caches
    started = time.process_time()
    feedparser.parse(body)
    return entries / (time.process_time() - started)


def _feedparser_on_every_core(path: str, workers: int, runs: int) -> float:
    """The best wall time of `feedparser.parse` reading the feed in `workers`
    processes at once (one per core, as the ingest's workers). Against feedparser
    alone it shows what the cores give together: the ingest runs on all of them,
    its baseline on one (on a VM whose cores share a physical one, two are far
    from twice one)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_parse_file, [path] * workers))  # forked and warmed up
        return _best_of(runs, lambda: list(pool.map(_parse_file, [path] * workers)))


def _parse_file(path: str) -> None:
    with open(path, "rb") as f:
        feedparser.parse(f.read())


def _start_clock() -> float:
    """The time now, after collecting the garbage of earlier steps: otherwise a step can
    pay for a full collection of another's objects (60 ms at the re-poll, measured)."""
    gc.collect()
    return time.perf_counter()


def _best_of(runs: int, work) -> float:
    """The shortest wall time of `runs` calls of `work`."""
    best = float("inf")
    for _ in range(runs):
        started = _start_clock()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _check_new(result, entries: int) -> None:
    if result.new != entries:
        raise RuntimeError(f"bench ingested {result.new} of {entries} entries: {result.error or result.status}")


def run_ingest_bench(url: str, entries: int = 1000, size: int = 2000) -> list[Measurement]:
    from ..extract import extract

    body = synthetic_feed(entries, size)
    fd, path = tempfile.mkstemp(prefix="tracker-bench-feed-", suffix=".xml")
    os.close(fd)
    try:
        with open(path, "wb") as f:
            f.write(body)
        config = parse_config(f"feeds:\n  - {{name: bench, url: '{path}', language: de, interval: 1h}}\n")
        # Warm up outside the clock: registries, regexes, imports.
        extract(article(0)[1])
        feedparser.parse(synthetic_feed(3, size))

        started = _start_clock()
        candidates = parse_feed(body, {}, source="bench", language=None, fetched_at=None).candidates
        parse_s = time.perf_counter() - started

        writer = DocumentWriter(store=None)  # extracts and makes events; writes nothing
        started = _start_clock()
        prepared = [writer.prepare(c, 1) for c in candidates]
        prepare_s = time.perf_counter() - started

        with scratch_database(url) as scratch:
            store = EventStore(scratch.engine)
            started = _start_clock()
            for candidate, revision in zip(candidates, prepared):
                store.append_encoded(candidate.stream, revision.events, expected_version=NO_STREAM)
            append_s = time.perf_counter() - started

        with scratch_database(url) as scratch, WorkerPool(workers=0) as in_process:
            started = _start_clock()
            _check_new(ingest_once(scratch.engine, config, worker_pool=in_process).results[0], entries)
            one_process_s = time.perf_counter() - started

        # Best of three, feedparser alone and the end-to-end ingest taking turns: on a
        # shared machine a run of a second or two can be a quarter slower for no reason
        # of its own, and the machine's speed drifts within a minute, so both are
        # measured in the same stretches of time.
        feedparser_s = ingest_s = float("inf")
        for run in range(3):
            started = _start_clock()
            feedparser.parse(body)
            feedparser_s = min(feedparser_s, time.perf_counter() - started)
            with scratch_database(url) as scratch:
                started = _start_clock()  # as `tracker ingest` runs it: the worker processes' start included
                with WorkerPool() as pool:
                    _check_new(ingest_once(scratch.engine, config, worker_pool=pool).results[0], entries)
                ingest_s = min(ingest_s, time.perf_counter() - started)
                if run < 2:
                    continue
                # The same entries in new bytes: what a poll of a known feed costs.
                with open(path, "ab") as f:
                    f.write(b"\n")
                started = _start_clock()
                again = ingest_once(scratch.engine, config).results[0]
                again_s = time.perf_counter() - started
                if again.unchanged != entries:
                    raise RuntimeError(f"bench re-poll found {again.unchanged} of {entries} entries unchanged")
        both_cores_s = _feedparser_on_every_core(path, pool.workers, runs=3)
    finally:
        os.remove(path)
    baseline = entries / feedparser_s

    chars = f"{size:,}-character"
    return [
        Measurement("ingest", f"ingest {entries:,} new {chars} entries (parse, extract, append)", entries, ingest_s,
                    "feedparser.parse alone", baseline, unit="entries"),
        Measurement("ingest", f"  the same in one process (one core, not {pool.workers} workers)", entries,
                    one_process_s, "feedparser.parse alone", baseline, unit="entries"),
        Measurement("ingest", "  part: parse to documents (one core)", entries, parse_s, "feedparser.parse alone", baseline, unit="entries"),
        Measurement("ingest", "  part: extract, make the events", entries, prepare_s, "feedparser.parse alone", baseline, unit="entries"),
        Measurement("ingest", "  part: append, a transaction each", entries, append_s, "feedparser.parse alone", baseline,
                    unit="entries"),
        Measurement("ingest", f"feedparser.parse alone, in {pool.workers} processes at once (the cores together)",
                    pool.workers * entries, both_cores_s, "feedparser.parse alone", baseline, unit="entries"),
        Measurement("ingest", "re-poll, same entries in new bytes", entries, again_s, "feedparser.parse alone", baseline,
                    unit="entries"),
    ]
