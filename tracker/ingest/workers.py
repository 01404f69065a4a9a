"""Parsing and extraction in worker processes, ahead of the writer.

Both are CPU-bound pure Python, so in one process they take turns with
everything else on one core. With a pool, a large feed is parsed in parts on
every core at once (split.py), then forked workers extract the next entries of
a poll and make their events while the poller appends the ones before (each append waits for its
commit to reach the disk), and polls of several feeds extract on every core
instead of sharing one.

Only where the platform forks (Linux): a fork costs about 10 ms and the workers
inherit the rules, which `start()` loads first (once, about 0.3 s), where
starting fresh interpreters would cost seconds of imports each. The workers are
forked in `start()`, which the caller runs before it starts threads of its own
(a fork copies only the calling thread, so no lock of another thread is
inherited half-held). Elsewhere, when
not started, and for a handful of entries, extraction runs in the calling
process. The results are the same either way: extraction is deterministic.
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .documents import PreparedRevision, prepare_revision
from .entries import Candidate, ParsedFeed, merge_parts, parse_feed
from .split import split_feed

# Fewer entries than this are extracted in-process: shipping them to a worker
# and back would cost more than it saves.
MIN_BATCH = 32
CHUNK = 8  # entries sent to a worker at a time
# A feed is parsed in parts only from this many entries a part: below, the
# parts' shared head and tail (parsed once each) and the round trip outweigh the gain.
MIN_PART = 64
AHEAD = 4  # chunks per worker submitted ahead of the one being stored
# The poller is the critical path: it parses, then stores each entry in order,
# waiting on every commit. At normal priority the workers keep every core busy,
# so each time the poller wakes from a commit it queues behind them; lowered
# (nice +10) they yield at once and still get every idle cycle. Measured with
# `tracker bench --section ingest` on 2 cores: about a sixth more entries per second.
WORKER_NICENESS = 10
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def default_workers() -> int:
    """One worker per core; the poller's own process mostly waits on commits."""
    return os.cpu_count() or 1


class WorkerPool:
    def __init__(self, workers: int | None = None):
        self.workers = default_workers() if workers is None else workers
        self._executor: ProcessPoolExecutor | None = None

    @property
    def running(self) -> bool:
        return self._executor is not None

    def start(self) -> WorkerPool:
        """Fork the workers now (where the platform forks and workers were asked for)."""
        if self._executor is None and self.workers > 0 and sys.platform == "linux":
            from .. import extract

            extract.load_rules()  # here, once: every worker inherits them
            # Objects alive now (modules, rules) leave the collector's view: a worker's
            # collections do not write to the pages it shares with this process, and
            # this process's full collections skip them (as the gc docs advise for fork).
            gc.freeze()
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_init,
                initargs=(os.getpid(),),
            )
            self._executor.submit(int).result()  # forks every worker (3.11+ forks them all at once)
        return self

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            gc.unfreeze()  # collectable again, as a later pool freezes what is alive then

    def __enter__(self) -> WorkerPool:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def parse_feed(self, body: bytes, headers: dict[str, str], **options) -> ParsedFeed:
        """entries.parse_feed on the workers, a part of the feed each, where
        the feed is large and can be cut (split.py); else in this process. The
        result is the same either way: a part feedparser finds ill-formed sends
        the whole feed to a single parse."""
        # Two parts a worker, so one slow part does not leave a core idle; one worker gains nothing.
        parallel = self._executor is not None and self.workers > 1
        parts = split_feed(body, 2 * self.workers, MIN_PART) if parallel else None
        if parts is not None:
            try:
                futures = [self._executor.submit(parse_feed, part, headers, **options) for part in parts]
                parsed = [f.result() for f in futures]
            except BrokenProcessPool:
                self._executor = None
            else:
                if all(p.problem is None for p in parsed):
                    return merge_parts(parsed)
        return parse_feed(body, headers, **options)

    def prepare_all(self, work: Sequence[tuple[Candidate, int]]) -> Iterator[PreparedRevision]:
        """For each (candidate, revision), in order, the events that store it
        (extraction included), made while the caller stores the ones before. At
        most a few chunks per worker are ahead, so a huge feed does not pile its
        events up in memory."""
        if self._executor is None or len(work) < MIN_BATCH:
            for candidate, revision in work:
                yield _prepare(candidate, revision)
            return
        chunks = (work[i : i + CHUNK] for i in range(0, len(work), CHUNK))
        ahead: deque[Future] = deque()
        done = 0
        try:
            for chunk in itertools.islice(chunks, AHEAD * self.workers):
                ahead.append(self._executor.submit(_prepare_chunk, chunk))
            while ahead:
                for prepared in ahead.popleft().result():
                    yield prepared
                    done += 1
                chunk = next(chunks, None)
                if chunk is not None:
                    ahead.append(self._executor.submit(_prepare_chunk, chunk))
        except BrokenProcessPool:
            # A worker died (killed, out of memory): the rest are prepared here,
            # and so is everything after, so a lost worker costs speed, not data.
            self._executor = None
            for candidate, revision in work[done:]:
                yield _prepare(candidate, revision)
        finally:
            for future in ahead:  # the caller stopped early: drop what is still queued
                future.cancel()


def _prepare_chunk(work: Sequence[tuple[Candidate, int]]) -> list[PreparedRevision]:
    return [_prepare(candidate, revision) for candidate, revision in work]


def _prepare(candidate: Candidate, revision: int) -> PreparedRevision:
    from .. import extract as extractor

    return prepare_revision(extractor, candidate, revision)


def _worker_init(parent: int) -> None:
    # A worker must not outlive its parent: it holds copies of the parent's open
    # sockets, so a PostgreSQL connection of a killed parent (and the locks its
    # transaction holds) would stay open until the worker ended. Linux kills it with
    # the parent (prctl PR_SET_PDEATHSIG); the check covers a parent already gone.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)
    # Ctrl-C reaches the whole process group; the parent decides how to stop,
    # and a worker just finishes its entry instead of printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's SIGTERM handler (copied by the fork) is for the parent: a worker
    # told to terminate simply ends (the parent extracts what is left itself).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.nice(WORKER_NICENESS)
