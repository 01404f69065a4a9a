"""Feed bytes -> document candidates: ids, plain text and dated, via feedparser.

feedparser gets the bytes and the response headers, never a URL (see fetch.py).
An ill-formed ("bozo") feed is still read for what it holds; the problem is
returned so the feed's state can show it.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, timedelta

import feedparser

from ..domain.dates import DocumentDate
from ..domain.events import document_id
from ..domain.text import fold
from .htmltext import html_to_text, normalise_space

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ISO_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?=$|[T\s])")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")
# A publication date this far ahead of the fetch is a publisher's clock or typing error.
FUTURE_TOLERANCE = timedelta(days=2)


@dataclass(frozen=True)
class Candidate:
    """A document as read from its source, before extraction."""

    document_id: str
    source: str  # the feed's name, or "seed"
    url: str | None
    title: str | None
    text: str
    published: DocumentDate
    language: str | None  # None: let the extractor detect it
    fetched_at: str | None = None
    warnings: tuple[str, ...] = ()

    @cached_property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def stream(self) -> str:
        return document_stream(self.document_id)


def document_stream(doc_id: str) -> str:
    return f"document-{doc_id}"


@dataclass
class ParsedFeed:
    candidates: list[Candidate]
    entries: int  # entries in the feed, including those that gave no candidate
    problem: str | None = None  # why feedparser flagged the feed as ill-formed
    empty: int = 0  # entries with no id, link, title or text: nothing to store
    duplicates: int = 0  # entries repeating an id already seen in this feed
    notes: list[str] = field(default_factory=list)


def parse_feed(
    body: bytes,
    headers: dict[str, str],
    *,
    source: str,
    language: str | None,
    fetched_at: str | None,
) -> ParsedFeed:
    try:
        # No sanitising or URI resolving: both rewrite the HTML of every entry
        # (a third of the parse time) for markup that html_to_text drops anyway.
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not lose the poll
        return ParsedFeed([], 0, problem=f"feedparser failed: {type(exc).__name__}: {exc}")
    problem = _bozo_problem(parsed) if parsed.get("bozo") else None
    feed_info = parsed.get("feed") or {}
    feed_date = _entry_date(feed_info, fetched_at, feed_level=True)
    entries = parsed.get("entries") or []
    candidates = [
        entry_candidate(entry, source=source, language=language, fetched_at=fetched_at, feed_date=feed_date)
        for entry in entries
    ]
    return _first_of_each(candidates, len(entries), problem)


def merge_parts(parts: list[ParsedFeed]) -> ParsedFeed:
    """The parts of a feed cut by split.split_feed, each read by parse_feed, as
    parse_feed reads the whole feed."""
    return _first_of_each(
        [c for part in parts for c in part.candidates],
        sum(p.entries for p in parts),
        parts[0].problem,
        empty=sum(p.empty for p in parts),
        duplicates=sum(p.duplicates for p in parts),
    )


def _first_of_each(
    candidates: list[Candidate | None], entries: int, problem: str | None, empty: int = 0, duplicates: int = 0
) -> ParsedFeed:
    """The candidates in feed order, each document once; None stands for an empty
    entry. `empty` and `duplicates` count those found before (in other parts)."""
    out = ParsedFeed([], entries, problem, empty=empty, duplicates=duplicates)
    seen: set[str] = set()
    for candidate in candidates:
        if candidate is None:
            out.empty += 1
        elif candidate.document_id in seen:
            # The first occurrence wins (feeds list newest first): storing both
            # would make them revisions of each other on every poll.
            out.duplicates += 1
        else:
            seen.add(candidate.document_id)
            out.candidates.append(candidate)
    if out.duplicates:
        out.notes.append(f"{out.duplicates} entries repeat an id already in this feed (first kept)")
    return out


def entry_candidate(
    entry: dict,
    *,
    source: str,
    language: str | None,
    fetched_at: str | None,
    feed_date: DocumentDate | None = None,
) -> Candidate | None:
    title = _plain(dict.get(entry, "title"), dict.get(entry, "title_detail"))
    body = _body(entry)
    if title and body and not body.startswith(title):
        text = f"{title}\n\n{body}"
    else:
        text = body or title or ""
    link = _str(dict.get(entry, "link"))
    guid = _str(dict.get(entry, "id"))
    if not (guid or link or text):
        return None
    if guid and not _URI.match(guid):
        # An opaque guid ("12345") is unique only within its feed, unlike a URL
        # or URN; the feed name keeps two feeds' "12345" apart.
        guid = f"{source}#{guid}"
    doc_id = document_id(guid=guid, link=link, content=None if (guid or link) else text)
    published = _entry_date(entry, fetched_at) or feed_date or DocumentDate(kind="unknown")
    warnings = []
    if published.value and fetched_at and published.precision == "day":
        fetched_day = datetime.fromisoformat(fetched_at.replace("Z", "+00:00")).date()
        if date.fromisoformat(published.value) > fetched_day + FUTURE_TOLERANCE:
            warnings.append(f"publication date {published.value} lies after the fetch ({fetched_day})")
    return Candidate(
        document_id=doc_id,
        source=source,
        url=link,
        title=title or None,
        text=text,
        published=published,
        language=language,
        fetched_at=fetched_at,
        warnings=tuple(warnings),
    )


def _bozo_problem(parsed) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "ill-formed feed, read anyway"
    if hasattr(exc, "getMessage") and hasattr(exc, "getLineNumber"):  # the SAX parser's errors
        detail = f"line {exc.getLineNumber()}: {exc.getMessage()}"
    else:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"ill-formed feed, read anyway: {detail[:200]}"


def matches_keywords(candidate: Candidate, keywords: list[str] | None) -> bool:
    """Any keyword anywhere in title or text, ignoring case and accents
    ("armenien" matches "Armeniens")."""
    if not keywords:
        return True
    haystack = fold(f"{candidate.title or ''}\n{candidate.text}")
    return any(fold(k) in haystack for k in keywords)


def _body(entry: dict) -> str:
    """The fullest text the entry offers: its longest content, else its summary."""
    best = ""
    for content in dict.get(entry, "content") or []:
        text = _plain(content.get("value"), content)
        if len(text) > len(best):
            best = text
    if not best:
        best = _plain(dict.get(entry, "summary"), dict.get(entry, "summary_detail"))
    return best


def _plain(value, detail) -> str:
    if not isinstance(value, str) or not value:
        return ""
    kind = (detail or {}).get("type", "text/html") if isinstance(detail, dict) else "text/html"
    return html_to_text(value) if kind in _HTML_TYPES else normalise_space(value)


def _str(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _entry_date(entry: dict, fetched_at: str | None, feed_level: bool = False) -> DocumentDate | None:
    """The entry's date with its precision and kind (published before updated).

    The date is taken as written, in the publisher's own time zone: an article
    from 00:30 +02:00 is from that day, and it is the publisher's day that its
    "yesterday" and "on Friday" refer to. A W3C date of "2025-07" stays a month.
    """
    for key, kind in (("published", "published"), ("updated", "updated")):
        raw = _str(dict.get(entry, key))
        parsed = dict.get(entry, f"{key}_parsed")
        found = _date_as_written(raw, parsed)
        if found is not None:
            value, precision = found
            return DocumentDate(value=value, precision=precision, kind="feed" if feed_level else kind)
    return None


def _date_as_written(raw: str | None, parsed) -> tuple[str, str] | None:
    if raw:
        m = _ISO_DATE.match(raw)
        if m:
            year, month, day = m.groups()
            try:
                if day:
                    return date(int(year), int(month), int(day)).isoformat(), "day"
                if month and 1 <= int(month) <= 12:
                    return f"{year}-{month}", "month"
                if not month:
                    return year, "year"
            except ValueError:
                pass
        rfc = email.utils.parsedate_tz(raw)
        if rfc and rfc[0] and 1 <= rfc[1] <= 12:
            try:
                return date(rfc[0], rfc[1], rfc[2]).isoformat(), "day"
            except ValueError:
                pass
    if parsed:  # another format feedparser understood (normalised to UTC)
        try:
            return date(*parsed[:3]).isoformat(), "day"
        except (TypeError, ValueError):
            return None
    return None
