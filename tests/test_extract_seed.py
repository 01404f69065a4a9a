"""Acceptance on the seed article (German, dated 2025-07 by its prefix)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.domain.dates import DocumentDate, re_resolve
from tracker.domain.events import correct_document_date
from tracker.extract import EXTRACTOR_VERSION, extract, split_date_prefix

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_d0516d5b3b967395.txt"
FRIDAY = DocumentDate(value="2020-10-02", kind="published")  # a Friday


@pytest.fixture(scope="module")
def seed():
    date, text, offset = split_date_prefix(SEED.read_text("utf-8"))
    assert date == DocumentDate(value="2025-07", precision="month", kind="published")
    assert offset == len(" date 2025-07 ") and text.startswith("Sechs Tage nach Beginn")
    return text, date, extract(text, date)


def _find(result, kind, key, **value):
    return [
        r
        for r in result.reports
        if r.kind == kind and r.claim_key == key and all(r.value.get(k) == v for k, v in value.items())
    ]


def test_language_relevance_and_version(seed):
    _, _, result = seed
    assert result.language == "de"
    assert result.relevance.conflict_id == "nagorno-karabakh"
    assert all(r.extractor_version == EXTRACTOR_VERSION for r in result.reports)
    assert [r.index for r in result.reports] == list(range(len(result.reports)))


def test_every_quote_is_the_text_at_its_span_and_nothing_is_invented(seed):
    text, _, result = seed
    assert result.reports
    for r in result.reports:
        assert text[r.span[0] : r.span[1]] == r.quote
        assert (r.valid.date, r.valid.precision, r.valid.anchor) == ("2025-07", "month", "2025-07")


def test_casualties_nearly_200_and_30_civilians_among_them(seed):
    _, _, result = seed
    [total] = _find(result, "casualties", "casualties/killed/total", count=200, qualifier="nearly")
    assert total.claimed_by == "PRESS"
    assert total.value["wording"] == "fast 200" and total.value["cumulative"] is True
    assert (total.value["low"], total.value["high"]) == (180, 199)
    assert total.valid.phrase == "seit Sonntag" and total.valid.relation == {"weekday": 6, "since": True}
    [civilians] = _find(result, "casualties", "casualties/killed/civilians", count=30)
    assert civilians.value["part_of"] == total.index and civilians.claimed_by == "PRESS"


def test_armenia_ready_to_negotiate_within_the_minsk_group(seed):
    _, _, result = seed
    ready = _find(result, "ceasefire_position", "ceasefire_position/ARM", stance="ready_to_negotiate")
    via_ministry = [r for r in ready if r.speaker == "das Außenministerium in Eriwan"]
    assert via_ministry and via_ministry[0].claimed_by == "ARM"
    assert via_ministry[0].value["venue"] == "OSCE-MG"
    assert via_ministry[0].valid.phrase == "am Freitag"


def test_azerbaijan_conditional_as_claimed_by_turkey(seed):
    _, _, result = seed
    [cond] = _find(result, "ceasefire_position", "ceasefire_position/AZE", stance="conditional")
    assert cond.claimed_by == "TUR"
    assert cond.speaker == "der türkische Außenminister"
    assert cond.speaker_person == "Mevlüt Çavuşoğlu"
    assert "Armenien" in cond.value["condition"] and "abziehen" in cond.value["condition"]


def test_russia_usa_france_call_for_a_ceasefire(seed):
    _, _, result = seed
    calls = {r.claim_key: r for r in result.reports if r.value.get("stance") == "calls_for_ceasefire"}
    assert {"ceasefire_position/RUS", "ceasefire_position/USA", "ceasefire_position/FRA"} <= set(calls)
    rus = _find(result, "ceasefire_position", "ceasefire_position/RUS", stance="calls_for_ceasefire")
    assert {r.speaker_person for r in rus} >= {"Vassily Nebenzia", "Vladimir Putin"}
    assert all(r.claimed_by == "RUS" for r in rus)
    assert calls["ceasefire_position/USA"].speaker_person == "Donald Trump"
    assert calls["ceasefire_position/FRA"].speaker_person == "Emmanuel Macron"
    assert calls["ceasefire_position/FRA"].valid.phrase == "Am Donnerstag"


def test_both_parties_rejected_mediation_the_day_before(seed):
    _, _, result = seed
    for actor in ("ARM", "AZE"):
        [r] = _find(result, "ceasefire_position", f"ceasefire_position/{actor}", stance="rejects")
        assert r.valid.phrase == "Am Tag zuvor"
        assert r.valid.relation == {"days_before_ref": 1, "ref": {"weekday": 3}}
        assert r.valid.order == -2  # before Thursday (-1) and Friday (0)


def test_contacts_phone_call_and_press_conference(seed):
    _, _, result = seed
    [call] = _find(result, "diplomatic_contact", "diplomatic_contact/phone_call/RUS+TUR/2025-07")
    assert call.subject == {"participants": ["RUS", "TUR"], "medium": "phone_call"}
    assert call.claimed_by == "RUS" and call.valid.phrase == "am Donnerstag"
    [conf] = _find(result, "diplomatic_contact", "diplomatic_contact/press_conference/ITA+TUR/2025-07")
    assert conf.valid.phrase == "am Freitag"


def test_anachronism_warning_for_cavusoglu(seed):
    _, _, result = seed
    assert any(w.startswith("names Mevlüt Çavuşoğlu as foreign minister of TUR") and "2025-07" in w for w in result.warnings)


def test_statements_can_be_ordered_within_the_document(seed):
    _, _, result = seed
    order = {r.valid.phrase: r.valid.order for r in result.reports if r.valid.phrase}
    assert order["seit Sonntag"] < order["Am Tag zuvor"] < order["Am Donnerstag"] < order["am Freitag"]


def test_relative_dates_against_a_known_day(seed):
    text, _, _ = seed
    result = extract(text, FRIDAY)
    by_phrase = {r.valid.phrase: r.valid for r in result.reports if r.valid.phrase}
    assert by_phrase["am Freitag"].date == "2020-10-02"
    assert by_phrase["Am Donnerstag"].date == "2020-10-01"
    assert by_phrase["am Donnerstag"].date == "2020-10-01"
    assert by_phrase["Am Tag zuvor"].date == "2020-09-30"
    assert by_phrase["seit Sonntag"].date.startswith("2020-09-27/")
    assert result.warnings == []  # Çavuşoğlu and Di Maio were in office on that day
    assert "diplomatic_contact/phone_call/RUS+TUR/2020-10-01" in {r.claim_key for r in result.reports}


def test_re_resolve_matches_extracting_with_the_corrected_date(seed):
    text, _, month_result = seed
    day_result = extract(text, FRIDAY)
    assert len(day_result.reports) == len(month_result.reports)
    for at_month, at_day in zip(month_result.reports, day_result.reports):
        assert re_resolve(at_month.valid, FRIDAY) == at_day.valid
    correction = correct_document_date("seed", month_result.reports, FRIDAY, reason="published 2020-10-02", by="test")
    assert [r.claim_key for r in correction.re_resolved] == [r.claim_key for r in day_result.reports]
    assert [r.valid for r in correction.re_resolved] == [r.valid for r in day_result.reports]
    # the earlier resolution is untouched
    assert all(r.valid.date == "2025-07" for r in month_result.reports)


def test_extraction_is_deterministic(seed):
    text, date, result = seed
    assert extract(text, date) == result
