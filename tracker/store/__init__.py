"""The generic event store (SQLAlchemy only; knows nothing about claims)."""

from .engine import DatabaseURLError, make_engine, resolve_url, safe_url
from .events import AppendResult, NewEvent, RecordedEvent, canonical_json, chain_hash
from .store import (
    ANY,
    NO_STREAM,
    ConcurrencyError,
    EncodedEvent,
    EventIdConflict,
    EventStore,
    Head,
    Problem,
    SchemaMissing,
    StoreError,
    VerifyResult,
    encode_events,
)

__all__ = [
    "ANY", "NO_STREAM", "AppendResult", "ConcurrencyError", "DatabaseURLError", "EncodedEvent",
    "EventIdConflict", "EventStore", "Head", "NewEvent", "Problem", "RecordedEvent",
    "SchemaMissing", "StoreError", "VerifyResult", "canonical_json", "chain_hash", "encode_events",
    "make_engine", "resolve_url", "safe_url",
]
