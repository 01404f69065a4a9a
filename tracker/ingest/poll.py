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
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import Engine

from ..store import EventStore
from ..store.events import utc_now
from .config import FeedConfig, FeedsConfig
from .documents import DocumentWriter
from .entries import Candidate, matches_keywords, parse_feed
from .fetch import Fetcher
from .state import FeedState, FeedStates, PollOutcome, make_owner

ENTRY_BATCH = 200  # feed_entries rows written per transaction
APPEND_QUEUE = 4  # documents extracted ahead of the one being committed

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
    ):
        self.config = config
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

        parsed = parse_feed(
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
        """Store each new or changed entry. Returns why it stopped early (if it did)
        and the feed_entries rows still to write.

        This thread decides and extracts; an appender thread commits, in order. So
        one entry's extraction (CPU) overlaps the previous entry's commit (disk,
        waited for without holding the GIL), and each document is still its own
        transaction.
        """
        known = self.states.known_entries(feed.name, [c.document_id for c in candidates])
        # A thread pays off only when there is a queue to overlap with.
        appender = _Appender(self, feed.name, result, len(candidates), threaded=len(candidates) > 2 * APPEND_QUEUE)
        beat_every, last_beat = self.lease / 3, time.monotonic()
        stopped = None
        try:
            for candidate in candidates:
                if self.stop.is_set():
                    stopped = "stopped before every entry was stored; the rest follow on the next poll"
                    break
                if appender.error is not None:
                    break
                if time.monotonic() - last_beat > beat_every:
                    if not self.states.heartbeat(feed.name, self.owner, self.lease):
                        stopped = "lease lost: another worker took this feed over"
                        break
                    last_beat = time.monotonic()
                appender.put(self._step(feed, candidate, known.get(candidate.document_id)))
        finally:
            # On a stop, what is queued is dropped: it is not stored, and the feed
            # stays due, so the next poll stores it.
            entries = appender.finish(abandon=stopped is not None)
        if appender.error is not None:
            with contextlib.suppress(Exception):  # best effort: a lagging entry table is caught up later
                self.states.record_entries(feed.name, entries)
            raise appender.error
        return stopped, entries

    def _step(self, feed: FeedConfig, candidate: Candidate, seen: tuple[str, int] | None) -> tuple:
        """What to do with one entry: (kind, candidate, payload)."""
        sha = candidate.text_sha256
        wanted = matches_keywords(candidate, feed.keywords)
        if seen is not None and seen[0] == sha and (seen[1] > 0 or not wanted):
            return ("unchanged", candidate, None)
        if not wanted:
            return ("filtered", candidate, None)
        if seen is None:
            # Never shown by this feed: almost always a new document. The append
            # expects no stream and falls back to the careful path if there is one.
            return ("write", candidate, self.writer.prepare(candidate, None))
        stored = self.writer.latest(candidate.document_id)
        if stored is not None and stored.text_sha256 == sha:
            return ("stored", candidate, stored.revision)  # stored, but the entry table lagged (a crash)
        return ("write", candidate, self.writer.prepare(candidate, stored))


class _Appender:
    """Commits prepared documents in order and keeps the poll's counts: on a
    thread of its own for a long feed, inline for a short one."""

    def __init__(self, poller: Poller, feed: str, result: FeedResult, total: int, threaded: bool):
        self.poller, self.feed, self.result, self.total = poller, feed, result, total
        self.error: BaseException | None = None
        self.abandoned = False
        self.done = 0
        self.pending: list[tuple[str, str, int]] = []
        self.queue: queue.Queue | None = None
        self.thread = None
        if threaded:
            self.queue = queue.Queue(maxsize=APPEND_QUEUE)
            self.thread = threading.Thread(target=self._run, name=f"tracker-append-{feed}", daemon=True)
            self.thread.start()

    def put(self, step: tuple) -> None:
        if self.queue is not None:
            self.queue.put(step)
        elif self.error is None:
            self._guarded(step)

    def finish(self, abandon: bool) -> list[tuple[str, str, int]]:
        """Wait for the queue; the entry rows not yet written are returned, to be
        written with the poll's outcome in one transaction."""
        self.abandoned = abandon
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
        return self.pending

    def _run(self) -> None:
        while (step := self.queue.get()) is not None:
            if self.error is None and not self.abandoned:
                self._guarded(step)

    def _guarded(self, step: tuple) -> None:
        try:
            self._handle(step)
        except BaseException as exc:  # noqa: BLE001 - raised again by the polling thread
            self.error = exc

    def _handle(self, step: tuple) -> None:
        kind, candidate, payload = step
        doc, sha, result = candidate.document_id, candidate.text_sha256, self.result
        if kind == "unchanged":
            result.unchanged += 1
        elif kind == "filtered":
            result.filtered += 1
            self.pending.append((doc, sha, 0))
        elif kind == "stored":
            result.unchanged += 1
            self.pending.append((doc, sha, payload))
        else:
            written = self.poller.writer.commit(payload)
            if written.outcome == "new":
                result.new += 1
            elif written.outcome == "revised":
                result.revised += 1
            else:
                result.unchanged += 1
            result.claim_reports += written.claim_reports
            result.extraction_failures += written.extraction == "failed"
            self.pending.append((doc, sha, written.revision))
        if len(self.pending) >= ENTRY_BATCH:
            self.poller.states.record_entries(self.feed, self.pending)
            self.pending = []
        self.done += 1
        if self.poller.progress is not None:
            self.poller.progress(self.feed, self.done, self.total)
