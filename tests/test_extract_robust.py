"""Whatever the text, extraction does not fail, every quote stands at its span, and the
same input gives the same output."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.dates import DocumentDate
from tracker.extract import extract

# Words the rules react to, so random texts reach deep into them, plus noise.
_WORDS = [
    "Berg-Karabach", "Nagorno-Karabakh", "Armenien", "Aserbaidschan", "Armenia", "Azerbaijan", "Stepanakert",
    "sagte", "said", "laut", "according", "to", "nach", "Angaben", "getötet", "killed", "verletzt", "wounded",
    "fast", "mehr", "als", "more", "than", "200", "2.300", "2,300", "zwölf", "Dutzende", "Zivilisten", "civilians",
    "Soldaten", "soldiers", "Waffenstillstand", "ceasefire", "bereit", "ready", "lehnte", "ab", "rejected",
    "forderte", "called", "for", "wenn", "if", "Telefonat", "phone", "call", "traf", "met", "am", "Freitag",
    "on", "Friday", "seit", "Sonntag", "Am Tag zuvor", "der", "die", "und", "and", "the", "türkische",
    "Außenminister", "Lawrow", "Çavuşoğlu", "„", "“", '"', ",", ".", ";", ":", "(", ")", "\n", "\n\n", "İ", "ß", "ﬁ",
    "1992", "45-jähriger", "Prozent", "$", "5.000", "Euro", "darunter", "including", "Kreml", "US-Präsident",
]

texts = st.lists(st.sampled_from(_WORDS), max_size=80).map(" ".join) | st.text(max_size=300)
dates = st.sampled_from(
    [None, DocumentDate(value="2025-07", kind="published"), DocumentDate(value="2020-10-02", kind="published")]
)


@settings(max_examples=300, deadline=None)
@given(texts, dates)
def test_extraction_never_fails_and_quotes_match(text, published):
    result = extract(text, published)
    for i, r in enumerate(result.reports):
        assert r.index == i
        assert text[r.span[0] : r.span[1]] == r.quote
        if r.value.get("part_of") is not None:
            assert 0 <= r.value["part_of"] < i
    assert extract(text, published) == result


def test_empty_and_blank_texts():
    for text in ("", " ", "\n\n", "..."):
        result = extract(text)
        assert result.reports == [] and result.relevance.conflict_id is None


def test_unknown_document_date_leaves_dates_unknown():
    result = extract("Bei den Kämpfen um Berg-Karabach wurden am Freitag 12 Soldaten getötet.")
    [report] = result.reports
    assert report.valid.date is None and report.valid.phrase == "am Freitag"
