"""Dates with precision (EDTF-style) and relative phrases that can be re-resolved.

Invariant 8 (no invented precision) lives here: a weekday or "the day before" resolves
to a day only when the anchor (the document date) is known to the day. Otherwise the
result keeps the anchor's precision, and the phrase plus a machine-readable `relation`
are kept so that a corrected document date can resolve them again (`re_resolve`).

Relations understood by `resolve` (all keys optional except as noted):
- `None`: no phrase; the claim is taken to hold at the document date.
- `{"weekday": 0..6}`: Monday=0; the most recent such weekday on or before the anchor.
- `{"days_before_anchor": n}`: "heute"/"today" (0), "gestern"/"yesterday" (1).
- `{"days_before_ref": n, "ref": <relation>}`: "am Tag zuvor": n days before the date the
  nested relation resolves to.
- `{"month": m, "day": d, "year": y?}`: an explicit calendar date; without a year the
  anchor's year is used (the previous year when the month lies after the anchor month).
- any of the above plus `"since": true`: an interval from that date to the anchor.
- `{"years": [first, last]}`: a year or a span of years the text names ("im Jahr 2016",
  "the war of 1988-1994", "in den 1990er Jahren"); absolute, so the anchor is not needed.

Unknown dates are `date=None, precision=None`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from .trusted import trusted

Precision = Literal["year", "month", "day"]

_EDTF = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_PREFIX = re.compile(r"^\s*date (\d{4}(?:-\d{2}(?:-\d{2})?)?) ")


def parse_edtf(value: str) -> tuple[str, Precision]:
    """Validate `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; return it with its precision."""
    m = _EDTF.match(value) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"not an EDTF date (expected YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    year, month, day = m.groups()
    try:
        if day is not None:
            dt.date(int(year), int(month), int(day))
            return value, "day"
        if month is not None:
            if not 1 <= int(month) <= 12:
                raise ValueError("month out of range")
            return value, "month"
    except ValueError as exc:
        raise ValueError(f"not a valid calendar date: {value!r} ({exc})") from None
    return value, "year"


def _validate_interval_or_date(value: str) -> str:
    if "/" in value:
        start, _, end = value.partition("/")
        for side in (start, end):
            if side not in ("", ".."):
                parse_edtf(side)
        if start in ("", "..") and end in ("", ".."):
            raise ValueError(f"an interval needs at least one end: {value!r}")
        return value
    parse_edtf(value)
    return value


class DocumentDate(BaseModel):
    """A document's date and what kind of date it is (evidence, not fact)."""

    model_config = ConfigDict(frozen=True)

    value: str | None = None
    precision: Precision | None = None
    kind: Literal["published", "updated", "feed", "unknown"] = "unknown"

    @model_validator(mode="before")
    @classmethod
    def _derive_precision(cls, data):
        if isinstance(data, dict) and data.get("value") and not data.get("precision"):
            data = {**data, "precision": parse_edtf(data["value"])[1]}
        return data

    @model_validator(mode="after")
    def _check(self):
        if self.value is None:
            if self.precision is not None:
                raise ValueError("a precision without a date value")
            return self
        _, precision = parse_edtf(self.value)
        if precision != self.precision:
            raise ValueError(f"date {self.value!r} has precision {precision}, not {self.precision}")
        return self

    @classmethod
    def parse(cls, value: str | None, kind: str = "published") -> "DocumentDate":
        if not value:
            return cls(kind="unknown")
        return cls(value=value, kind=kind)


class ValidTime(BaseModel):
    """When a claim holds in the world, as precisely as the text allows."""

    model_config = ConfigDict(frozen=True)

    date: str | None = None  # EDTF date or interval "A/B"; None = unknown
    precision: Precision | None = None
    phrase: str | None = None  # verbatim phrase from the text ("am Freitag")
    relation: dict | None = None  # machine-readable meaning of the phrase (module doc)
    anchor: str | None = None  # the document date it was resolved against
    order: int | None = None  # day offset within the document, comparable inside it only

    @field_validator("date")
    @classmethod
    def _check_date(cls, value):
        return None if value is None else _validate_interval_or_date(value)

    @model_validator(mode="after")
    def _check_precision(self):
        if (self.date is None) != (self.precision is None):
            raise ValueError("date and precision must both be set or both be None")
        return self

    @property
    def start(self) -> str | None:
        """The (start) date as EDTF; for an interval its first end."""
        if self.date is None:
            return None
        return self.date.split("/", 1)[0] or None


def split_date_prefix(raw: str) -> tuple[DocumentDate | None, str, int]:
    """Split a seed file's `date YYYY[-MM[-DD]] ` prefix from its text.

    Returns (document date or None, text, offset of the text in `raw`). Spans in claim
    reports index the returned text, not the raw file.
    """
    m = _PREFIX.match(raw)
    if not m:
        return None, raw, 0
    return DocumentDate(value=m.group(1), kind="published"), raw[m.end():], m.end()


def _anchor_day(anchor: DocumentDate | None) -> dt.date | None:
    if anchor is None or anchor.precision != "day" or anchor.value is None:
        return None
    return dt.date.fromisoformat(anchor.value)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def _calendar_date(relation: dict, anchor: DocumentDate | None) -> dt.date | None:
    year = relation.get("year")
    if year is None:
        if anchor is None or anchor.value is None:
            return None
        year = int(anchor.value[:4])
        if anchor.precision in ("month", "day") and relation["month"] > int(anchor.value[5:7]):
            year -= 1  # "am 27. September" in an article from July: last September
    try:
        return dt.date(year, relation["month"], relation["day"])
    except ValueError:
        return None


def _resolve_day(relation: dict, anchor: DocumentDate | None) -> dt.date | None:
    """The calendar day a relation names, or None when the anchor is not precise enough."""
    if "month" in relation and "day" in relation:
        return _calendar_date(relation, anchor)
    try:
        return _day_relative_to_anchor(relation, anchor)
    except OverflowError:
        return None  # before 0001-01-01: no calendar day to name; stay at the anchor's precision


def _day_relative_to_anchor(relation: dict, anchor: DocumentDate | None) -> dt.date | None:
    day = _anchor_day(anchor)
    if day is None:
        return None
    if "weekday" in relation:
        return _weekday_on_or_before(day, int(relation["weekday"]))
    if "days_before_anchor" in relation:
        return day - dt.timedelta(days=int(relation["days_before_anchor"]))
    if "days_before_ref" in relation:
        ref = _resolve_day(relation.get("ref") or {}, anchor)
        return None if ref is None else ref - dt.timedelta(days=int(relation["days_before_ref"]))
    return None


_VALID_TIME_DEFAULTS = {name: None for name in ValidTime.model_fields}


def _valid_time(**fields) -> ValidTime:
    """`ValidTime(**fields)` without validation, for `resolve`: its dates come from
    `date.isoformat()` or a validated anchor, so they are valid EDTF by construction. The
    relation is copied, as validation would copy it."""
    if fields.get("relation") is not None:
        fields["relation"] = dict(fields["relation"])
    return trusted(ValidTime, {**_VALID_TIME_DEFAULTS, **fields}, set(fields))


def resolve(
    relation: dict | None,
    phrase: str | None,
    anchor: DocumentDate | None,
    order: int | None = None,
) -> ValidTime:
    """Resolve a relative date phrase against a document date, never adding precision.

    With an anchor known to the day, `order` becomes the day offset from the anchor;
    otherwise the caller's `order` (a within-document estimate) is kept.
    """
    anchor_value = anchor.value if anchor is not None else None
    if relation is not None and "years" in relation:
        first, last = relation["years"]
        date = str(first) if first == last else f"{first}/{last}"
        if anchor_value is not None:
            # A past year comes before the document's own days in its order (a figure
            # about the war of 1988-1994 is not the document's latest); the anchor's
            # own year or a later one counts as the document's time.
            order = min(0, (dt.date(last, 12, 31) - period_bounds(anchor_value)[0]).days)
        return _valid_time(
            date=date, precision="year", phrase=phrase, relation=relation, anchor=anchor_value, order=order
        )
    if relation is None:
        if anchor_value is None:
            return _valid_time(phrase=phrase, relation=None, anchor=None, order=order)
        return _valid_time(
            date=anchor_value, precision=anchor.precision, phrase=phrase, anchor=anchor_value, order=order
        )
    day = _resolve_day(relation, anchor)
    if day is not None:
        anchor_day = _anchor_day(anchor)
        if anchor_day is not None:
            order = (day - anchor_day).days
        date = day.isoformat()
        if relation.get("since"):
            # "seit Sonntag": from that day up to the document date (open when unknown).
            if anchor_day is None:
                date = f"{date}/.."
            elif anchor_day > day:
                date = f"{date}/{anchor_day.isoformat()}"
        return _valid_time(
            date=date, precision="day", phrase=phrase, relation=relation, anchor=anchor_value, order=order
        )
    if anchor_value is None:
        return _valid_time(phrase=phrase, relation=relation, anchor=None, order=order)
    # Not resolvable to a day: stay at the anchor's own precision (invariant 8).
    return _valid_time(
        date=anchor_value, precision=anchor.precision, phrase=phrase, relation=relation, anchor=anchor_value, order=order
    )


def re_resolve(valid: ValidTime, new_anchor: DocumentDate) -> ValidTime:
    """The same phrase and relation, resolved against a corrected document date."""
    return resolve(valid.relation, valid.phrase, new_anchor, order=valid.order)


def period_bounds(value: str) -> tuple[dt.date, dt.date]:
    """First and last day covered by an EDTF date of any precision."""
    _, precision = parse_edtf(value)
    year = int(value[:4])
    if precision == "year":
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(value[5:7])
    if precision == "month":
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return dt.date(year, month, 1), nxt - dt.timedelta(days=1)
    day = dt.date.fromisoformat(value)
    return day, day
