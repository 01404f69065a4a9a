"""Claim reports: *claimant* says *value* about *subject*, valid at *date*, evidenced by *quote*.

The subject and value of each kind are pydantic models (the stable JSON contract of
DESIGN.md, "The claim vocabulary"); a `ClaimReport` stores them as plain dicts after
validating them against the kind's models, so its JSON is exactly that contract.

The claim key is derived from kind + subject (+ the date of a contact), never from the
value or the claimant, so every later report about the same quantity or position lands in
the same history.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .dates import ValidTime
from .trusted import trusted

Kind = Literal["casualties", "ceasefire_position", "diplomatic_contact"]
Qualifier = Literal["exact", "approximately", "nearly", "at_least", "more_than", "up_to"]
Stance = Literal["ready_to_negotiate", "conditional", "calls_for_ceasefire", "rejects", "agreed"]
Medium = Literal["phone_call", "meeting", "joint_statement", "press_conference"]

ACTOR_ID = r"^[A-Z][A-Z0-9-]*$"

# "approximately N" is read as N ± 10 %; "nearly N" as at least 90 % of N and below N.
# Integer arithmetic: 200 * 1.1 is 220.00000000000003 in floating point.
BAND_PERCENT = 10


def bounds(count: int | None, qualifier: str) -> tuple[int | None, int | None]:
    """The one place where a qualifier becomes numeric bounds (low, high), None = open.

    exact N          -> [N, N]
    approximately N  -> [floor(0.9 N), ceil(1.1 N)]
    nearly N         -> [floor(0.9 N), N - 1]   ("fast 200": close to but below 200)
    at_least N       -> [N, open]
    more_than N      -> [N + 1, open]
    up_to N          -> [open, N]
    no count (a vague word such as "Dutzende") -> [open, open]: no invented number.
    """
    if count is None:
        return None, None
    if qualifier == "exact":
        return count, count
    low = count * (100 - BAND_PERCENT) // 100
    if qualifier == "approximately":
        return low, -(-count * (100 + BAND_PERCENT) // 100)
    if qualifier == "nearly":
        return low, max(count - 1, 0)
    if qualifier == "at_least":
        return count, None
    if qualifier == "more_than":
        return count + 1, None
    if qualifier == "up_to":
        return None, count
    raise ValueError(f"unknown qualifier {qualifier!r}")


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CasualtiesSubject(_Part):
    measure: Literal["killed", "wounded", "missing"]
    group: Literal["total", "civilians", "military"]
    side: str | None = Field(default=None, pattern=ACTOR_ID)


class CasualtiesValue(_Part):
    count: int | None = Field(ge=0)
    qualifier: Qualifier
    low: int | None = None
    high: int | None = None
    wording: str  # verbatim: "fast 200", "more than 2,300", "Dutzende"
    cumulative: bool | None = None  # since the start of fighting (True) or one incident (False)
    part_of: int | None = None  # index of the report (same document) this is a subset of

    @model_validator(mode="before")
    @classmethod
    def _derive_bounds(cls, data):
        if isinstance(data, dict) and "low" not in data and "high" not in data:
            low, high = bounds(data.get("count"), data.get("qualifier", "exact"))
            data = {**data, "low": low, "high": high}
        return data

    @model_validator(mode="after")
    def _check_bounds(self):
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} above high {self.high}")
        return self


class CeasefireSubject(_Part):
    actor: str = Field(pattern=ACTOR_ID)


class CeasefireValue(_Part):
    stance: Stance
    condition: str | None = None  # the condition as worded in the text
    venue: str | None = None  # framework of talks where named, e.g. "OSCE-MG"


class ContactSubject(_Part):
    participants: list[str] = Field(min_length=2)
    medium: Medium

    @field_validator("participants")
    @classmethod
    def _sorted_unique(cls, value: list[str]) -> list[str]:
        out = sorted(set(value))
        if len(out) < 2:
            raise ValueError("a contact needs at least two distinct participants")
        for actor in out:
            if not isinstance(actor, str) or not actor or not actor[0].isupper():
                raise ValueError(f"not an actor id: {actor!r}")
        return out


class ContactValue(_Part):
    topic: str | None = None
    outcome: str | None = None


KINDS: dict[str, tuple[type[_Part], type[_Part]]] = {
    "casualties": (CasualtiesSubject, CasualtiesValue),
    "ceasefire_position": (CeasefireSubject, CeasefireValue),
    "diplomatic_contact": (ContactSubject, ContactValue),
}


def normalise_subject(kind: str, subject: dict | BaseModel) -> dict:
    model = KINDS[kind][0]
    return model.model_validate(subject if isinstance(subject, dict) else subject.model_dump()).model_dump(mode="json")


def normalise_value(kind: str, value: dict | BaseModel) -> dict:
    model = KINDS[kind][1]
    return model.model_validate(value if isinstance(value, dict) else value.model_dump()).model_dump(mode="json")


def claim_key(kind: str, subject: dict | BaseModel, valid: ValidTime | None = None) -> str:
    """A readable, stable key from kind + subject (+ the date of a contact).

    casualties/killed/military/ARM, casualties/killed/total (no side),
    ceasefire_position/AZE, diplomatic_contact/phone_call/RUS+TUR/2025-07.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown claim kind {kind!r}")
    return _key(kind, normalise_subject(kind, subject), valid)


def _key(kind: str, s: dict, valid: ValidTime | None) -> str:
    """claim_key for a subject already normalised."""
    if kind == "casualties":
        parts = [kind, s["measure"], s["group"]] + ([s["side"]] if s["side"] else [])
    elif kind == "ceasefire_position":
        parts = [kind, s["actor"]]
    else:
        when = valid.date if valid is not None and valid.date else "undated"
        parts = [kind, s["medium"], "+".join(s["participants"]), when]
    return "/".join(parts)


class ClaimReport(BaseModel):
    """One claim as found in one document, with its evidence."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    claim_key: str = ""  # derived when empty; checked when given
    subject: dict
    value: dict
    claimed_by: str = Field(pattern=ACTOR_ID)  # "PRESS" for the article's own voice
    speaker: str | None = None  # person name or role phrase as in the text
    speaker_person: str | None = None  # canonical person behind the speaker, where known
    valid: ValidTime
    quote: str  # exact substring of the document text
    span: tuple[int, int]  # text[span[0]:span[1]] == quote
    extractor_version: str
    index: int = Field(ge=0)  # position of the report within the document

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data):
        if isinstance(data, dict) and data.get("kind") in KINDS:
            kind = data["kind"]
            data = {
                **data,
                "subject": normalise_subject(kind, data["subject"]),
                "value": normalise_value(kind, data["value"]),
            }
        return data

    @model_validator(mode="after")
    def _check(self):
        expected = _key(self.kind, self.subject, self.valid)  # subject normalised before
        if not self.claim_key:
            object.__setattr__(self, "claim_key", expected)
        elif self.claim_key != expected:
            raise ValueError(f"claim_key {self.claim_key!r} does not match subject (expected {expected!r})")
        start, end = self.span
        if not 0 <= start <= end or end - start != len(self.quote):
            raise ValueError(f"span {self.span} does not fit a quote of {len(self.quote)} characters")
        return self

    @classmethod
    def from_normal_form(cls, **fields) -> "ClaimReport":
        """A report whose subject and value are already in normal form (as `normalise_subject`
        and `normalise_value` return them: model field order, bounds derived, participants
        sorted), built without validation.

        For the extractor's hot path: validating costs more than finding a report. The
        fields set are those of a validated report without `claim_key`, so the two compare
        and serialise alike (tests check this on every report they extract).
        """
        fields_set = set(fields)
        values = {"kind": fields.pop("kind")}  # field order: kind, claim_key, the rest as declared
        values["claim_key"] = _key(values["kind"], fields["subject"], fields["valid"])
        values.update((name, fields[name]) for name in _REPORT_FIELDS)
        return trusted(cls, values, fields_set)

    def quote_matches(self, text: str) -> bool:
        """Does the quote still stand at its span in `text`?"""
        return text[self.span[0] : self.span[1]] == self.quote


# The fields `from_normal_form` takes, in declaration order (all but kind and claim_key).
_REPORT_FIELDS = tuple(name for name in ClaimReport.model_fields if name not in ("kind", "claim_key"))
