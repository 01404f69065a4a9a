"""One poll of one feed: fetch, parse, store each new or changed entry, record the outcome.

The feed's ETag, Last-Modified and body hash are only advanced once every
entry of the body is stored. A poll that stops half-way (Ctrl-C, a crash, a
lost lease) therefore leaves the feed due with its old validators, and the
next poll reads the same entries again: those already stored cost a lookup,
the rest are stored then. Nothing fetched is lost, nothing is stored twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from sqlalchemy import Engine

from ..store import EventStore
from ..store.events import utc_now
from .config import FeedConfig, FeedsConfig
from .documents import DocumentWriter, PreparedRevision
from .entries import Candidate, matches_keywords
from .workers import WorkerPool
from .fetch import Fetcher
from .state import FeedState, FeedStates, PollOutcome, make_owner

ENTRY_BATCH = 200  # feed_entries rows written per transaction

# (feed name, entries done, entries in the feed)
Progress = Callable[[str, int, int], None]


@dataclass
class FeedResult:
    feed: str
    status: str  # ok | not_modified | error | throttled | gone | interrupted | busy | skipped
    http_status: int | None = None
    entries: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    filtered: int = 0
    skipped_entries: int = 0  # empty or repeated within the feed
    extraction_failures: int = 0
    claim_reports: int = 0
    error: str | None = None
    problem: str | None = None  # the body was ill-formed but read anyway
    moved_to: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 3)
        return d


class Poller:
    """Polls feeds for one worker; thread-safe (each poll uses its own connections)."""

    def __init__(
        self,
        engine: Engine,
        config: FeedsConfig,
        *,
        owner: str | None = None,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
        worker_pool: WorkerPool | None = None,
    ):
        self.config = config
        # Not started: parsing and extraction stay in this process.
        self.worker_pool = worker_pool or WorkerPool(workers=0)
        self.states = FeedStates(engine)
        self.writer = DocumentWriter(EventStore(engine))
        self.fetcher = Fetcher(config.fetch)
        self.owner = owner or make_owner()
        self.stop = stop or threading.Event()
        self.progress = progress
        self.lease = config.schedule.lease

    def close(self) -> None:
        self.fetcher.close()

    def poll(self, feed: FeedConfig, row: FeedState) -> FeedResult:
        """Poll a feed whose lease this worker holds; always gives the lease back."""
        if self.stop.is_set():  # stopped while this poll waited for a free worker
            self.states.release(row.name, self.owner)
            return FeedResult(feed.name, "skipped", error="stopped before this feed was polled")
        started = time.monotonic()
        try:
            result, outcome = self._poll(feed, row)
        except Exception as exc:  # noqa: BLE001 - e.g. the database went away: count it, back off
            detail = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:300]
            result = FeedResult(feed.name, "error", error=detail)
            outcome = PollOutcome("error", error=detail)
        result.seconds = time.monotonic() - started
        if not self.states.finish(row, self.owner, outcome):
            result.error = (result.error + "; " if result.error else "") + "lease lost: another worker polled this feed"
        return result

    def _poll(self, feed: FeedConfig, row: FeedState) -> tuple[FeedResult, PollOutcome]:
        fetched_at = utc_now()
        if feed.is_http:
            fetched = self.fetcher.fetch(row.fetch_url, row.etag, row.last_modified)
        else:
            fetched = self.fetcher.fetch(feed.location or feed.url)
        result = FeedResult(feed.name, fetched.outcome, http_status=fetched.status, error=fetched.error, moved_to=fetched.moved_to)
        if fetched.outcome != "ok":
            return result, PollOutcome(
                fetched.outcome,
                http_status=fetched.status,
                error=fetched.error,
                moved_to=fetched.moved_to,
                retry_after=fetched.retry_after,
            )
        body_sha = hashlib.sha256(fetched.body).hexdigest()
        if body_sha == row.body_sha256:
            # The server ignored our conditional request but sent the same bytes.
            result.status = "not_modified"
            return result, PollOutcome("not_modified", http_status=fetched.status, moved_to=fetched.moved_to)

        parsed = self.worker_pool.parse_feed(
            fetched.body, fetched.headers, source=feed.name, language=feed.language, fetched_at=fetched_at
        )
        result.entries = parsed.entries
        result.problem = parsed.problem
        result.skipped_entries = parsed.empty + parsed.duplicates
        interrupted, entries = self._store_entries(feed, parsed.candidates, result)
        if interrupted:
            result.status = "interrupted"
            result.error = interrupted
            return result, PollOutcome("interrupted", http_status=fetched.status, error=interrupted, entries=entries)
        return result, PollOutcome(
            "ok",
            http_status=fetched.status,
            parse_problem=parsed.problem,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            body_sha256=body_sha,
            moved_to=fetched.moved_to,
            entries=entries,
        )

    def _store_entries(
        self, feed: FeedConfig, candidates: list[Candidate], result: FeedResult
    ) -> tuple[str | None, list[tuple[str, str, int]]]:
        """Store each new or changed entry, one transaction per document. Returns
        why it stopped early (if it did) and the feed_entries rows still to write
        (they are written with the poll's outcome)."""
        known = self.states.known_entries(feed.name, [c.document_id for c in candidates])
        plan = [(c, known.get(c.document_id)) for c in candidates]
        plan = [(c, seen, self._verdict(feed, c, seen)) for c, seen in plan]
        # Extracted and made into events ahead (in worker processes, where there are),
        # in the order they are stored, each as the revision this feed's entries
        # table expects (the writer makes them again if the stream says otherwise).
        prepared = self.worker_pool.prepare_all(
            [(c, seen[1] + 1 if seen else 1) for c, seen, verdict in plan if verdict == "write"]
        )
        pending: list[tuple[str, str, int]] = []
        beat_every, last_beat = self.lease / 3, time.monotonic()
        stopped = None
        try:
            for done, (candidate, seen, verdict) in enumerate(plan, 1):
                if self.stop.is_set():
                    stopped = "stopped before every entry was stored; the rest follow on the next poll"
                    break
                if time.monotonic() - last_beat > beat_every:
                    if not self.states.heartbeat(feed.name, self.owner, self.lease):
                        stopped = "lease lost: another worker took this feed over"
                        break
                    last_beat = time.monotonic()
                try:
                    row = self._store_entry(candidate, seen, verdict, prepared, result)
                except Exception:
                    with contextlib.suppress(Exception):  # best effort: a lagging entry table is caught up later
                        self.states.record_entries(feed.name, pending)
                    raise
                if row is not None:
                    pending.append(row)
                if len(pending) >= ENTRY_BATCH:
                    self.states.record_entries(feed.name, pending)
                    pending = []
                if self.progress is not None:
                    self.progress(feed.name, done, len(candidates))
        finally:
            prepared.close()  # stopped early: the workers drop the rest
        return stopped, pending

    @staticmethod
    def _verdict(feed: FeedConfig, candidate: Candidate, seen: tuple[str, int] | None) -> str:
        """What to do with an entry: "unchanged" (stored as it is), "filtered"
        (the feed's keywords exclude it) or "write"."""
        same_text = seen is not None and seen[0] == candidate.text_sha256  # seen: (text hash, revision)
        if same_text and seen[1] > 0:
            return "unchanged"  # the common case on a known feed: one dict lookup
        if not matches_keywords(candidate, feed.keywords):
            return "unchanged" if same_text else "filtered"
        return "write"

    def _store_entry(
        self,
        candidate: Candidate,
        seen: tuple[str, int] | None,
        verdict: str,
        prepared: Iterator[PreparedRevision],
        result: FeedResult,
    ) -> tuple[str, str, int] | None:
        """Act on the entry's verdict; returns its feed_entries row, if it changed."""
        if verdict == "unchanged":
            result.unchanged += 1
            return None
        if verdict == "filtered":
            result.filtered += 1
            return (candidate.document_id, candidate.text_sha256, 0)
        # Never shown by this feed: almost always a new document (see DocumentWriter.write).
        written = self.writer.write(candidate, assume_new=seen is None, prepared=next(prepared))
        if written.outcome == "new":
            result.new += 1
        elif written.outcome == "revised":
            result.revised += 1
        else:
            result.unchanged += 1  # stored already (the entry table lagged after a crash, or another feed)
        result.claim_reports += written.claim_reports
        result.extraction_failures += written.extraction == "failed"
        return (candidate.document_id, candidate.text_sha256, written.revision)
