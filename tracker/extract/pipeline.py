"""Text -> claim reports with evidence. Deterministic: the same text, date and version
always give the same reports in the same order."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tracker.domain.actors import ActorRegistry
from tracker.domain.claims import ClaimReport, bounds
from tracker.domain.conflict import ConflictRegistry, RelevanceResult
from tracker.domain.dates import DocumentDate

from .casualties import find_casualties
from .contacts import find_contacts
from .document import Document, Draft, shared_scan
from .positions import find_positions

# Bump when a rule change can change what is extracted from the same text: claim
# reports carry it, and their event ids derive from it.
EXTRACTOR_VERSION = "rules-1.2"


class ExtractionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    language: str
    reports: list[ClaimReport]
    warnings: list[str]
    relevance: RelevanceResult
    extractor_version: str = EXTRACTOR_VERSION


def extract(
    text: str,
    published: DocumentDate | None = None,
    language: str | None = None,
    *,
    actors: ActorRegistry | None = None,
    conflicts: ConflictRegistry | None = None,
) -> ExtractionResult:
    """Find casualty figures, ceasefire positions and diplomatic contacts in `text`.

    `published` is the document date that relative phrases are resolved against (None:
    unknown). Spans in the reports index `text` exactly as given.
    """
    actors = actors or ActorRegistry.load()
    conflicts = conflicts or ConflictRegistry.load()
    doc = Document(text, published, actors, conflicts, language)
    warnings = doc.anachronisms()
    if not doc.relevance.relevant:
        return ExtractionResult(language=doc.language, reports=[], warnings=warnings, relevance=doc.relevance)
    doc.prepare()
    drafts: list[Draft] = []
    for info in doc.sentences:
        if info.link.linked:
            drafts += find_casualties(doc, info)
            drafts += find_positions(doc, info)
        if info.link.context:  # a meeting "in Moskau" is still about the conflict
            drafts += find_contacts(doc, info)
    reports = _number(doc, drafts)
    # Sentences point back to their document: without that cycle the document is freed by
    # reference counting now, not by the cyclic GC (whose collections cost about a tenth).
    doc.sentences = []
    return ExtractionResult(language=doc.language, reports=reports, warnings=warnings, relevance=doc.relevance)


def load_rules(actors: ActorRegistry | None = None, conflicts: ConflictRegistry | None = None) -> None:
    """Load what extraction needs (the registries, the shared word scan) now instead of
    on the first document. WorkerPool calls it before it forks, so that the workers
    inherit the rules rather than each loading them again (about 0.3 s of CPU each)."""
    actors = actors or ActorRegistry.load()
    shared_scan(actors, conflicts or ConflictRegistry.load())


def _number(doc: Document, drafts: list[Draft]) -> list[ClaimReport]:
    """Order drafts by position in the text, give them indexes, link parts to wholes."""
    drafts = sorted(drafts, key=lambda d: (d.sentence.start, d.pos))
    index = {id(d): i for i, d in enumerate(drafts)}
    reports = []
    for i, d in enumerate(drafts):
        start, end = d.sentence.start, d.sentence.end
        reports.append(
            # The rules build subject and value in normal form (see _normal_value), so
            # the report skips validation; tests validate every report they see.
            ClaimReport.from_normal_form(
                kind=d.kind,
                subject=dict(d.subject),
                value=_normal_value(d, index),
                claimed_by=d.claimed_by,
                speaker=d.speaker,
                speaker_person=d.speaker_person,
                valid=d.valid,
                quote=doc.text[start:end],
                span=(start, end),
                extractor_version=EXTRACTOR_VERSION,
                index=i,
            )
        )
    return reports


def _normal_value(d: Draft, index: dict[int, int]) -> dict:
    """The draft's value as `normalise_value` would give it: a casualty figure gets its
    bounds and the index of the report it is part of, in the model's field order."""
    if d.kind != "casualties":
        return dict(d.value)
    v = d.value
    low, high = bounds(v["count"], v["qualifier"])
    return {
        "count": v["count"],
        "qualifier": v["qualifier"],
        "low": low,
        "high": high,
        "wording": v["wording"],
        "cumulative": v["cumulative"],
        "part_of": index.get(id(d.part_of)) if d.part_of is not None else None,
    }
