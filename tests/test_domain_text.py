"""Regex helpers: grouped alternations match exactly what the plain alternation matches,
and WordStarts exactly what its lookbehind pattern matches, scanning alone or sharing a
scan with other word lists."""

import re
from pathlib import Path

import pytest

from tracker.domain.actors import ActorRegistry
from tracker.domain.conflict import ConflictRegistry
from tracker.domain.text import SharedScan, WordStarts, alternation, fold
from tracker.extract import lexicon as lx


def test_alternatives_are_grouped_by_first_letter():
    assert alternation(["sagte\\w*", "erklarte", "sagt"]) == "s(?:agte\\w*|agt)|e(?:rklarte)"
    assert alternation(["a", "ab"]) == "a(?:|b)"


def test_order_is_kept_around_alternatives_without_a_plain_first_letter():
    # "\w+-x" may match where "a..." does: nothing moves across it
    assert alternation(["ab", r"\w+-x", "ac", "b?c", "ad"]) == r"a(?:b)|\w+-x|a(?:c)|b?c|a(?:d)"


def test_first_fitting_alternative_still_wins():
    words = ["an", "and", "bei", "anders", r"an\w*", "b"]
    plain, grouped = re.compile("|".join(words)), re.compile(alternation(words))
    for text in ["anders", "and", "beim", "b", "xan", "ander"]:
        assert [m.span() for m in plain.finditer(text)] == [m.span() for m in grouped.finditer(text)]


def test_capturing_alternatives_are_refused():
    with pytest.raises(ValueError):
        alternation(["a(b)", "c"])


def test_word_starts_finds_what_its_pattern_finds():
    actors, conflicts = ActorRegistry.load(), ConflictRegistry.load()
    scanners = [actors._actor_words, actors._role_words, conflicts._term_words, lx.TRIGGER_WORDS]
    scanners += [WordStarts(["u.s.", "us", "armee"], r"(?!\w)"), WordStarts(["ab", "abc", "b", "-b", "."])]
    texts = ["", "a", "u.s.armee", "-u.s.-armee", "us.us us", "abc-abcab b_b.-b", "Armenien, Aserbaidschan und die OSZE"]
    root = Path(__file__).resolve().parents[1]
    texts += [path.read_text("utf-8") for path in [*root.glob("seeds/*.txt"), *root.glob("tests/corpus/*.yaml")]]
    shared = SharedScan(scanners)
    for text in map(fold, texts):
        starts = shared.starts(text)
        for scanner in scanners:
            expected = [(m.group(), m.start(), m.end()) for m in re.finditer(scanner.pattern, text)]
            assert scanner.find(text) == expected
            assert scanner.find(text, starts) == expected, (scanner.pattern[:40], text[:40])


def test_a_shared_scan_keeps_overlapping_words_of_different_lists():
    # "ab" of one list and "abc" of another start at the same place; "b" inside "-b" too
    short, long_, inner = WordStarts(["ab"]), WordStarts(["abc", "-b"]), WordStarts(["b"], r"(?!\w)")
    text = "abc ab -b abc ab-b"
    starts = SharedScan([short, long_, inner]).starts(text)
    assert short.find(text, starts) == [("ab", 0, 2), ("ab", 4, 6), ("ab", 10, 12), ("ab", 14, 16)]
    assert long_.find(text, starts) == [("abc", 0, 3), ("-b", 7, 9), ("abc", 10, 13)]
    assert inner.find(text, starts) == [("b", 8, 9), ("b", 17, 18)]


def test_word_starts_of_another_scan_or_text_are_refused():
    words, other = WordStarts(["ab"]), WordStarts(["cd"])
    starts = SharedScan([other]).starts("ab cd")
    with pytest.raises(ValueError, match="other words"):
        words.find("ab cd", starts)
    with pytest.raises(ValueError, match="another text"):
        other.find("cd ab", starts)
