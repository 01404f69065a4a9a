"""Re-extraction: the claims of documents whose extraction failed when they were stored.

A document is stored even when the extractor raised (nothing fetched is lost,
see documents.py). `tracker reextract` later runs the current extractor over the
stored text and appends to the document's stream, in one transaction, a
`DocumentReextracted` event recording the outcome and the claim reports found.

Only a revision without claim reports is re-extracted: reports of two extractor
runs side by side would count one statement twice. If the extractor still
raises, nothing is appended and the failure is reported. Event ids are
deterministic and the append expects the stream's version, so running it again,
or in two processes at once, adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..domain.events import (
    ClaimReported,
    DocumentDateCorrected,
    DocumentIngested,
    DocumentReextracted,
    from_event,
    to_event_data,
)
from ..store import ConcurrencyError, EventStore, NewEvent
from .documents import claim_events, run_extractor
from .entries import document_stream

_STATUS_FIELDS = ("$.document_id", "$.revision", "$.extraction.status")


@dataclass(frozen=True)
class ReextractResult:
    document_id: str
    revision: int
    outcome: str  # reextracted | failed | has_reports | unknown
    extraction: str | None = None  # ok | irrelevant | failed
    claim_reports: int = 0
    error: str | None = None


def failed_documents(store: EventStore) -> list[str]:
    """Documents whose latest revision's extraction failed and was not redone since,
    in the order they were first stored."""
    latest: dict[str, tuple[int, str]] = {}  # document id -> (revision, extraction status)
    kinds = (DocumentIngested.TYPE, DocumentReextracted.TYPE)
    for _, type_, _, (doc_id, revision, status) in store.read_all_fields(_STATUS_FIELDS):
        if type_ not in kinds:
            continue
        held = latest.get(doc_id)
        if held is None or revision >= held[0]:
            latest[doc_id] = (revision, status)
    return [doc_id for doc_id, (_, status) in latest.items() if status == "failed"]


class Reextractor:
    def __init__(self, store: EventStore, extractor=None):
        if extractor is None:
            from .. import extract as extractor
        self.store = store
        self.extractor = extractor

    def run(self, document_ids: Iterable[str] | None = None) -> list[ReextractResult]:
        """Re-extract the given documents (default: every failed one)."""
        ids = failed_documents(self.store) if document_ids is None else list(document_ids)
        return [self.reextract(doc_id) for doc_id in ids]

    def reextract(self, doc_id: str) -> ReextractResult:
        for _ in range(3):  # another process may append to the stream meanwhile
            document, published, has_reports, version = self._read(doc_id)
            if document is None:
                return ReextractResult(doc_id, 0, "unknown", error=f"no document {doc_id!r} in the log")
            if has_reports:
                return ReextractResult(doc_id, document.revision, "has_reports")
            extraction = run_extractor(self.extractor, document.text, published, _language(document))
            if extraction.info.status == "failed":  # still failing: report it, append nothing
                return ReextractResult(doc_id, document.revision, "failed", "failed", error=extraction.info.error)
            outcome = DocumentReextracted(
                document_id=doc_id,
                revision=document.revision,
                published=published,
                warnings=extraction.warnings,
                extraction=extraction.info,
            )
            events = [NewEvent(outcome.event_id(), outcome.TYPE, to_event_data(outcome))]
            events += claim_events(doc_id, document.revision, published, extraction.reports)
            try:
                self.store.append(document_stream(doc_id), events, expected_version=version)
            except ConcurrencyError:
                continue  # read the stream again: someone else may have done it
            return ReextractResult(
                doc_id, document.revision, "reextracted", outcome.extraction.status, len(extraction.reports)
            )
        raise RuntimeError(f"document {doc_id}: its stream kept moving during re-extraction")

    def _read(self, doc_id: str):
        """(latest DocumentIngested, its current date, whether that revision has
        claim reports or was re-extracted, the stream's version)."""
        document, published, has_reports, version = None, None, False, 0
        for event in self.store.read_stream(document_stream(doc_id)):
            version = event.version
            if event.type == DocumentIngested.TYPE:
                document = from_event(event.type, event.data)
                published, has_reports = document.published, False
            elif event.type == DocumentDateCorrected.TYPE:
                published = from_event(event.type, event.data).published  # resolve against the corrected date
            elif document is not None and event.data.get("revision") == document.revision:
                has_reports = has_reports or event.type in (ClaimReported.TYPE, DocumentReextracted.TYPE)
        return document, published, has_reports, version


def _language(document: DocumentIngested) -> str | None:
    return document.language if document.language in ("de", "en") else None
