"""The one place where projections read event payloads.

Payloads are read through the domain's `from_event`, which upcasts any stored
schema version to the current one. Validating a pydantic model per event would
cost more than everything else a rebuild does, so a payload that already carries
the current schema version (the domain wrote it from a validated model) is used
as it is; only older versions go through `from_event`.

Replaying the log, the projection does not even decode the payloads of its
frequent events (documents and claim reports): the store extracts the FIELDS it
needs in the database, and a document's text (most of the log's bytes) is never
read. Events of an older schema version, and the rare analyst actions, are read
whole instead (`with_whole_payloads`).
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

# What the projection reads of a document or a claim report, by JSON path (for
# EventStore.read_all_fields), in this order.
FIELDS = (
    "$.schema",
    # both
    "$.document_id", "$.revision",
    # ClaimReported (the rules' inputs; the rest is read when a report becomes a claim's current value)
    "$.reported.value", "$.report.claim_key", "$.report.claimed_by", "$.report.kind",
    "$.report.valid.date", "$.report.valid.order", "$.report.valid.relation.since",
    # DocumentIngested
    "$.url", "$.fetched_at", "$.title", "$.published", "$.text_sha256",
)
DOCUMENT_ID, REVISION, CLAIM_KEY = 1, 2, 4  # indexes into FIELDS
REPORT_FIELDS = slice(1, 10)  # document_id ... valid.relation.since
DOCUMENT_FIELDS = slice(10, 15)  # url ... text_sha256
BY_FIELDS = frozenset((DOCUMENT, REPORT))  # read by FIELDS in their current schema; others whole
_STEPS = [path[2:].split(".") for path in FIELDS]  # every path is "$.key.key..."


def read(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The payload in the current schema, as a plain dict (JSON types)."""
    if data.get("schema", 1) == _CURRENT[event_type]:
        return data
    return domain_events.to_event_data(domain_events.from_event(event_type, data))


def with_whole_payloads(store, rows: list[tuple]) -> list[tuple]:
    """Rows of `store.read_all_fields(FIELDS)`, where an event that FIELDS do not
    serve is read whole by position and upcast: a document or report of an older
    schema version gets its FIELDS taken from the upcast payload, and an analyst
    action comes as its whole payload (a dict in place of the values)."""
    wanted = [
        r[0] for r in rows
        if r[1] in HANDLED and (r[1] not in BY_FIELDS or (r[3][0] or 1) != _CURRENT[r[1]])
    ]
    if not wanted:
        return rows
    whole = {e.position: read(e.type, e.data) for e in store.read_positions(wanted)}
    return [
        r if r[0] not in whole else (*r[:3], fields_of(whole[r[0]]) if r[1] in BY_FIELDS else whole[r[0]])
        for r in rows
    ]


def fields_of(payload: dict[str, Any]) -> list:
    """The FIELDS of a payload, taken in Python (as the database would)."""
    values = []
    for steps in _STEPS:
        value: Any = payload
        for step in steps:
            value = value.get(step) if isinstance(value, dict) else None
        values.append(value)
    return values


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
