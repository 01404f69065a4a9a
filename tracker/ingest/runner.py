"""Polling feeds: once (`tracker ingest`) or on their schedules (`tracker run`).

Both run polls in a thread pool, so one slow or hung feed holds one worker
slot, never the others; each fetch is bounded by its own timeouts and deadline.

`tracker run` uses APScheduler 3 only as a metronome: a short periodic tick
claims the feeds that are due from the `feeds` table (see state.py) and hands
them to the pool. The tick job is set up deliberately:
- misfire_grace_time=None: a tick that starts late (a busy machine, a laptop
  waking up) still runs, instead of being skipped after APScheduler's default
  one-second grace; nothing is lost by running late, since what is due is read
  from the table;
- coalesce=True: ticks missed while the process was suspended run once, not
  in a burst;
- max_instances=1: a tick slowed down by a busy database never overlaps itself.
Jitter is added to each feed's next poll (state.jitter), so feeds added at the
same time drift apart instead of being fetched in lockstep forever.

Stopping (SIGINT/SIGTERM) sets an event: no new feed is claimed, each running
poll stops after the document it is storing (one transaction each), gives
its lease back, and the feed is due again for whichever worker runs next.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from .config import ConfigError, FeedsConfig, load_config
from .poll import FeedResult, Poller, Progress
from .workers import WorkerPool
from .state import FeedStates, make_owner, now_utc, ts


@dataclass
class IngestSummary:
    results: list[FeedResult] = field(default_factory=list)

    def totals(self) -> dict:
        polled = [r for r in self.results if r.status not in ("busy", "skipped")]
        return {
            "feeds_polled": len(polled),
            "not_modified": sum(r.status == "not_modified" for r in self.results),
            "new_documents": sum(r.new for r in self.results),
            "revised_documents": sum(r.revised for r in self.results),
            "unchanged_documents": sum(r.unchanged for r in self.results),
            "filtered_entries": sum(r.filtered for r in self.results),
            "new_claim_reports": sum(r.claim_reports for r in self.results),
            "extraction_failures": sum(r.extraction_failures for r in self.results),
            "errors": sum(r.status in ("error", "throttled", "gone") for r in self.results),
            "skipped": sum(r.status in ("busy", "skipped") for r in self.results),
        }

    def as_dict(self) -> dict:
        return {**self.totals(), "feeds": [r.as_dict() for r in self.results]}


def ingest_once(
    engine: Engine,
    config: FeedsConfig,
    names: list[str] | None = None,
    *,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    worker_pool: WorkerPool | None = None,
) -> IngestSummary:
    """Poll every enabled feed (or the named ones) once, whatever their schedule.

    Without names, feeds that are gone (HTTP 410) or inside a Retry-After the
    server asked for are skipped; naming a feed polls it regardless. Parsing and
    extraction run in `worker_pool` (its own one when not given, forked before
    any thread of this call starts).
    """
    states = FeedStates(engine)
    states.sync(config.feeds)
    stop = stop or threading.Event()
    summary = IngestSummary()
    if names:
        targets = [config.feed(n) for n in names]
    else:
        rows = {r.name: r for r in states.all()}
        now = ts(now_utc())
        targets = []
        for feed in config.feeds:
            row = rows[feed.name]
            if not feed.enabled:
                continue
            if row.status == "gone":
                summary.results.append(FeedResult(feed.name, "skipped", error="gone (HTTP 410); name it with --feed to try again"))
            elif row.status == "throttled" and (row.next_poll_at or "") > now:
                summary.results.append(FeedResult(feed.name, "skipped", error=f"server asked to wait until {row.next_poll_at}"))
            else:
                targets.append(feed)
    owner = make_owner()
    claimed = {r.name: r for r in states.claim_named(owner, [f.name for f in targets], config.schedule.lease)}
    for feed in targets:
        if feed.name not in claimed:
            holder = states.get(feed.name)
            summary.results.append(
                FeedResult(feed.name, "busy", error=f"being polled by {holder.lease_owner if holder else 'another worker'}")
            )
    own_pool = worker_pool is None and bool(claimed)
    if own_pool:
        worker_pool = WorkerPool().start()
    poller = Poller(engine, config, owner=owner, stop=stop, progress=progress, worker_pool=worker_pool)
    try:
        with ThreadPoolExecutor(config.schedule.workers, thread_name_prefix="tracker-poll") as pool:
            futures = [pool.submit(poller.poll, f, claimed[f.name]) for f in targets if f.name in claimed]
            try:
                for future in futures:
                    summary.results.append(future.result())
            except KeyboardInterrupt:
                stop.set()  # running polls end after the document they are storing
                raise
    finally:
        poller.close()
        if own_pool:
            worker_pool.close()
    order = {f.name: i for i, f in enumerate(config.feeds)}
    summary.results.sort(key=lambda r: order.get(r.feed, len(order)))
    return summary


class Scheduler:
    """`tracker run`: poll every enabled feed on its interval until stopped."""

    def __init__(
        self,
        engine: Engine,
        config: FeedsConfig,
        *,
        config_path: str | Path | None = None,
        stop: threading.Event | None = None,
        on_result: Callable[[FeedResult], None] | None = None,
        on_message: Callable[[str], None] | None = None,
    ):
        self.engine = engine
        self.config = config
        self.config_path = Path(config_path) if config_path else None
        self._config_mtime = self._mtime()
        self.stop = stop or threading.Event()
        self.on_result = on_result or (lambda r: None)
        self.on_message = on_message or (lambda m: None)
        self.states = FeedStates(engine)
        self.owner = make_owner()
        self.workers = config.schedule.workers
        self._running: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._pollers: list[Poller] = []
        self._worker_pool = WorkerPool()

    def run(self) -> None:
        """Block until `stop` is set, then finish cleanly."""
        self.states.sync(self.config.feeds)
        self._worker_pool.start()  # forks: before this process starts threads of its own
        self._pollers = [self._poller(self.config)]
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="tracker-poll")
        scheduler = BackgroundScheduler(timezone=timezone.utc)
        scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.config.schedule.tick, timezone=timezone.utc),
            args=(pool,),
            id="tick",
            next_run_time=datetime.now(timezone.utc),
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )
        scheduler.start()
        try:
            while not self.stop.wait(0.2):
                pass
        finally:
            scheduler.shutdown(wait=True)  # lets a running tick finish; no new ones
            pool.shutdown(wait=True)  # running polls stop after their current document
            for poller in self._pollers:
                poller.close()
            self._worker_pool.close()

    def _poller(self, config: FeedsConfig) -> Poller:
        return Poller(self.engine, config, owner=self.owner, stop=self.stop, worker_pool=self._worker_pool)

    def _tick(self, pool: ThreadPoolExecutor) -> None:
        if self.stop.is_set():
            return
        try:
            self._reload_config()
            with self._lock:
                free = self.workers - len(self._running)
            if free <= 0:
                return
            for row in self.states.claim_due(self.owner, free, self.config.schedule.lease):
                try:
                    feed = self.config.feed(row.name)
                except KeyError:
                    self.states.release(row.name, self.owner)
                    continue
                with self._lock:
                    future = pool.submit(self._pollers[-1].poll, feed, row)
                    self._running[row.name] = future
                future.add_done_callback(lambda f, name=row.name: self._done(name, f))
        except Exception as exc:  # noqa: BLE001 - a failed tick is reported; the next one retries
            self.on_message(f"tick failed: {type(exc).__name__}: {exc}")

    def _done(self, name: str, future: Future) -> None:
        with self._lock:
            self._running.pop(name, None)
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            self.on_message(f"{name}: poll failed: {type(exc).__name__}: {exc}")
        else:
            self.on_result(future.result())

    def _mtime(self) -> float | None:
        try:
            return self.config_path.stat().st_mtime if self.config_path else None
        except OSError:
            return None

    def _reload_config(self) -> None:
        """Pick up an edited feeds.yaml; a bad edit keeps the running config."""
        mtime = self._mtime()
        if mtime is None or mtime == self._config_mtime:
            return
        self._config_mtime = mtime
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            self.on_message(f"{exc}\n  (still running with the previous configuration)")
            return
        self.states.sync(config.feeds)
        self.config = config
        # Polls still running keep the poller they started with.
        self._pollers.append(self._poller(config))
        self.on_message(f"{self.config_path}: reloaded, {len(config.feeds)} feeds")


@contextmanager
def stop_on_signals(stop: threading.Event, on_signal: Callable[[str], None] | None = None) -> Iterator[None]:
    """SIGINT/SIGTERM set `stop` (a clean stop after the current transaction);
    a second signal interrupts at once."""
    previous = {}

    def handler(signum, frame):
        name = signal.Signals(signum).name
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        if on_signal is not None:
            on_signal(name)

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
