"""Event payloads recorded in the store, with schema versions and upcasting.

Every payload class has a class-level `TYPE` (the event type name in the store) and
`SCHEMA_VERSION`. `to_event_data` writes the version into the data as `"schema"`;
`from_event` reads any stored version by running the registered upcasters in order
(v1 -> v2 -> ...), so stored events are never rewritten.

Ids are deterministic (invariant 3): the same document, revision, report and extractor
version always give the same event id, so appending it twice stores it once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from .claims import ClaimReport, claim_key
from .dates import DocumentDate, ValidTime, re_resolve

DOCUMENT_ID_LENGTH = 24
EVENT_ID_LENGTH = 32


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_id(*parts: object) -> str:
    """A deterministic id: sha256 of the parts joined by '|', 32 hex characters."""
    return sha256_hex("|".join(str(p) for p in parts))[:EVENT_ID_LENGTH]


def document_id(*, guid: str | None = None, link: str | None = None, content: str | None = None) -> str:
    """A document's id from the most stable thing known about it: guid, else link, else content.

    The source of the id is part of the hash, so a guid and a link with the same text
    cannot collide.
    """
    for label, value in (("guid", guid), ("link", link), ("content", content)):
        if value:
            return sha256_hex(f"{label}:{value.strip() if label != 'content' else value}")[:DOCUMENT_ID_LENGTH]
    raise ValueError("a document id needs a guid, a link or the content")


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    def event_id(self) -> str:  # pragma: no cover - every concrete event overrides it
        raise NotImplementedError


class ExtractionInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Literal["ok", "failed", "irrelevant"]
    error: str | None = None
    extractor_version: str
    relevant_conflict: str | None = None


class DocumentIngested(_Event):
    TYPE: ClassVar[str] = "DocumentIngested"
    SCHEMA_VERSION: ClassVar[int] = 1

    document_id: str
    revision: int = Field(ge=1)
    source: str  # feed name, or "seed"
    url: str | None = None
    title: str | None = None
    language: str
    text: str  # the full plain text; spans of claim reports index it
    text_sha256: str
    published: DocumentDate
    fetched_at: str | None = None  # ISO 8601 UTC
    warnings: list[str] = Field(default_factory=list)
    extraction: ExtractionInfo

    def event_id(self) -> str:
        return event_id(self.TYPE, self.document_id, self.revision, self.text_sha256)


class ClaimReported(_Event):
    TYPE: ClassVar[str] = "ClaimReported"
    SCHEMA_VERSION: ClassVar[int] = 2  # v2: report.extractor_version (see _claim_reported_v1_to_v2)

    document_id: str
    revision: int = Field(ge=1)
    reported: DocumentDate  # the document's date
    report: ClaimReport

    def event_id(self) -> str:
        return event_id(self.TYPE, self.document_id, self.revision, self.report.index, self.report.extractor_version)


class ClaimCorrected(_Event):
    """An analyst's correction of a claim's value (recorded beside, never over, the report)."""

    TYPE: ClassVar[str] = "ClaimCorrected"
    SCHEMA_VERSION: ClassVar[int] = 1

    claim_key: str
    value: dict
    claimed_by: str | None = None
    reason: str
    by: str

    def event_id(self) -> str:
        return event_id(self.TYPE, self.claim_key, _canonical(self.value), self.claimed_by, self.reason, self.by)


class ClaimRetracted(_Event):
    """An analyst withdraws one report (by its global position) from a claim's history."""

    TYPE: ClassVar[str] = "ClaimRetracted"
    SCHEMA_VERSION: ClassVar[int] = 1

    claim_key: str
    report_position: int = Field(ge=0)
    reason: str
    by: str

    def event_id(self) -> str:
        return event_id(self.TYPE, self.claim_key, self.report_position, self.reason, self.by)


class ReResolved(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int  # the report's index in its document
    claim_key: str  # the key under the new date (a contact's key contains its date)
    valid: ValidTime


class DocumentDateCorrected(_Event):
    """A corrected document date, with the report dates already re-resolved against it.

    Projections apply `re_resolved` as recorded: they need no extractor, and the earlier
    resolution stays in the log.
    """

    TYPE: ClassVar[str] = "DocumentDateCorrected"
    SCHEMA_VERSION: ClassVar[int] = 1

    document_id: str
    published: DocumentDate
    reason: str
    by: str
    re_resolved: list[ReResolved] = Field(default_factory=list)

    def event_id(self) -> str:
        return event_id(self.TYPE, self.document_id, self.published.value, self.published.kind, self.reason, self.by)


class DocumentReextracted(_Event):
    """The outcome of running the extractor again over a stored revision whose
    extraction failed; the claim reports found follow it in the same append."""

    TYPE: ClassVar[str] = "DocumentReextracted"
    SCHEMA_VERSION: ClassVar[int] = 1

    document_id: str
    revision: int = Field(ge=1)
    published: DocumentDate  # the date the reports were resolved against (a corrected one if any)
    warnings: list[str] = Field(default_factory=list)
    extraction: ExtractionInfo

    def event_id(self) -> str:
        return event_id(self.TYPE, self.document_id, self.revision, self.extraction.extractor_version)


EVENT_TYPES: dict[str, type[_Event]] = {
    cls.TYPE: cls
    for cls in (
        DocumentIngested, ClaimReported, ClaimCorrected, ClaimRetracted, DocumentDateCorrected, DocumentReextracted
    )
}

# (type, from_version) -> function turning data of that version into the next version.
UPCASTERS: dict[tuple[str, int], Callable[[dict], dict]] = {}


def upcaster(event_type: str, from_version: int):
    def register(fn: Callable[[dict], dict]) -> Callable[[dict], dict]:
        UPCASTERS[(event_type, from_version)] = fn
        return fn

    return register


@upcaster("ClaimReported", 1)
def _claim_reported_v1_to_v2(data: dict) -> dict:
    """v1 reports carried no extractor version: they predate versioned extraction."""
    report = dict(data["report"])
    report.setdefault("extractor_version", "unversioned")
    return {**data, "report": report}


def to_event_data(event: _Event) -> dict:
    """The JSON-ready payload of an event, stamped with its schema version."""
    return {**event.model_dump(mode="json"), "schema": type(event).SCHEMA_VERSION}


def from_event(event_type: str, data: dict) -> _Event:
    """Read a stored payload of any schema version into the current model."""
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        raise ValueError(f"unknown event type {event_type!r}")
    data = dict(data)
    version = int(data.pop("schema", 1))
    if version > cls.SCHEMA_VERSION:
        raise ValueError(f"{event_type} schema {version} is newer than this code (v{cls.SCHEMA_VERSION})")
    while version < cls.SCHEMA_VERSION:
        step = UPCASTERS.get((event_type, version))
        if step is None:
            raise ValueError(f"no upcaster for {event_type} v{version}")
        data = step(data)
        version += 1
    return cls.model_validate(data)


def correct_document_date(
    document_id: str,
    reports: list[ClaimReport],
    published: DocumentDate,
    *,
    reason: str,
    by: str,
) -> DocumentDateCorrected:
    """The correction event, with every report's valid date re-resolved against `published`."""
    re_resolved = []
    for report in reports:
        valid = re_resolve(report.valid, published)
        re_resolved.append(
            ReResolved(index=report.index, claim_key=claim_key(report.kind, report.subject, valid), valid=valid)
        )
    return DocumentDateCorrected(
        document_id=document_id, published=published, reason=reason, by=by, re_resolved=re_resolved
    )


def _canonical(value: dict) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
