"""The claim vocabulary: actors, conflicts, dates with precision, claims and events.

Pure: pydantic and the standard library; the only I/O is reading the packaged YAML data.
"""

from .actors import ActorMention, ActorRegistry
from .claims import ClaimReport, bounds, claim_key
from .conflict import ConflictRegistry, RelevanceResult
from .dates import DocumentDate, ValidTime, parse_edtf, re_resolve, resolve, split_date_prefix
from .events import (
    ClaimCorrected,
    ClaimReported,
    ClaimRetracted,
    DocumentDateCorrected,
    DocumentIngested,
    correct_document_date,
    document_id,
    event_id,
    from_event,
    to_event_data,
)

__all__ = [
    "ActorMention",
    "ActorRegistry",
    "ClaimCorrected",
    "ClaimReport",
    "ClaimReported",
    "ClaimRetracted",
    "ConflictRegistry",
    "DocumentDate",
    "DocumentDateCorrected",
    "DocumentIngested",
    "RelevanceResult",
    "ValidTime",
    "bounds",
    "claim_key",
    "correct_document_date",
    "document_id",
    "event_id",
    "from_event",
    "parse_edtf",
    "re_resolve",
    "resolve",
    "split_date_prefix",
    "to_event_data",
]
