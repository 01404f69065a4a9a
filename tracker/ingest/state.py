"""Each feed's schedule and state, and the leases that keep workers apart.

The `feeds` table is the schedule (APScheduler 3 keeps its jobs per process,
so it cannot coordinate several workers). A worker claims a due feed by
writing a lease (owner, until) into its row; while the lease is live no other
worker polls the feed. On PostgreSQL the claim selects rows FOR UPDATE SKIP
LOCKED, so two workers claiming at the same moment take different feeds
without waiting on each other; on SQLite the claim runs under BEGIN IMMEDIATE,
one writer at a time. No transaction stays open during a fetch: the lease
outlives the claim, is renewed by a heartbeat while the poll runs, and expires
if its worker dies, so a crashed worker's feeds are picked up again. A lease
held by a process on this host that no longer exists is taken over at once.

Times are fixed-width UTC strings (as in the event store): they compare as text.
"""

from __future__ import annotations

import os
import random
import secrets
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, text

from ..store.engine import WRITE_OPTION
from ..store.events import format_timestamp
from .config import FeedConfig

MAX_BACKOFF = 86400.0  # errors back off up to a day, then keep retrying daily: never dropped
MAX_RETRY_AFTER = 7 * 86400.0
JITTER_SHARE = 0.1  # up to 10 % of the delay ...
MAX_JITTER = 300.0  # ... and at most 5 minutes
_CHUNK = 500
SYNC_LOCK_KEY = 7_240_312  # pg advisory lock for sync(); the migration lock is 7_240_311

_COLUMNS = (
    "name, url, fetch_url, language, interval_seconds, enabled, status, etag, last_modified, body_sha256, "
    "next_poll_at, last_poll_at, last_success_at, last_http_status, last_error, parse_problem, "
    "consecutive_errors, total_errors, polls, lease_owner, lease_until, updated_at"
)

_TAKE_LEASE = text("UPDATE feeds SET lease_owner = :owner, lease_until = :until WHERE name = :name")
_RENEW_LEASE = text("UPDATE feeds SET lease_until = :until WHERE name = :name AND lease_owner = :owner")
_RELEASE_LEASE = text("UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE name = :name AND lease_owner = :owner")
_UPSERT_ENTRY = text(
    "INSERT INTO feed_entries (feed, document_id, text_sha256, revision, first_seen_at, last_seen_at) "
    "VALUES (:feed, :doc, :sha, :rev, :now, :now) "
    "ON CONFLICT (feed, document_id) DO UPDATE SET text_sha256 = excluded.text_sha256, "
    "revision = excluded.revision, last_seen_at = excluded.last_seen_at"
)


@dataclass(frozen=True)
class FeedState:
    name: str
    url: str
    fetch_url: str
    language: str
    interval_seconds: int
    enabled: bool
    status: str
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    next_poll_at: str | None
    last_poll_at: str | None
    last_success_at: str | None
    last_http_status: int | None
    last_error: str | None
    parse_problem: str | None
    consecutive_errors: int
    total_errors: int
    polls: int
    lease_owner: str | None
    lease_until: str | None
    updated_at: str


@dataclass
class PollOutcome:
    """What a finished poll writes back into the feed's row."""

    status: str  # ok | not_modified | error | throttled | gone | interrupted
    http_status: int | None = None
    error: str | None = None
    parse_problem: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    moved_to: str | None = None
    retry_after: float | None = None
    entries: list[tuple[str, str, int]] = field(default_factory=list)  # feed_entries rows still to write


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def ts(moment: datetime) -> str:
    return format_timestamp(moment)


def parse_ts(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def make_owner() -> str:
    """host:pid:token, so a lease names the worker that holds it."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def backoff_seconds(interval: float, consecutive_errors: int) -> float:
    """interval, 2x, 4x, ... after 1, 2, 3 ... errors in a row, capped at a day
    (or the interval itself when that is longer)."""
    if consecutive_errors <= 0:
        return interval
    return min(interval * 2 ** (consecutive_errors - 1), max(MAX_BACKOFF, interval))


def jitter(delay: float) -> float:
    """Only ever later, never earlier: a feed is not polled twice within its interval."""
    return random.uniform(0, min(delay * JITTER_SHARE, MAX_JITTER))


class FeedStates:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.host = socket.gethostname()

    @contextmanager
    def _write(self):
        """A write transaction (BEGIN IMMEDIATE on SQLite: no lock upgrades later)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    # ------------------------------------------------------------ config

    def sync(self, feeds: list[FeedConfig]) -> None:
        """Make the table match feeds.yaml: add new feeds (due now), update changed
        ones, and mark feeds no longer in the file as disabled (their history stays)."""
        now = now_utc()
        with self._write() as conn:
            if self.postgres:
                # Workers starting together would all insert the same new feeds:
                # one sync at a time (SQLite's BEGIN IMMEDIATE already does this).
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_LOCK_KEY})
            rows = {r.name: r for r in self._select(conn, "1 = 1", {})}
            configured = set()
            for feed in feeds:
                configured.add(feed.name)
                row = rows.get(feed.name)
                params = {
                    "name": feed.name,
                    "url": feed.url,
                    "language": feed.language,
                    "interval": int(feed.interval),
                    "enabled": feed.enabled,
                    "now": ts(now),
                }
                if row is None:
                    conn.execute(
                        text(
                            "INSERT INTO feeds (name, url, fetch_url, language, interval_seconds, enabled, status, "
                            "next_poll_at, updated_at) VALUES (:name, :url, :url, :language, :interval, :enabled, "
                            "'new', :now, :now)"
                        ),
                        params,
                    )
                elif row.url != feed.url:
                    # A new address is a new start: forget what the old one told us.
                    conn.execute(
                        text(
                            "UPDATE feeds SET url = :url, fetch_url = :url, language = :language, "
                            "interval_seconds = :interval, enabled = :enabled, status = 'new', etag = NULL, "
                            "last_modified = NULL, body_sha256 = NULL, consecutive_errors = 0, last_error = NULL, "
                            "next_poll_at = :now, updated_at = :now WHERE name = :name"
                        ),
                        params,
                    )
                elif (row.language, row.interval_seconds, row.enabled) != (feed.language, int(feed.interval), feed.enabled):
                    # A changed interval applies from the next poll on: it must not cut
                    # short a backoff or a Retry-After the server asked for.
                    due = row.next_poll_at
                    if due is None and row.status != "gone":
                        due = ts(now)
                    conn.execute(
                        text(
                            "UPDATE feeds SET language = :language, interval_seconds = :interval, enabled = :enabled, "
                            "next_poll_at = :due, updated_at = :now WHERE name = :name"
                        ),
                        {**params, "due": due},
                    )
            for name in set(rows) - configured:
                if rows[name].enabled:
                    conn.execute(
                        text("UPDATE feeds SET enabled = :f, updated_at = :now WHERE name = :name"),
                        {"f": False, "now": ts(now), "name": name},
                    )

    # ------------------------------------------------------------ reading

    def all(self) -> list[FeedState]:
        with self.engine.connect() as conn:
            return self._select(conn, "1 = 1 ORDER BY name", {})

    def get(self, name: str) -> FeedState | None:
        with self.engine.connect() as conn:
            rows = self._select(conn, "name = :name", {"name": name})
        return rows[0] if rows else None

    def entry_counts(self) -> dict[str, tuple[int, int]]:
        """feed -> (entries seen, documents stored from it)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT feed, COUNT(*), SUM(CASE WHEN revision > 0 THEN 1 ELSE 0 END) "
                    "FROM feed_entries GROUP BY feed"
                )
            ).all()
        return {feed: (entries, int(docs or 0)) for feed, entries, docs in rows}

    def _select(self, conn, where: str, params: dict) -> list[FeedState]:
        result = conn.execute(text(f"SELECT {_COLUMNS} FROM feeds WHERE {where}"), params)
        return [FeedState(*row[:5], bool(row[5]), *row[6:]) for row in result]

    # ------------------------------------------------------------ leases

    def claim_due(self, owner: str, limit: int, lease_seconds: float) -> list[FeedState]:
        """Lease up to `limit` enabled feeds whose next poll is due, most overdue first."""
        now = ts(now_utc())
        where = "enabled = :t AND status <> 'gone' AND next_poll_at IS NOT NULL AND next_poll_at <= :now"
        return self._claim(owner, where, {"t": True, "now": now}, lease_seconds, limit)

    def claim_named(self, owner: str, names: list[str], lease_seconds: float) -> list[FeedState]:
        """Lease the named feeds now, whatever their schedule (an explicit `tracker ingest`)."""
        if not names:
            return []
        marks = ", ".join(f":n{i}" for i in range(len(names)))
        params = {f"n{i}": n for i, n in enumerate(names)} | {"now": ts(now_utc())}
        return self._claim(owner, f"name IN ({marks})", params, lease_seconds, len(names))

    def _claim(self, owner: str, where: str, params: dict, lease_seconds: float, limit: int) -> list[FeedState]:
        lock = " FOR UPDATE SKIP LOCKED" if self.postgres else ""
        params = {**params, "limit": limit, "local": f"{self.host}:%"}
        until = ts(now_utc() + timedelta(seconds=lease_seconds))
        with self._write() as conn:
            rows = self._select(
                conn,
                f"{where} AND (lease_owner IS NULL OR lease_until < :now) ORDER BY next_poll_at, name LIMIT :limit{lock}",
                params,
            )
            if len(rows) < limit:
                # Leases still running but held by processes of this host that died.
                held = self._select(conn, f"{where} AND lease_owner LIKE :local AND lease_until >= :now{lock}", params)
                rows += [r for r in held if self._owner_dead(r.lease_owner)][: limit - len(rows)]
            if rows:
                conn.execute(_TAKE_LEASE, [{"owner": owner, "until": until, "name": row.name} for row in rows])
        return rows

    def _owner_dead(self, owner: str) -> bool:
        host, _, rest = owner.partition(":")
        pid = rest.partition(":")[0]
        return host == self.host and pid.isdigit() and not _process_alive(int(pid))

    def heartbeat(self, name: str, owner: str, lease_seconds: float) -> bool:
        """Extend the lease; False when it was lost (expired and taken by another worker)."""
        with self._write() as conn:
            result = conn.execute(
                _RENEW_LEASE,
                {"until": ts(now_utc() + timedelta(seconds=lease_seconds)), "name": name, "owner": owner},
            )
            return result.rowcount == 1

    def release(self, name: str, owner: str) -> None:
        """Give a lease back without recording a poll."""
        with self._write() as conn:
            conn.execute(_RELEASE_LEASE, {"name": name, "owner": owner})

    def finish(self, row: FeedState, owner: str, outcome: PollOutcome) -> bool:
        """Record a poll's outcome, schedule the next one and release the lease.
        False when the lease had been lost: another worker owns the feed now."""
        now = now_utc()
        interval = float(row.interval_seconds)
        errors, total = row.consecutive_errors, row.total_errors
        values: dict = {
            "last_poll_at": ts(now),
            "last_http_status": outcome.http_status,
            "polls": row.polls + 1,
        }
        status = outcome.status
        if status in ("ok", "not_modified"):
            errors = 0
            values |= {"last_success_at": ts(now), "last_error": None}
            delay = interval
            if status == "ok":
                values |= {
                    "etag": outcome.etag,
                    "last_modified": outcome.last_modified,
                    "body_sha256": outcome.body_sha256,
                    "parse_problem": outcome.parse_problem,
                }
        elif status == "interrupted":
            # Stopped before every entry was stored: due again at once, and the
            # ETag is not advanced, so the next poll re-reads the rest.
            values["polls"] = row.polls
            values["last_error"] = outcome.error
            status = row.status
            delay = 0.0
        elif status == "gone":
            values |= {"last_error": outcome.error}
            delay = None
        else:  # error, throttled
            errors, total = errors + 1, total + 1
            values |= {"last_error": outcome.error}
            delay = backoff_seconds(interval, errors)
            if status == "throttled" and outcome.retry_after is not None:
                delay = max(delay, min(outcome.retry_after, MAX_RETRY_AFTER))
        if outcome.moved_to:
            values["fetch_url"] = outcome.moved_to
        values |= {
            "status": status,
            "consecutive_errors": errors,
            "total_errors": total,
            "next_poll_at": None if delay is None else ts(now + timedelta(seconds=delay + (jitter(delay) if delay else 0))),
            "updated_at": ts(now),
            "lease_owner": None,
            "lease_until": None,
        }
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        with self._write() as conn:
            # The entries are recorded even when the lease was lost: they say what is stored.
            self._record_entries(conn, row.name, outcome.entries)
            result = conn.execute(
                text(f"UPDATE feeds SET {assignments} WHERE name = :name AND lease_owner = :owner"),
                {**values, "name": row.name, "owner": owner},
            )
            return result.rowcount == 1

    # ------------------------------------------------------------ entries

    def known_entries(self, feed: str, document_ids: list[str]) -> dict[str, tuple[str, int]]:
        """document id -> (hash of the text last seen, revision stored; 0 = filtered out)."""
        found: dict[str, tuple[str, int]] = {}
        if not document_ids:
            return found
        with self.engine.connect() as conn:
            for start in range(0, len(document_ids), _CHUNK):
                chunk = document_ids[start : start + _CHUNK]
                marks = ", ".join(f":d{i}" for i in range(len(chunk)))
                rows = conn.execute(
                    text(
                        "SELECT document_id, text_sha256, revision FROM feed_entries "
                        f"WHERE feed = :feed AND document_id IN ({marks})"
                    ),
                    {"feed": feed} | {f"d{i}": d for i, d in enumerate(chunk)},
                )
                found.update({doc: (sha, rev) for doc, sha, rev in rows})
        return found

    def record_entries(self, feed: str, entries: list[tuple[str, str, int]]) -> None:
        """Remember (document id, text hash, revision; 0 = not stored) per entry."""
        if entries:
            with self._write() as conn:
                self._record_entries(conn, feed, entries)

    def _record_entries(self, conn, feed: str, entries: list[tuple[str, str, int]]) -> None:
        if entries:
            now = ts(now_utc())
            conn.execute(
                _UPSERT_ENTRY,
                [{"feed": feed, "doc": d, "sha": s, "rev": r, "now": now} for d, s, r in entries],
            )


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
