"""The rules of the claim read models, pure (no I/O): the order of reports, when
two values are "the same", when a claim is disputed, and the change each history
entry makes. The projection and every query use these functions, so a state
computed incrementally, rebuilt, or reconstructed "as of" a position agrees.

Order. A claim's reports are ordered by reported date (the document's date),
then by the position of the document, then by the day offset the text gives
inside that document ("the day before" comes before "on Friday"), then by the
report's own position (a "since ..." interval counts at its end, the document
date). Dates of lower precision sort before the days they
contain ("2025-07" before "2025-07-01"); an undated document sorts by its fetch
date, else first. The "latest" report of a claimant is the last in this order.

Same value. casualties: two plain figures (exact, approximately, nearly) agree
when their counts are equal, whatever the qualifier ("fast 200" and "200"); an
open figure (at least, more than, up to) agrees with one of the same count and
qualifier, contradicts one outside its range, and is undecided otherwise; a
figure without a count (Dutzende) decides nothing. ceasefire_position: the
same stance agrees; "rejects" contradicts ready_to_negotiate, calls_for_ceasefire
and agreed; other pairs are undecided. diplomatic_contact: reports agree when
topic and outcome match where both give them; contacts never contradict.
A claim is disputed when two of its current values contradict each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

SAME, DIFFERENT, UNDECIDED = "same", "different", "undecided"
CHANGES = ("new", "revised", "corroborated", "disputed", "retracted", "corrected")

_OPEN_QUALIFIERS = {"at_least", "more_than", "up_to"}
_REJECTS = "rejects"
_ACCEPTING = {"ready_to_negotiate", "calls_for_ceasefire", "agreed"}
_ORDER_OFFSET = 500_000  # day offsets inside a document, shifted to stay non-negative
UNKNOWN_DATE = "0000-00-00"


# ------------------------------------------------------------------ dates


def sort_date(value: str | None) -> str | None:
    """An EDTF date padded to YYYY-MM-DD, lower precision first: 2025 -> 2025-00-00."""
    if not value:
        return None
    value = value.split("/", 1)[0] if "/" in value else value
    if value in ("", ".."):
        return None
    if len(value) == 4:
        return value + "-00-00"
    if len(value) == 7:
        return value + "-00"
    return value[:10]


def reported_sort(reported: str | None, fetched_at: str | None) -> str:
    """The reported date (the document date's value) as sorted, else the fetch day."""
    return sort_date(reported) or (fetched_at[:10] if fetched_at else UNKNOWN_DATE)


def first_day(edtf: str | None) -> str | None:
    """The first calendar day of an EDTF date or interval start (None when open or unknown)."""
    if not edtf:
        return None
    start, _, end = edtf.partition("/")
    for side in (start, end):
        if side and side != "..":
            if len(side) == 4:
                return side + "-01-01"
            if len(side) == 7:
                return side + "-01"
            return side[:10]
    return None


def last_day(edtf: str) -> str:
    """The last calendar day of an EDTF date: `--at 2025-07` means "by the end of July"."""
    if len(edtf) == 4:
        return edtf + "-12-31"
    if len(edtf) == 7:
        year, month = int(edtf[:4]), int(edtf[5:7])
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return (nxt - dt.timedelta(days=1)).isoformat()
    return edtf[:10]


def valid_from(valid: str | None, reported: str | None) -> str | None:
    """The first day a claim holds: its valid date, else the document date (EDTF values)."""
    return first_day(valid) or first_day(reported)


def valid_order(order: int | None, since: Any) -> int | None:
    """A report's day offset inside its document (its valid time's `order`), for
    ordering. A "since Sunday" figure (`relation.since` set) is an interval that
    ends at the document date: it is stated as of that date, so it sorts there,
    not at the interval's start."""
    return 0 if since else order


def order_key(reported_sort_: str, document_position: int, valid_order: int | None, position: int) -> str:
    """Fixed-width text whose byte order is the history order (see the module doc)."""
    offset = max(0, min(2 * _ORDER_OFFSET - 1, (valid_order or 0) + _ORDER_OFFSET))
    return f"{reported_sort_}|{document_position:012d}|{offset:07d}|{position:012d}"


# ------------------------------------------------------------------ values


def compare(kind: str, a: dict, b: dict) -> str:
    """SAME, DIFFERENT or UNDECIDED (see the module doc)."""
    if kind == "casualties":
        return _compare_casualties(a, b)
    if kind == "ceasefire_position":
        sa, sb = a.get("stance"), b.get("stance")
        if sa == sb:
            return SAME
        if (sa == _REJECTS and sb in _ACCEPTING) or (sb == _REJECTS and sa in _ACCEPTING):
            return DIFFERENT
        return UNDECIDED
    if kind == "diplomatic_contact":
        for field_ in ("topic", "outcome"):
            x, y = _norm(a.get(field_)), _norm(b.get(field_))
            if x is not None and y is not None and x != y:
                return UNDECIDED
        return SAME
    return SAME if a == b else DIFFERENT


def _compare_casualties(a: dict, b: dict) -> str:
    ca, cb = a.get("count"), b.get("count")
    if ca is None or cb is None:
        return UNDECIDED
    qa, qb = a.get("qualifier") or "exact", b.get("qualifier") or "exact"
    if qa not in _OPEN_QUALIFIERS and qb not in _OPEN_QUALIFIERS:
        return SAME if ca == cb else DIFFERENT
    if qa == qb and ca == cb:
        return SAME
    la, ha = _range(ca, qa)
    lb, hb = _range(cb, qb)
    return UNDECIDED if la <= hb and lb <= ha else DIFFERENT


def _range(count: int, qualifier: str) -> tuple[float, float]:
    if qualifier == "at_least":
        return count, float("inf")
    if qualifier == "more_than":
        return count + 1, float("inf")
    if qualifier == "up_to":
        return 0, count
    return count, count


def _norm(text: Any) -> str | None:
    return " ".join(str(text).casefold().split()) if text else None


def disputed(kind: str, values: Sequence[dict]) -> bool:
    """Do any two current values contradict each other?"""
    if kind == "diplomatic_contact":
        return False  # contacts never contradict (see compare): no need to compare every pair
    return any(
        compare(kind, values[i], values[j]) == DIFFERENT
        for i in range(len(values))
        for j in range(i + 1, len(values))
    )


# ------------------------------------------------------------------ history


@dataclass
class Entry:
    """One history entry: a report, or an analyst's correction or retraction of one."""

    type: str  # report | corrected | retracted
    position: int
    claimed_by: str
    value: dict
    document_id: str | None = None
    revision: int | None = None
    target: int | None = None  # the report an analyst entry acts on
    change: str | None = None
    disputed: bool = False  # the claim's disputed flag after this entry
    data: dict = field(default_factory=dict)  # what the caller wants carried along


def ordered(reports: Iterable[tuple[str, Entry]], amendments: Iterable[Entry]) -> list[Entry]:
    """Reports in order-key order, each followed by the analyst entries that act
    on it (in log order); entries whose report is not in the list come last."""
    out: list[Entry] = []
    by_target: dict[int, list[Entry]] = {}
    for entry in sorted(amendments, key=lambda e: e.position):
        by_target.setdefault(entry.target, []).append(entry)
    for _, report in sorted(reports, key=lambda pair: pair[0]):
        out.append(report)
        out.extend(by_target.pop(report.position, ()))
    out.extend(sorted((e for rest in by_target.values() for e in rest), key=lambda e: e.position))
    return out


def classify(kind: str, entries: list[Entry]) -> list[Entry]:
    """Set each entry's `change` and `disputed`, walking the history in order.

    new: the claim's first value (or first again after everything was retracted).
    revised: the same claimant with a value that is not the same (see compare), or a
        later revision of the same document.
    corroborated: a claimant repeating its value, or joining with a value no one contradicts.
    disputed: a claimant joining with a value that contradicts the others.
    retracted / corrected: an analyst's action.
    """
    # Per claimant its reports still standing, in order, as [entry, corrected value or None].
    standing: dict[str, list[list]] = {}

    def current(claimant: str) -> list | None:
        stack = standing.get(claimant)
        return stack[-1] if stack else None

    def value_of(item: list) -> dict:
        return item[1] if item[1] is not None else item[0].value

    for entry in entries:
        mine = current(entry.claimed_by)
        if entry.type == "report":
            others = [value_of(current(c)) for c in standing if c != entry.claimed_by and standing[c]]
            if mine is not None:
                prev = mine[0]
                if prev.document_id == entry.document_id and (entry.revision or 0) > (prev.revision or 0):
                    entry.change = "revised"
                elif compare(kind, value_of(mine), entry.value) != SAME:
                    entry.change = "revised"
                else:
                    entry.change = "corroborated"
            elif not others:
                entry.change = "new"
            else:
                verdicts = {compare(kind, other, entry.value) for other in others}
                entry.change = "disputed" if DIFFERENT in verdicts and SAME not in verdicts else "corroborated"
            standing.setdefault(entry.claimed_by, []).append([entry, None])
        elif entry.type == "retracted":
            entry.change = "retracted"
            stack = standing.get(entry.claimed_by) or []
            standing[entry.claimed_by] = [item for item in stack if item[0].position != entry.target]
        elif entry.type == "corrected":
            entry.change = "corrected"
            for item in standing.get(entry.claimed_by) or []:
                if item[0].position == entry.target:
                    item[1] = entry.value
        entry.disputed = disputed(kind, [value_of(s[-1]) for s in standing.values() if s])
    return entries


def pick_latest(rows: Iterable[tuple[str, str, Any]]) -> dict[str, tuple[str, Any]]:
    """Per claimant the (order_key, payload) of its latest row, from (claimant, order_key, payload)."""
    latest: dict[str, tuple[str, Any]] = {}
    for claimant, key, payload in rows:
        held = latest.get(claimant)
        if held is None or key > held[0]:
            latest[claimant] = (key, payload)
    return latest


def subject_actors(kind: str, subject: dict) -> list[str]:
    """The actors a claim is about (for `--actor`)."""
    if kind == "casualties":
        return [subject["side"]] if subject.get("side") else []
    if kind == "ceasefire_position":
        return [subject["actor"]] if subject.get("actor") else []
    if kind == "diplomatic_contact":
        return list(subject.get("participants") or [])
    return []
