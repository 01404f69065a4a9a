"""Regex helpers: grouped alternations match exactly what the plain alternation matches."""

import re

import pytest

from tracker.domain.text import alternation


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
