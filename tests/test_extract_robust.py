"""Whatever the text, extraction does not fail, every quote stands at its span, and the
same input gives the same output."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.claims import ClaimReport
from tracker.domain.dates import DocumentDate
from tracker.extract import extract, split_date_prefix

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
        _assert_valid(r)
    assert extract(text, published) == result


def _assert_valid(report: ClaimReport) -> None:
    """The extractor builds reports without validation: they must equal validated ones."""
    validated = ClaimReport.model_validate(report.model_dump(exclude={"claim_key"}))
    assert validated == report
    assert validated.model_dump_json() == report.model_dump_json()
    assert validated.model_fields_set == report.model_fields_set


def test_reports_equal_validated_reports():
    root = Path(__file__).resolve().parents[1]
    date, seed, _ = split_date_prefix((root / "seeds" / "000_d0516d5b3b967395.txt").read_text("utf-8"))
    cases = [(seed, date)]
    for path in sorted((root / "tests" / "corpus").glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        default = data["defaults"]["published"]
        cases += [
            (item["text"], DocumentDate(value=str(item.get("published", default)), kind="published"))
            for item in data["items"]
        ]
    reports = [r for text, published in cases for r in extract(text, published).reports]
    assert len(reports) > 100
    for r in reports:
        _assert_valid(r)


def test_empty_and_blank_texts():
    for text in ("", " ", "\n\n", "..."):
        result = extract(text)
        assert result.reports == [] and result.relevance.conflict_id is None


def test_unknown_document_date_leaves_dates_unknown():
    result = extract("Bei den Kämpfen um Berg-Karabach wurden am Freitag 12 Soldaten getötet.")
    [report] = result.reports
    assert report.valid.date is None and report.valid.phrase == "am Freitag"


@pytest.mark.parametrize(
    "text,date,phrase",
    [
        ("Im Jahr 2016 waren bei Kämpfen in Berg-Karabach rund 200 Menschen getötet worden.", "2016", "Im Jahr 2016"),
        ("About 30,000 people were killed in the Nagorno-Karabakh war of 1988-1994.", "1988/1994", "1988-1994"),
        ("Im Krieg um Berg-Karabach wurden Anfang der 1990er Jahre rund 30.000 Menschen getötet.", "1990/1999",
         "Anfang der 1990er Jahre"),
        # "since" dates nothing: the figure holds at the document date
        ("It is the worst fighting in Nagorno-Karabakh since the 1990s, and 80 people were killed.", "2020-10-02",
         None),
    ],
)
def test_a_figure_about_a_past_war_is_dated_to_it(text, date, phrase):
    (report,) = extract(text, DocumentDate(value="2020-10-02", kind="published")).reports
    assert (report.valid.date, report.valid.phrase) == (date, phrase)
    assert text[report.span[0] : report.span[1]] == report.quote
