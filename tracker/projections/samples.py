"""Domain events built from a few plain arguments, through the domain's own
models (so they are valid, versioned and carry deterministic ids), for tests
and examples that need a log without running the extractor."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..domain import events as ev
from ..domain.claims import ClaimReport
from ..domain.dates import DocumentDate, ValidTime, parse_edtf, resolve
from ..store import NewEvent
from .payloads import stream_for_claim

EXTRACTOR = "sample-1"


@dataclass(frozen=True)
class Said:
    """One claim a sample document makes: `quote` must occur in its text."""

    kind: str
    subject: dict
    value: dict
    claimed_by: str
    quote: str
    valid: str | None = None  # EDTF; default: the document date
    order: int | None = None  # day offset inside the document
    speaker: str | None = None
    phrase: str | None = None  # a relative date as in the text ("am Freitag")
    relation: dict | None = None  # its meaning (tracker.domain.dates.resolve), resolved against the document date


def casualties(count: int | None, claimed_by: str, quote: str, *, measure="killed", group="total", side=None,
               qualifier="exact", **kw) -> Said:
    value = {"count": count, "qualifier": qualifier, "wording": quote[:40]}
    return Said("casualties", {"measure": measure, "group": group, "side": side}, value, claimed_by, quote, **kw)


def stance(actor: str, stance_: str, claimed_by: str, quote: str, *, condition=None, **kw) -> Said:
    return Said("ceasefire_position", {"actor": actor}, {"stance": stance_, "condition": condition},
                claimed_by, quote, **kw)


def contact(participants: list[str], medium: str, claimed_by: str, quote: str, *, topic=None, outcome=None,
            **kw) -> Said:
    return Said("diplomatic_contact", {"participants": participants, "medium": medium},
                {"topic": topic, "outcome": outcome}, claimed_by, quote, **kw)


def valid_time(date: str | None, anchor: str | None, order: int | None = None) -> ValidTime:
    if date is None:
        return ValidTime(anchor=anchor, order=order)
    precision = parse_edtf(date.split("/")[0])[1]
    return ValidTime(date=date, precision=precision, anchor=anchor, order=order)


def document(
    document_id: str,
    text: str,
    said: list[Said],
    *,
    published: str | None = "2025-07",
    revision: int = 1,
    url: str | None = None,
    source: str = "sample",
    fetched_at: str | None = None,
) -> tuple[str, list[NewEvent]]:
    """A document and its claim reports: (stream, events) for one append."""
    date = DocumentDate.parse(published)
    doc = ev.DocumentIngested(
        document_id=document_id,
        revision=revision,
        source=source,
        url=url or f"https://example.org/{document_id}/{revision}",
        title=text[:40],
        language="en",
        text=text,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        published=date,
        fetched_at=fetched_at,
        extraction=ev.ExtractionInfo(status="ok", extractor_version=EXTRACTOR),
    )
    out = [NewEvent(doc.event_id(), doc.TYPE, ev.to_event_data(doc))]
    for index, s in enumerate(said):
        start = text.find(s.quote)
        if start < 0:
            raise ValueError(f"quote {s.quote!r} is not in the text of {document_id}")
        report = ClaimReport(
            kind=s.kind,
            subject=s.subject,
            value=s.value,
            claimed_by=s.claimed_by,
            speaker=s.speaker,
            valid=(
                resolve(s.relation, s.phrase, date, s.order)
                if s.relation is not None
                else valid_time(s.valid or published, published, s.order)
            ),
            quote=s.quote,
            span=(start, start + len(s.quote)),
            extractor_version=EXTRACTOR,
            index=index,
        )
        claim = ev.ClaimReported(document_id=document_id, revision=revision, reported=date, report=report)
        out.append(NewEvent(claim.event_id(), claim.TYPE, ev.to_event_data(claim)))
    return f"document-{document_id}", out


def correction(claim_key: str, value: dict, reason: str, *, claimed_by: str | None = None,
               by: str = "analyst") -> tuple[str, list[NewEvent]]:
    event = ev.ClaimCorrected(claim_key=claim_key, value=value, claimed_by=claimed_by, reason=reason, by=by)
    return stream_for_claim(claim_key), [NewEvent(event.event_id(), event.TYPE, ev.to_event_data(event))]


def retraction(claim_key: str, report_position: int, reason: str, *, by: str = "analyst") -> tuple[str, list[NewEvent]]:
    event = ev.ClaimRetracted(claim_key=claim_key, report_position=report_position, reason=reason, by=by)
    return stream_for_claim(claim_key), [NewEvent(event.event_id(), event.TYPE, ev.to_event_data(event))]


def date_correction(document_id: str, published: str, reports: list[ClaimReport], reason: str, *,
                    by: str = "analyst") -> tuple[str, list[NewEvent]]:
    event = ev.correct_document_date(document_id, reports, DocumentDate.parse(published), reason=reason, by=by)
    return f"document-{document_id}", [NewEvent(event.event_id(), event.TYPE, ev.to_event_data(event))]
