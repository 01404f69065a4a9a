"""The generic event store: streams, versions, global positions, idempotency,
the hash chain and its verification. Knows nothing about claims."""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from contextlib import contextmanager

from orjson import loads
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from .events import (
    GENESIS_HASH,
    AppendResult,
    NewEvent,
    RecordedEvent,
    canonical_json,
    chain_hash,
    utc_now,
)

T = TypeVar("T")

ANY = -1  # expected_version: append whatever the stream's version
NO_STREAM = 0  # expected_version: the stream must not exist yet

MAX_ID_LENGTH = 64
MAX_STREAM_LENGTH = 255
_EVENT_COLUMNS = "position, event_id, stream, version, type, data, recorded_at, hash"
# A JSON path as read_all_fields takes it: "$", then ".key" or "[index]" steps.
_PATH_STEP = re.compile(r"\.([^\W\d]\w*)|\[(\d+)\]")  # a key (a word, not a number) or an index


class StoreError(Exception):
    """Base class of the store's errors; the message is one readable line."""


class ConcurrencyError(StoreError):
    def __init__(self, stream: str, expected: int, actual: int):
        self.stream, self.expected, self.actual = stream, expected, actual
        want = "no stream yet" if expected == NO_STREAM else f"version {expected}"
        super().__init__(
            f"stream {stream!r} moved: expected {want}, found version {actual}; nothing was written"
        )


class EventIdConflict(StoreError):
    """An event id is already stored with different content: ids must be derived
    from what an event records, so this is a bug in the caller, never a no-op."""


class SchemaMissing(StoreError):
    pass


@dataclass(frozen=True, slots=True)
class Head:
    position: int
    hash: str
    recorded_at: str


@dataclass(frozen=True, slots=True)
class Problem:
    position: int
    kind: str  # altered | missing | inserted | anchor
    detail: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.kind}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    checked: int
    head: Head
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


class EventStore:
    def __init__(self, engine: Engine, page_size: int = 2000):
        self.engine = engine
        self.page_size = page_size
        self._ph = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._postgres = engine.dialect.name == "postgresql"
        self._dbapi_error = engine.dialect.loaded_dbapi.Error
        # Fetching the JSON as bytes skips a UTF-8 decode that orjson redoes anyway.
        self._data_as_bytes = "convert_to(data, 'UTF8')" if self._postgres else "CAST(data AS BLOB)"

    # ---------------------------------------------------------------- writing

    def append(
        self, stream: str, events: Sequence[NewEvent], expected_version: int = ANY
    ) -> AppendResult:
        """Append `events` to `stream` atomically.

        Events whose id is already stored are skipped (reported in
        `duplicates`). If anything is left to write, `expected_version`
        (ANY, NO_STREAM or an exact version) must match the stream's
        current version, else ConcurrencyError and nothing is written.
        """
        _check_name("stream", stream, MAX_STREAM_LENGTH)
        return self._append(stream, encode_events(events), expected_version)

    def append_encoded(
        self, stream: str, encoded: Sequence[EncodedEvent], expected_version: int = ANY
    ) -> AppendResult:
        """`append` for events already made into (event id, type, data as
        canonical JSON) by `encode_events`: where events are made in one process
        and appended in another, three strings cross instead of nested dicts, and
        the writer does not encode them again."""
        _check_name("stream", stream, MAX_STREAM_LENGTH)
        if not encoded:
            raise ValueError("append needs at least one event")
        return self._append(stream, encoded, expected_version)

    def _append(self, stream: str, encoded: Sequence[EncodedEvent], expected_version: int) -> AppendResult:
        """Both appends, once their input is checked."""
        with self._raw() as raw:
            try:
                cur = raw.cursor()
                if not self._postgres:
                    cur.execute("BEGIN IMMEDIATE")
                result = self._append_locked(cur, stream, encoded, expected_version)
                raw.commit()
                return result
            except BaseException:
                raw.rollback()
                raise

    @contextmanager
    def _raw(self):
        """A pooled DBAPI connection. The write and replay paths use the
        driver directly: SQLAlchemy's per-statement overhead would otherwise
        cost more than the statements (see `tracker bench`). Driver errors are
        turned into SQLAlchemy's exceptions so callers see one kind."""
        raw = self.engine.raw_connection()
        try:
            yield raw
        except self._dbapi_error as exc:
            raise DBAPIError.instance(None, None, exc, self._dbapi_error) from exc
        finally:
            raw.close()

    def _append_locked(self, cur, stream, encoded, expected_version) -> AppendResult:
        ph = self._ph
        lock = " FOR UPDATE" if self._postgres else ""
        # Taking the head row (FOR UPDATE / BEGIN IMMEDIATE) serialises appenders.
        cur.execute(f"SELECT position, hash, recorded_at FROM log_head WHERE id = 1{lock}")
        head_pos, head_hash, head_time = cur.fetchone()
        duplicates = self._known_ids(cur, stream, encoded)
        new = [e for e in encoded if e[0] not in duplicates]
        cur.execute(f"SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = {ph}", (stream,))
        current = cur.fetchone()[0]
        if not new:
            return AppendResult(stream, current, (), (), tuple(e[0] for e in encoded))
        if expected_version != ANY and expected_version != current:
            raise ConcurrencyError(stream, expected_version, current)

        # Recorded time never runs backwards along the log, even if a writer's
        # clock does, so "as of a time" is always a prefix of positions.
        recorded_at = max(utc_now(), head_time)
        rows = []
        prev = head_hash
        position, version = head_pos, current
        for event_id, type_, data_json in new:
            position += 1
            version += 1
            prev = chain_hash(prev, position, stream, version, type_, recorded_at, event_id, data_json)
            rows.append((position, event_id, stream, version, type_, data_json, recorded_at, prev))
        if self._postgres and len(rows) > 1:
            # COPY is PostgreSQL's bulk path: several times faster than INSERTs.
            with cur.copy(f"COPY events ({_EVENT_COLUMNS}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany(f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES ({', '.join([ph] * 8)})", rows)
        cur.execute(
            f"UPDATE log_head SET position = {ph}, hash = {ph}, recorded_at = {ph} WHERE id = 1",
            (position, prev, recorded_at),
        )
        return AppendResult(
            stream,
            version,
            tuple(r[0] for r in rows),
            tuple(r[1] for r in rows),
            tuple(e[0] for e in encoded if e[0] in duplicates),
        )

    def _known_ids(self, cur, stream, encoded) -> set[str]:
        """Ids of the batch that are already stored, after checking each is
        the same event (same stream, type and data) and not a clash."""
        wanted = {e[0]: e for e in encoded}
        found: dict[str, tuple] = {}
        ids = list(wanted)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            if self._postgres:
                sql = "SELECT event_id, stream, type, data FROM events WHERE event_id = ANY(%s)"
                params = (chunk,)
            else:
                sql = f"SELECT event_id, stream, type, data FROM events WHERE event_id IN ({','.join('?' * len(chunk))})"
                params = tuple(chunk)
            cur.execute(sql, params)
            for event_id, st, type_, data in cur.fetchall():
                found[event_id] = (st, type_, data)
        for event_id, (st, type_, data) in found.items():
            _, want_type, want_data = wanted[event_id]
            if (st, type_, data) != (stream, want_type, want_data):
                raise EventIdConflict(
                    f"event id {event_id!r} is already stored in stream {st!r} with other content; "
                    "nothing was written"
                )
        return set(found)

    # ---------------------------------------------------------------- reading

    def head(self) -> Head:
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT position, hash, recorded_at FROM log_head WHERE id = 1")).one()
        return Head(*row)

    def stream_version(self, stream: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                text("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = :s"), {"s": stream}
            ).scalar_one()

    def read_all(self, from_position: int = 1, to_position: int | None = None) -> Iterator[RecordedEvent]:
        """Every event from `from_position` (inclusive) to `to_position`
        (inclusive, default: the end), in position order, a page at a time."""
        columns = self._columns(self._data_as_bytes)
        for rows in self._pages(columns, (), "1 = 1", (), "position", from_position, to_position):
            for p, i, s, v, t, d, r, h in rows:
                yield RecordedEvent(p, i, s, v, t, loads(d), r, h)

    def read_all_fields(
        self, paths: Sequence[str], from_position: int = 1, to_position: int | None = None
    ) -> Iterator[tuple[int, str, str, list]]:
        """(position, type, recorded_at, [the value at each JSON path of the
        data, None where absent]) of every event from `from_position` to
        `to_position` (both inclusive), in position order. A path is "$"
        followed by ".key" and "[index]" steps ("$.report.claim_key").

        Made for replays that need a few small fields of large payloads: the
        database extracts them and hands over each page as one JSON document,
        and the next page is read while the caller works on this one (the
        database does that work outside the GIL), so the caller pays little
        more than decoding the page."""
        for page in self.read_all_field_pages(paths, from_position, to_position):
            for position, type_, recorded_at, values in page:
                yield position, type_, recorded_at, values

    def read_all_field_pages(
        self, paths: Sequence[str], from_position: int = 1, to_position: int | None = None,
        page_size: int | None = None,
    ) -> Iterator[list[list]]:
        """read_all_fields a page (default: `self.page_size` events) at a time,
        each page a list of [position, type, recorded_at, values] lists as
        decoded: a replay of millions of events then spends nothing per event
        on handing them over."""
        steps = [_path_steps(path) for path in paths]
        if not steps:
            raise ValueError("read_all_fields needs at least one path")
        single = len(steps) == 1
        size = page_size or self.page_size
        for page in _read_ahead(self._field_pages(paths, steps, from_position, to_position, size)):
            rows = loads(page)
            rows.sort()  # already in position order (PostgreSQL guarantees it, SQLite keeps it): a linear check
            if single:
                for row in rows:
                    del row[3][1:]  # SQLite was asked for the path twice (see _field_pages)
            yield rows

    def _field_pages(self, paths, steps, start: int, stop: int | None, size: int) -> Iterator[str]:
        """Pages of read_all_fields as JSON text: [[position, type, recorded_at, [values]], ...]."""
        if self._postgres:
            values = "jsonb_build_array(" + ", ".join(["data::jsonb #> %s"] * len(steps)) + ")"
            page = f"json_agg(json_build_array(position, type, recorded_at, {values}) ORDER BY position)::text"
            value_params = tuple(steps)
        else:
            # json_extract with two or more paths returns a JSON array of the values
            # (so a single path is asked twice, and the copy dropped).
            asked = list(paths) if len(paths) > 1 else [paths[0], paths[0]]
            values = "json_extract(data, " + ", ".join("?" * len(asked)) + ")"
            page = f"json_group_array(json_array(position, type, recorded_at, {values}))"
            value_params = tuple(asked)
        ph = self._ph
        upper = f" AND position <= {ph}" if stop is not None else ""
        sql = (
            f"SELECT {page}, MAX(position), COUNT(*) FROM (SELECT position, type, recorded_at, data FROM events "
            f"WHERE position >= {ph}{upper} ORDER BY position LIMIT {size}) AS page"
        )
        key = start
        while True:
            with self._raw() as raw:  # one short transaction per page, as _pages
                cur = raw.cursor()
                cur.execute(sql, value_params + (key,) + ((stop,) if stop is not None else ()))
                text, last, count = cur.fetchone()
            if not count:
                return
            yield text
            if count < size:
                return
            key = last + 1

    def read_stream(self, stream: str, from_version: int = 1) -> Iterator[RecordedEvent]:
        columns, where = self._columns(self._data_as_bytes), f"stream = {self._ph}"
        for rows in self._pages(columns, (), where, (stream,), "version", from_version, None):
            for p, i, s, v, t, d, r, h in rows:
                yield RecordedEvent(p, i, s, v, t, loads(d), r, h)

    def read_positions(self, positions) -> list[RecordedEvent]:
        """The events at the given positions, in position order (missing ones
        are simply absent): lets a read model keep positions instead of copies."""
        wanted = sorted(set(positions))
        events: list[RecordedEvent] = []
        with self._raw() as raw:
            cur = raw.cursor()
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                if self._postgres:
                    where, params = "position = ANY(%s)", (chunk,)
                else:
                    where, params = f"position IN ({','.join('?' * len(chunk))})", tuple(chunk)
                cur.execute(
                    f"SELECT position, event_id, stream, version, type, {self._data_as_bytes}, recorded_at, hash "
                    f"FROM events WHERE {where} ORDER BY position",
                    params,
                )
                events.extend(RecordedEvent(p, i, s, v, t, loads(d), r, h) for p, i, s, v, t, d, r, h in cur.fetchall())
        return events

    def raw_rows(self, from_position: int = 1, to_position: int | None = None) -> Iterator[tuple]:
        """Undecoded rows (data as the stored JSON text), for verification."""
        for rows in self._pages(self._columns("data"), (), "1 = 1", (), "position", from_position, to_position):
            yield from rows

    @staticmethod
    def _columns(data_expr: str) -> str:
        return f"position, event_id, stream, version, type, {data_expr}, recorded_at, hash"

    def _pages(self, columns, column_params, where, params, order_col, start, stop) -> Iterator[list[tuple]]:
        """Rows of `columns` (position first, version fourth) in `order_col` order, a page at a time."""
        ph = self._ph
        upper = f" AND {order_col} <= {ph}" if stop is not None else ""
        sql = (
            f"SELECT {columns} FROM events WHERE {where} AND {order_col} >= {ph}{upper} "
            f"ORDER BY {order_col} LIMIT {self.page_size}"
        )
        key = start
        index = 0 if order_col == "position" else 3
        while True:
            # One short transaction per page: a long replay never holds a
            # snapshot (or, on SQLite, a WAL checkpoint) for its whole duration.
            with self._raw() as raw:
                cur = raw.cursor()
                cur.execute(sql, column_params + params + (key,) + ((stop,) if stop is not None else ()))
                rows = cur.fetchall()
            if not rows:
                return
            yield rows
            if len(rows) < self.page_size:
                return
            key = rows[-1][index] + 1

    # ---------------------------------------------------------------- audit

    def verify(self, anchors: dict[int, str] | None = None) -> VerifyResult:
        """Recompute the hash chain; report the first altered, missing or
        inserted event. `anchors` maps positions to hashes recorded elsewhere
        (e.g. printed by an earlier verify), which also catches an attacker
        who rewrote the whole chain consistently."""
        head = self.head()
        anchors = dict(anchors or {})
        rows = self.raw_rows()
        prev_hash, prev_prev_hash = GENESIS_HASH, None
        expected = 1
        checked = 0
        row = next(rows, None)
        while row is not None:
            nxt = next(rows, None)
            if row[0] > head.position:
                problem = Problem(row[0], "inserted", f"beyond the recorded head {head.position}")
            else:
                problem = _check_row(row, nxt, expected, prev_hash, prev_prev_hash)
            if problem is None and row[0] in anchors and anchors.pop(row[0]) != row[7]:
                problem = Problem(row[0], "anchor", "hash differs from the anchor recorded earlier")
            if problem:
                return VerifyResult(checked, head, problem)
            checked += 1
            prev_prev_hash, prev_hash = prev_hash, row[7]
            expected = row[0] + 1
            row = nxt
        last = expected - 1
        if head.position > last:
            return VerifyResult(checked, head, Problem(last + 1, "missing", f"the log ends at {last} but its recorded head is {head.position}"))
        if head.hash != prev_hash:
            return VerifyResult(checked, head, Problem(last, "altered", "last event's hash differs from the recorded head"))
        if anchors:
            pos = min(anchors)
            return VerifyResult(checked, head, Problem(pos, "anchor", "anchored position is not in the log"))
        return VerifyResult(checked, head, None)

    def ensure_schema(self) -> None:
        """Raise SchemaMissing with advice when the database was never initialised."""
        try:
            self.head()
        except (OperationalError, ProgrammingError) as exc:
            if "log_head" in str(exc):
                raise SchemaMissing("the database has no tracker schema: run `tracker init` first") from None
            raise


def _check_row(row, nxt, expected, prev_hash, prev_prev_hash) -> Problem | None:
    """Why (if at all) `row` breaks the chain, judged from how its neighbours chain."""
    position, stored = row[0], row[7]
    if position > expected:
        return Problem(expected, "missing", f"positions {expected}..{position - 1} are not in the log")
    if _hash_of(row, prev_hash) == stored:
        return None
    if prev_prev_hash is not None and _hash_of(row, prev_prev_hash, position - 1) == stored:
        return Problem(position - 1, "inserted", "not part of the chain: the event after it chains past it")
    if nxt is not None and _hash_of(nxt, stored) == nxt[7]:
        return Problem(position, "altered", "the stored event does not match its hash")
    if nxt is not None and _hash_of(nxt, stored, nxt[0] + 1) == nxt[7]:
        return Problem(position, "missing", "an event before this one was removed and later ones renumbered")
    if nxt is not None and _hash_of(nxt, prev_hash, nxt[0] - 1) == nxt[7]:
        return Problem(position, "inserted", "not part of the chain: the event after it chains past it")
    return Problem(position, "altered", "the stored event does not match its hash")


def _hash_of(row, prev_hash: str, position: int | None = None) -> str:
    pos, event_id, stream, version, type_, data, recorded_at, _ = row
    return chain_hash(prev_hash, pos if position is None else position, stream, version, type_, recorded_at, event_id, data)


_END = object()


def _read_ahead(items: Iterator[T], timeout: float = 0.1) -> Iterator[T]:
    """Yield what `items` yields, producing each next item in a thread while
    the caller works on the current one. Errors reach the caller; a caller
    that stops early stops the thread (within `timeout`) and waits for it."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=timeout)
                return True
            except queue.Full:
                pass
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over((item, None)):
                    return
            hand_over((_END, None))
        except BaseException as exc:  # handed to the caller, who raises it
            hand_over((_END, exc))

    thread = threading.Thread(target=produce, name="event-store-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _path_steps(path: str) -> list[str]:
    """The steps of a JSON path ("$.a[0].b" -> ["a", "0", "b"]); ValueError if it is not one."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise ValueError(f"invalid JSON path {path!r}: expected \"$\" followed by .key or [index] steps")
    steps, at = [], 1
    while at < len(path):
        match = _PATH_STEP.match(path, at)
        if match is None:
            raise ValueError(f"invalid JSON path {path!r}: expected \"$\" followed by .key or [index] steps")
        steps.append(match.group(1) or match.group(2))
        at = match.end()
    return steps


def _check_name(what: str, value: str, limit: int) -> None:
    if not isinstance(value, str) or not value or len(value) > limit or "\n" in value:
        raise ValueError(f"invalid {what} {value!r}: must be 1..{limit} characters without newlines")


EncodedEvent = tuple[str, str, str]  # event id, type, data as canonical JSON


def encode_events(events: Sequence[NewEvent]) -> list[EncodedEvent]:
    """Validate and encode before any transaction starts, so bad input never
    half-writes anything."""
    if not events:
        raise ValueError("append needs at least one event")
    encoded, seen = [], set()
    for event in events:
        _check_name("event id", event.event_id, MAX_ID_LENGTH)
        _check_name("event type", event.type, 100)
        if event.event_id in seen:
            raise ValueError(f"event id {event.event_id!r} appears twice in one append")
        seen.add(event.event_id)
        encoded.append((event.event_id, event.type, canonical_json(event.data)))
    return encoded
