"""Event records, canonical bytes and the hash chain.

The chain rule (also in the README, so anyone can re-check a log with other tools):

    canonical = "\\n".join([position, stream, version, type, recorded_at, event_id, data])
    hash      = sha256(prev_hash + "\\n" + canonical)      (UTF-8, hex digests)

where `data` is the event's JSON exactly as stored: keys sorted, no whitespace,
UTF-8 (orjson with OPT_SORT_KEYS), and the first event's prev_hash is 64 zeros.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

import orjson

GENESIS_HASH = "0" * 64


def canonical_json(data: Any) -> str:
    """The one JSON encoding the store writes and hashes."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError as exc:
        raise ValueError(f"event data is not JSON-serialisable: {exc}") from None


def chain_hash(
    prev_hash: str,
    position: int,
    stream: str,
    version: int,
    type: str,
    recorded_at: str,
    event_id: str,
    data_json: str,
) -> str:
    canonical = f"{prev_hash}\n{position}\n{stream}\n{version}\n{type}\n{recorded_at}\n{event_id}\n{data_json}"
    return hashlib.sha256(canonical.encode()).hexdigest()


def format_timestamp(moment: datetime) -> str:
    """UTC, microseconds, 'Z': fixed width, so text order is time order."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now() -> str:
    return format_timestamp(datetime.now(timezone.utc))


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append. Give `event_id` a deterministic value derived from
    what the event records, and re-appending it becomes a no-op."""

    event_id: str
    type: str
    data: dict[str, Any]


class RecordedEvent(NamedTuple):
    """A stored event. A NamedTuple because replay builds millions of them and
    a frozen dataclass costs several times more per instance."""

    position: int
    event_id: str
    stream: str
    version: int
    type: str
    data: dict[str, Any]
    recorded_at: str
    hash: str


@dataclass(frozen=True, slots=True)
class AppendResult:
    stream: str
    version: int  # the stream's version after the append
    positions: tuple[int, ...]  # positions of the newly stored events
    appended: tuple[str, ...]  # ids stored by this call
    duplicates: tuple[str, ...]  # ids already stored: nothing written for them

    @property
    def is_noop(self) -> bool:
        return not self.appended
