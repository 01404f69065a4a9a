"""Recording documents: one append (one transaction) per document revision,
holding its DocumentIngested event and all its ClaimReported events.

The event store is the truth about what is stored. Before writing, the
document's stream says whether this text is already there (nothing to do), or
which revision comes next at which stream version; the append then expects
exactly that version, so two writers racing on one document cannot both write
a revision. For an entry its feed never showed, the first read is skipped: it
is appended as revision 1 expecting no stream, and only if the stream exists
after all (the same article in another feed, a crash before the feed's entry
table was updated) is the stream read and the decision made again. Event ids
are deterministic (the domain derives them), so replaying a write changes
nothing.

If extraction raises, the document is stored all the same, with the failure in
`extraction` and no claim reports: nothing fetched is lost, and a later
re-extraction can add the claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..domain.claims import ClaimReport
from ..domain.events import ClaimReported, DocumentIngested, ExtractionInfo, to_event_data
from ..store import NO_STREAM, ConcurrencyError, EncodedEvent, EventIdConflict, EventStore, NewEvent, encode_events
from ..store.events import utc_now
from .entries import Candidate, document_stream

MAX_RACE_RETRIES = 3


@dataclass(frozen=True)
class StoredRevision:
    revision: int
    text_sha256: str
    stream_version: int


@dataclass(frozen=True)
class WriteResult:
    outcome: Literal["new", "revised", "unchanged"]
    document_id: str
    revision: int
    text_sha256: str
    claim_reports: int = 0
    extraction: str | None = None  # ok | irrelevant | failed (None when nothing was written)
    error: str | None = None
    warnings: tuple[str, ...] = ()  # the document's warnings, e.g. an anachronism


@dataclass(frozen=True)
class Extraction:
    """What extraction made of a candidate: the same whenever it runs."""

    info: ExtractionInfo
    language: str | None  # as detected, else the candidate's
    warnings: list[str]  # the candidate's, then the extractor's
    reports: list[ClaimReport]


@dataclass(frozen=True)
class PreparedRevision:
    """A document revision's events, ready to append: made ahead of the write
    (in a worker process) so the writer, the critical path, only appends them."""

    revision: int
    # Encoded where they were made (see EventStore.append_encoded): cheap to pickle
    # back from a worker, and the writer does not encode them again.
    events: list[EncodedEvent]
    claim_reports: int
    extraction: ExtractionInfo
    warnings: tuple[str, ...]


class DocumentWriter:
    def __init__(self, store: EventStore, extractor=None):
        if extractor is None:
            from .. import extract as extractor
        self.store = store
        self.extractor = extractor

    def latest(self, doc_id: str) -> StoredRevision | None:
        """The document's latest stored revision, read from its stream."""
        latest, version = None, 0
        for event in self.store.read_stream(document_stream(doc_id)):
            version = event.version
            if event.type == DocumentIngested.TYPE:
                latest = (event.data["revision"], event.data["text_sha256"])
        return None if latest is None else StoredRevision(latest[0], latest[1], version)

    def write(
        self, candidate: Candidate, *, assume_new: bool = False, prepared: PreparedRevision | None = None
    ) -> WriteResult:
        """Store the candidate as the document's next revision, unless its text
        is the latest stored already. `assume_new` skips the first read of the
        stream (the caller's feed never showed this entry); `prepared` is the
        candidate's events, if the caller made them ahead (in a worker process)
        for the revision it expected."""
        doc_id, sha = candidate.document_id, candidate.text_sha256
        stored = None if assume_new else self.latest(doc_id)
        extraction = None
        for _ in range(MAX_RACE_RETRIES):
            if stored is not None and stored.text_sha256 == sha:
                return WriteResult("unchanged", doc_id, stored.revision, sha)
            revision = 1 if stored is None else stored.revision + 1
            if prepared is None or prepared.revision != revision:
                # Nothing made ahead, or for another revision (the stream was not as the
                # caller expected): extract here, once; a retry reuses it.
                extraction = extraction or self.extract(candidate)
                prepared = self.prepare(candidate, revision, extraction)
            try:
                appended = self.store.append_encoded(
                    candidate.stream,
                    prepared.events,
                    expected_version=NO_STREAM if stored is None else stored.stream_version,
                )
            except (ConcurrencyError, EventIdConflict):
                # The stream is not as assumed: another writer stored this document
                # meanwhile (the same entry in another feed, another worker), or it
                # was stored before a crash. Look at what is there and decide again.
                stored = self.latest(doc_id)
                continue
            if appended.is_noop:  # every event was stored already, byte for byte
                return WriteResult("unchanged", doc_id, revision, sha)
            return WriteResult(
                "new" if revision == 1 else "revised",
                doc_id,
                revision,
                sha,
                claim_reports=prepared.claim_reports,
                extraction=prepared.extraction.status,
                error=prepared.extraction.error,
                warnings=prepared.warnings,
            )
        raise RuntimeError(f"document {doc_id}: its stream kept moving during {MAX_RACE_RETRIES} attempts to write it")

    def extract(self, candidate: Candidate) -> Extraction:
        return extract_candidate(self.extractor, candidate)

    def prepare(self, candidate: Candidate, revision: int, extraction: Extraction | None = None) -> PreparedRevision:
        return prepare_revision(self.extractor, candidate, revision, extraction)


def prepare_revision(
    extractor, candidate: Candidate, revision: int, extraction: Extraction | None = None
) -> PreparedRevision:
    """The events that store `candidate` as `revision` of its document: its
    DocumentIngested and a ClaimReported per report (extracted here unless given)."""
    extraction = extraction or extract_candidate(extractor, candidate)
    published = candidate.published
    document = DocumentIngested(
        document_id=candidate.document_id,
        revision=revision,
        source=candidate.source,
        url=candidate.url,
        title=candidate.title,
        language=extraction.language or "und",
        text=candidate.text,
        text_sha256=candidate.text_sha256,
        published=published,
        fetched_at=candidate.fetched_at or utc_now(),
        warnings=extraction.warnings,
        extraction=extraction.info,
    )
    events = [NewEvent(document.event_id(), document.TYPE, to_event_data(document))]
    events += claim_events(candidate.document_id, revision, published, extraction.reports)
    return PreparedRevision(
        revision, encode_events(events), len(extraction.reports), extraction.info, tuple(document.warnings)
    )


def extract_candidate(extractor, candidate: Candidate) -> Extraction:
    """What the extractor makes of a feed entry (see run_extractor)."""
    return run_extractor(extractor, candidate.text, candidate.published, candidate.language, candidate.warnings)


def run_extractor(extractor, text: str, published, language: str | None, warnings=()) -> Extraction:
    """What the extractor makes of a text; never raises: a failure is recorded in
    the outcome (the document is kept, and can be re-extracted later)."""
    version = extractor.EXTRACTOR_VERSION
    try:
        result = extractor.extract(text, published, language=language)
    except Exception as exc:  # noqa: BLE001 - any extractor bug: keep the document, record why
        info = ExtractionInfo(status="failed", error=f"{type(exc).__name__}: {exc}"[:500], extractor_version=version)
        return Extraction(info, language, list(warnings), [])
    conflict = result.relevance.conflict_id
    info = ExtractionInfo(
        status="ok" if conflict else "irrelevant", extractor_version=version, relevant_conflict=conflict
    )
    return Extraction(info, result.language or language, [*warnings, *result.warnings], list(result.reports))


def claim_events(document_id: str, revision: int, published, reports: list[ClaimReport]) -> list[NewEvent]:
    """The ClaimReported events of a document revision's reports."""
    events = []
    for report in reports:
        claim = ClaimReported(document_id=document_id, revision=revision, reported=published, report=report)
        events.append(NewEvent(claim.event_id(), claim.TYPE, to_event_data(claim)))
    return events
