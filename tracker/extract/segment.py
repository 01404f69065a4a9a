"""Paragraphs, sentences and clauses with character offsets into the document text.

Sentences are not split inside quotations („...“, “...”, "..."), so a quote and its
attribution ("..., sagte der Diplomat") stay one sentence. Clauses are comma-separated
segments, except that a list of actors ("Russland, Frankreich und die USA") is kept
together: that merge needs the actor mentions and happens in `clauses`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PARAGRAPH = re.compile(r"[^\n]+")
_BOUNDARY = re.compile(r"[.!?]+[\"“”»'’)]*\s+(?=[„\"“«'‘(\[]?[A-ZÄÖÜÀ-Þ0-9])")
_QUOTES = re.compile(r"[„“”\"]")
# Possessive quantifiers: giving characters back could never let the rest match, and not
# trying spares a backtracking search from every position of the window.
_LAST_WORD = re.compile(r"([\w.]++)[.!?]*+[\"“”»'’)]*+\s*$")
_MONTHS = re.compile(
    r"(?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    r"jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez)\b",
    re.IGNORECASE,
)
_ABBREVIATIONS = frozenset(
    "z.b u.a d.h bzw usw vgl ca etc dr prof mr mrs ms st nr no gen lt col sgt maj jr sr vs abs art "
    "jan feb mar apr jun jul aug sep sept oct okt nov dec dez inc ltd corp co u.s u.n e.u".split()
)
_MAX_QUOTE = 600  # an unclosed quotation stops protecting boundaries after this many characters
# ", " or " – ": `[,;:]\s+|\s+[–—-]\s+`, written to open with one character class, which
# the regex engine skips to quickly instead of trying both alternatives at every position.
_CLAUSE_BREAK = re.compile(r"[,;:\s](?:(?<=[,;:])\s+|(?<=\s)\s*[–—-]\s+)")


@dataclass(slots=True)
class Sentence:
    index: int
    paragraph: int
    start: int
    end: int
    clauses: list[tuple[int, int]] = field(default_factory=list)


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Each non-empty line is a paragraph (feeds and seeds separate paragraphs by newlines)."""
    out = []
    for m in _PARAGRAPH.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append((start, end))
    return out


def _inside_quotes(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans (within start..end) that lie inside a quotation."""
    if all(text.find(q, start, end) < 0 for q in "„“”\""):
        return []  # most sentences quote nobody (str.find costs less than a regex search)
    spans, opened_at, closer = [], None, None
    for m in _QUOTES.finditer(text, start, end):
        ch = m.group()
        if opened_at is None:
            if ch in "„“\"":
                opened_at, closer = m.start(), {"„": "“", "“": "”", '"': '"'}[ch]
        elif ch == closer or (closer == "“" and ch == "”"):
            spans.append((opened_at, m.end()))
            opened_at = None
        if opened_at is not None and m.start() - opened_at > _MAX_QUOTE:
            opened_at = None
    if opened_at is not None and end - opened_at <= _MAX_QUOTE:
        spans.append((opened_at, end))
    return spans


# Longer words are no abbreviation: the fast answer for most sentence ends.
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))


def _is_abbreviation(text: str, boundary: int, after: int) -> bool:
    # Letters or digits all the way back beyond the longest abbreviation: a word too long
    # to be one (or a two-digit day), and no regex search is needed.
    if boundary > _LONGEST_ABBREVIATION and text[boundary - _LONGEST_ABBREVIATION - 1 : boundary].isalnum():
        return False
    m = _LAST_WORD.search(text, max(0, boundary - 20), boundary + 1)
    if m is None:
        return False
    word = m.group(1).rstrip(".").lower()
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    # "am 27. September": an ordinal day, not a sentence end.
    return word.isdigit() and len(word) <= 2 and bool(_MONTHS.match(text, after))


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    quoted = _inside_quotes(text, start, end)
    out, cursor = [], start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.start() + len(m.group().rstrip())
        if quoted and any(q0 < m.start() < q1 - 1 for q0, q1 in quoted):
            continue
        if _is_abbreviation(text, m.start(), m.end()):
            continue
        out.append((cursor, cut))
        cursor = m.end()
    if cursor < end:
        out.append((cursor, end))
    return out


def sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    for p, (p_start, p_end) in enumerate(split_paragraphs(text)):
        for s_start, s_end in split_sentences(text, p_start, p_end):
            out.append(Sentence(index=len(out), paragraph=p, start=s_start, end=s_end))
    return out


def raw_clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Comma/semicolon/dash separated segments of a sentence (before list merging)."""
    quoted = _inside_quotes(text, start, end)
    out, cursor = [], start
    for m in _CLAUSE_BREAK.finditer(text, start, end):
        if quoted and any(q0 < m.start() < q1 - 1 for q0, q1 in quoted):
            continue
        if m.start() > cursor:
            out.append((cursor, m.start()))
        cursor = m.end()
    if cursor < end:
        out.append((cursor, end))
    return out
