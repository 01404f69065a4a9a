"""Query benchmark: a log of N realistic events (documents with about nine claim
reports each, over a few thousand claim keys), then

- the projections' incremental catch-up and a full rebuild, in events/s, beside
  the raw replay baseline: stdlib sqlite3 SELECT of the same rows (and the
  store's own decoding replay, read_all);
- the query functions the CLI calls (`claims`, `history` of one key, and the
  time-travel variants), in milliseconds per call after catch-up (median of
  several runs), beside a raw sqlite3 SELECT of the rows each one reads.

Everything runs in a scratch database beside the given one (bench/scratch.py).
The payloads are built as plain dicts in the shape the domain writes
(`to_event_data`): validating a million pydantic models would take longer than
the measurements.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator

from ..domain import events as domain_events
from ..store import EventStore, NewEvent
from ..projections import ProjectionRunner, Queries
from . import Measurement
from ..store.engine import parse_url
from .scratch import scratch_database

APPEND_BATCH = 2_000
REPORTS_PER_DOCUMENT = 9
QUERY_RUNS = 15
ACTORS = ["ARM", "AZE", "TUR", "RUS", "USA", "FRA", "ITA", "IRN", "GEO", "DEU", "OSCE", "UN"]
CLAIMANTS = ["ARM", "AZE", "PRESS", "TUR", "RUS"]
STANCES = ["ready_to_negotiate", "conditional", "calls_for_ceasefire", "rejects", "agreed"]
MEDIA = ["phone_call", "meeting", "joint_statement", "press_conference"]
_FILLER = (
    "Bei den Gefechten um die Region wurden nach Angaben beider Seiten erneut Dörfer beschossen. "
    "The defence ministry in Yerevan said its positions had come under artillery fire overnight. "
)
DOCUMENT_VERSION = domain_events.DocumentIngested.SCHEMA_VERSION
REPORT_VERSION = domain_events.ClaimReported.SCHEMA_VERSION


def claim_keys(count: int) -> list[tuple[str, str, dict]]:
    """(claim key, kind, subject): every casualty and stance key, then dated contacts."""
    keys = []
    for measure in ("killed", "wounded", "missing"):
        for group in ("total", "civilians", "military"):
            for side in [None, "ARM", "AZE"]:
                subject = {"measure": measure, "group": group, "side": side}
                keys.append(("/".join(["casualties", measure, group] + ([side] if side else [])), "casualties", subject))
    for actor in ACTORS:
        keys.append((f"ceasefire_position/{actor}", "ceasefire_position", {"actor": actor}))
    day = 0
    while len(keys) < count:
        a, b = sorted(random.Random(day).sample(ACTORS, 2))
        medium = MEDIA[day % len(MEDIA)]
        date = f"2025-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}"
        subject = {"participants": [a, b], "medium": medium}
        keys.append((f"diplomatic_contact/{medium}/{a}+{b}/{date}", "diplomatic_contact", subject))
        day += 1
    return keys[:count]


def synthetic_log(n: int, keys: int = 3_000, seed: int = 7) -> Iterator[NewEvent]:
    """N events: per document one DocumentIngested and its ClaimReported events."""
    rng = random.Random(seed)
    catalogue = claim_keys(keys)
    produced = doc = 0
    while produced < n:
        document_id = f"{doc:024x}"
        day = 1 + doc // 400 % 28
        month = 1 + doc // 11_200 % 12
        published = {"value": f"2025-{month:02d}-{day:02d}", "precision": "day", "kind": "published"}
        text = f"Bericht {doc}. " + _FILLER * 8
        reports = min(REPORTS_PER_DOCUMENT, n - produced - 1)
        yield NewEvent(
            f"bench-doc-{doc}",
            "DocumentIngested",
            {
                "schema": DOCUMENT_VERSION, "document_id": document_id, "revision": 1, "source": "bench",
                "url": f"https://news.example.org/{doc}", "title": f"Bericht {doc}", "language": "de",
                "text": text, "text_sha256": "0" * 64, "published": published,
                "fetched_at": f"2025-{month:02d}-{day:02d}T12:00:00.000000Z", "warnings": [],
                "extraction": {"status": "ok", "error": None, "extractor_version": "bench-1", "relevant_conflict": "nagorno-karabakh"},
            },
        )
        produced += 1
        for index in range(reports):
            key, kind, subject = catalogue[rng.randrange(len(catalogue))]
            claimant = CLAIMANTS[rng.randrange(len(CLAIMANTS))]
            if kind == "casualties":
                count = rng.randrange(20, 3000)
                value = {"count": count, "qualifier": "exact", "low": count, "high": count, "wording": str(count),
                         "cumulative": True, "part_of": None}
            elif kind == "ceasefire_position":
                value = {"stance": STANCES[rng.randrange(5)], "condition": None, "venue": None}
            else:
                value = {"topic": "Karabakh", "outcome": None}
            start = 20 + index * 60
            yield NewEvent(
                f"bench-report-{doc}-{index}",
                "ClaimReported",
                {
                    "schema": REPORT_VERSION, "document_id": document_id, "revision": 1, "reported": published,
                    "report": {
                        "kind": kind, "claim_key": key, "subject": subject, "value": value, "claimed_by": claimant,
                        "speaker": None, "speaker_person": None,
                        "valid": {"date": published["value"], "precision": "day", "phrase": "am Freitag",
                                  "relation": {"weekday": 4}, "anchor": published["value"], "order": -index % 3},
                        "quote": text[start : start + 60], "span": [start, start + 60],
                        "extractor_version": "bench-1", "index": index,
                    },
                },
            )
            produced += 1
        doc += 1


def run_query_bench(url: str, n: int) -> list[Measurement]:
    if parse_url(url).get_backend_name() != "sqlite":
        # Its figures are defined on the embedded default; other sections still run.
        print("tracker bench: the query section runs on SQLite only; skipped", file=sys.stderr)
        return []
    with scratch_database(url) as scratch:
        store = EventStore(scratch.engine)
        runner = ProjectionRunner(scratch.engine, store)
        runner.catch_up()  # an empty log: stamps the projection version, so the next catch-up is incremental
        batch: list[NewEvent] = []
        for event in synthetic_log(n):
            batch.append(event)
            if len(batch) == APPEND_BATCH:
                store.append(f"bench-{event.event_id}", batch)
                batch = []
        if batch:
            store.append("bench-last", batch)

        catch_up = runner.catch_up()
        rebuild = ProjectionRunner(scratch.engine, store).rebuild()
        raw_rate = _raw_replay_rate(scratch.sqlite_path)
        started = time.perf_counter()
        decoded = sum(1 for _ in store.read_all())
        decode_rate = decoded / (time.perf_counter() - started)

        queries = Queries(scratch.engine, store)
        queries.catch_up()
        head = store.head().position
        key = "casualties/killed/total"
        raw = sqlite3.connect(scratch.sqlite_path)
        measurements = [
            Measurement("query", "projections catch-up (incremental, from 0)", catch_up.events, catch_up.seconds,
                        "sqlite3 SELECT (raw rows)", raw_rate),
            Measurement("query", "projections rebuild", rebuild.events, rebuild.seconds,
                        "sqlite3 SELECT (raw rows)", raw_rate),
            Measurement("query", "store replay read_all (decoded), for reference", decoded, decoded / decode_rate,
                        "sqlite3 SELECT (raw rows)", raw_rate),
        ]
        for name, call, baseline in [
            (f"claims, all {len(queries.claims())} keys, as JSON", lambda: queries.claims(raw=True),
             lambda: raw.execute("SELECT record FROM rm_claims ORDER BY claim_key").fetchall()),
            ("claims, all keys, as Python objects", queries.claims,
             lambda: raw.execute("SELECT record FROM rm_claims ORDER BY claim_key").fetchall()),
            ("claims of one key (claim)", lambda: queries.claim(key),
             lambda: raw.execute("SELECT record FROM rm_claims WHERE claim_key = ?", (key,)).fetchall()),
            (f"history {key} ({len(queries.history(key))} entries)", lambda: queries.history(key),
             lambda: raw.execute("SELECT r.position, r.order_key, e.data FROM rm_reports r JOIN events e "
                                 "ON e.position = r.position WHERE r.claim_key = ?", (key,)).fetchall()),
            ("claims --kind casualties", lambda: queries.claims(kind="casualties"),
             lambda: raw.execute("SELECT record FROM rm_claims WHERE kind = 'casualties'").fetchall()),
            (f"claims --as-of {head // 2}", lambda: queries.claims(as_of=head // 2), None),
            ("claims --at 2025-06-15", lambda: queries.claims(at="2025-06-15"), None),
            (f"history {key} --as-of {head // 2}", lambda: queries.history(key, as_of=head // 2), None),
            (f"changes --since {head - 1000}", lambda: queries.changes(head - 1000), None),
        ]:
            seconds = _median(call, QUERY_RUNS if baseline else 3)
            raw_seconds = _median(baseline, QUERY_RUNS) if baseline else None
            measurements.append(
                Measurement("query", f"{name}: {seconds * 1000:.1f} ms", 1, seconds,
                            "sqlite3 SELECT of its rows" if baseline else None,
                            1 / raw_seconds if raw_seconds else None, unit="queries")
            )
        raw.close()
        return measurements


def _raw_replay_rate(path: str) -> float:
    """The physical floor of a replay: every event row fetched by stdlib sqlite3."""
    raw = sqlite3.connect(path)
    started = time.perf_counter()
    count = 0
    for _ in raw.execute("SELECT position, event_id, stream, version, type, data, recorded_at, hash FROM events ORDER BY position"):
        count += 1
    seconds = time.perf_counter() - started
    raw.close()
    return count / seconds


def _median(call: Callable[[], object], runs: int) -> float:
    call()  # warm the page cache and the statement cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
