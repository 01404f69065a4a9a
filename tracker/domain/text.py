"""Text helpers shared by the registries: offset-preserving folding and trie regexes.

Matching is accent- and case-insensitive, but every match must point back into the
original text by character offset. `fold` therefore maps each character to exactly one
character, so `fold(text)[i]` always corresponds to `text[i]`.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from typing import NamedTuple

# Characters that NFKD does not decompose but that readers treat as plain letters,
# plus typographic variants that should match their ASCII twins.
_SPECIAL = {
    "ı": "i",  # Turkish dotless i
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ə": "e",  # Azerbaijani schwa: Gəncə == Gence
    "Ə": "e",
    "’": "'",
    "‘": "'",
    "ʼ": "'",
    "–": "-",
    "‑": "-",
    "‐": "-",
}


class _FoldTable(dict):
    """Lazily filled translation table for `str.translate` (one char -> one char)."""

    def __missing__(self, codepoint: int) -> str:
        ch = chr(codepoint)
        folded = _SPECIAL.get(ch)
        if folded is None:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            folded = base.lower()
            if len(folded) != 1:
                # Ligatures, ß and the like: keep one char so offsets stay aligned.
                lower = ch.lower()
                folded = lower if len(lower) == 1 else ch
        self[codepoint] = folded
        return folded


_TABLE = _FoldTable()
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_char(m: re.Match) -> str:
    return _TABLE[ord(m.group())]


def fold(text: str) -> str:
    """Lower-case and strip accents, keeping the length (and so every offset) unchanged."""
    if text.isascii():
        return text.lower()
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ".lower() is two characters: go char by char
        return text.translate(_TABLE)
    # Most characters are ASCII: only the others need the (slower) table.
    return _NON_ASCII.sub(_fold_char, lowered)


def fold_accents(text: str) -> str:
    """Strip accents but keep case (for aliases that must match in their exact case)."""
    return "".join(c if c.isascii() else (fold(c).upper() if c.isupper() else fold(c)) for c in text)


_LEADING_LITERAL = re.compile(r"[a-z0-9ß](?![?*+{])")


def alternation(alternatives: Iterable[str]) -> str:
    """`a|b|c` for regex alternatives, with those that begin with the same letter tried
    under one branch: "sagte\\w*|sagt|erklarte\\w*" becomes "s(?:agte\\w*|agt)|e(?:rklarte\\w*)".

    Python's regex engine tries the alternatives of a branch one by one at every word it
    passes; grouping by first letter makes that one test per letter. The language matched
    and the order in which alternatives are tried (the first one that fits wins) stay the
    same: grouping happens only within runs of alternatives that start with a plain
    letter, keeps their order within each letter, and alternatives may not capture.
    """
    alternatives = list(alternatives)
    out: list[str] = []
    run: dict[str, list[str]] = {}  # first letter -> rests, in order

    def flush():
        for first, rests in run.items():
            out.append(first + ("(?:" + "|".join(rests) + ")" if rests != [""] else ""))
        run.clear()

    for alt in alternatives:
        if re.compile(alt).groups:
            raise ValueError(f"alternatives must not capture: {alt!r}")
        if _LEADING_LITERAL.match(alt) and not _has_top_level_bar(alt):
            run.setdefault(alt[0], []).append(alt[1:])
        else:
            flush()
            out.append(alt)
    flush()
    return "|".join(out)


def _has_top_level_bar(pattern: str) -> bool:
    depth, in_class, escaped = 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            return True
    return False


def trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation for many literal words, shaped as a trie.

    A flat `a|b|c|...` over hundreds of aliases is tried alternative by alternative at every
    position; a trie fails on the first character instead. Greedy optional groups make the
    longest alias win ("armeniens" over "armenien").
    """
    trie: dict = {}
    for word in words:
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            # Wrap multi-char single branches too, so '?' applies to the whole tail.
            return ("(?:" + body + ")?") if len(body) > 1 and not body.startswith("(?:") else body + "?"
        return body

    return build(trie)


class WordStarts:
    r"""Finds literal words where a word starts: the matches of `(?<!\w)(?:trie)tail` (see
    `trie_pattern`), in order, as (matched text, start, end); searched by `finditer_after`,
    for about a third fewer instructions, or tried only at the positions a `SharedScan`
    found."""

    def __init__(self, words: Iterable[str], tail: str = ""):
        self.words = frozenset(w for w in words if w)
        body = f"(?:{trie_pattern(self.words)}){tail}"
        self.pattern = r"(?<!\w)" + body  # what is matched, for readers and tests
        self._first = re.compile(rf"(?<!\w)({body})")
        self._after_non_word = re.compile(rf"\W({body})")

    def find(self, text: str, starts: WordStartPositions | None = None) -> list[tuple[str, int, int]]:
        """The matches in `text`; `starts` (of a SharedScan over this text and these
        words) lets the search skip every other position."""
        out = []
        if starts is None:
            for m in finditer_after(self._first, self._after_non_word, text):
                start, end = m.span(1)
                out.append((m.group(1), start, end))
            return out
        starts.check(self, text)
        match, resume = self._first.match, 0
        for position in starts.positions:
            if position >= resume:  # matches do not overlap, as in a scan
                m = match(text, position)
                if m is not None:
                    start, resume = m.span(1)
                    out.append((m.group(1), start, resume))
        return out


class WordStartPositions(NamedTuple):
    """Where a word of any of `scanned` starts in `text` (SharedScan.starts)."""

    text: str
    positions: list[int]
    scanned: tuple[WordStarts, ...]

    def check(self, words: WordStarts, text: str) -> None:
        if not any(words is s for s in self.scanned):
            raise ValueError("these word starts were found for other words")
        if text is not self.text and text != self.text:
            raise ValueError("these word starts were found in another text")


class SharedScan:
    r"""One pass over a text for several WordStarts: the positions where a word of any of
    them starts, so that each tries its pattern there only. A search walks the whole text
    however few words it finds; four walks over a 2,000-character article cost about twice
    one shared walk plus the tries (measured over `tracker bench` articles)."""

    def __init__(self, scanned: Iterable[WordStarts]):
        self.scanned = tuple(scanned)
        # A lookahead: positions, not words, so a shorter word of another list is not lost.
        words = f"(?={trie_pattern(set().union(*(s.words for s in self.scanned)))})"
        self._at_start = re.compile(r"(?<!\w)" + words)
        self._after_non_word = re.compile(r"\W" + words)

    def starts(self, text: str) -> WordStartPositions:
        positions = [0] if self._at_start.match(text) else []
        positions += [m.end() for m in self._after_non_word.finditer(text)]
        return WordStartPositions(text, positions, self.scanned)


def finditer_after(
    first: re.Pattern, after: re.Pattern, text: str, start: int = 0, end: int = sys.maxsize
) -> Iterator[re.Match]:
    r"""The matches of a pattern `(?<!C)(X)` in text[start:end], as its `finditer` finds
    them, for a pattern X that never matches empty; callers read X as a group.

    Python's regex engine tries a pattern that opens with a lookbehind at every position,
    but skips quickly to the next character of a known set. So `first`, the pattern itself,
    is tried only where the search resumes, and `after`, `[^C](X)`, is searched from there:
    the leftmost match either starts where the search resumes or right after a character
    not in C. (`\b` may stand for `(?<!\w)` when X begins with a word character.)
    """
    while True:
        m = first.match(text, start, end) or after.search(text, start, end)
        if m is None:
            return
        yield m
        start = m.end()
