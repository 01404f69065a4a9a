"""The one place where projections read event payloads.

Payloads are read through the domain's `from_event`, which upcasts any stored
schema version to the current one. Validating a pydantic model per event would
cost more than everything else a rebuild does, so a payload that already carries
the current schema version (the domain wrote it from a validated model) is used
as it is; only older versions go through `from_event`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ..domain import events as domain_events

DOCUMENT = domain_events.DocumentIngested.TYPE
REPORT = domain_events.ClaimReported.TYPE
CORRECTED = domain_events.ClaimCorrected.TYPE
RETRACTED = domain_events.ClaimRetracted.TYPE
DATE_CORRECTED = domain_events.DocumentDateCorrected.TYPE

_CURRENT = {name: cls.SCHEMA_VERSION for name, cls in domain_events.EVENT_TYPES.items()}
HANDLED = frozenset(_CURRENT)


def read(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The payload in the current schema, as a plain dict (JSON types)."""
    if data.get("schema", 1) == _CURRENT[event_type]:
        return data
    return domain_events.to_event_data(domain_events.from_event(event_type, data))


def read_text(event_type: str, data: str | bytes) -> tuple[dict[str, Any], str | bytes]:
    """(payload in the current schema, its JSON): for a current payload the
    JSON is the logged text itself, so a read model can keep it verbatim."""
    payload = orjson.loads(data)
    if payload.get("schema", 1) == _CURRENT[event_type]:
        return payload, data
    current = read(event_type, payload)
    return current, orjson.dumps(current, option=orjson.OPT_SORT_KEYS).decode()


def report_versions(store, bodies: Mapping[int, str | bytes | None]) -> dict[int, tuple[dict[str, Any], str]]:
    """position -> (payload, recorded_at) of report versions, from each version's
    `body` in rm_reports: its amended payload, or None for the logged one (read
    from the log by position). The recorded time is always the logged event's."""
    events = {event.position: event for event in store.read_positions(bodies)}
    out = {}
    for position, body in bodies.items():
        event = events.get(position)
        if event is not None:
            out[position] = (orjson.loads(body) if body is not None else read(event.type, event.data), event.recorded_at)
    return out


def stream_for_claim(claim_key: str) -> str:
    """Where analyst actions on a claim are recorded."""
    return f"analyst-{claim_key}"
