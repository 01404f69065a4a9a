"""Claim reports: subjects/values per kind, bounds from qualifiers, claim keys."""

import pytest

from tracker.domain.claims import ClaimReport, bounds, claim_key
from tracker.domain.dates import ValidTime

MONTH = ValidTime(date="2025-07", precision="month", anchor="2025-07")


@pytest.mark.parametrize(
    "count,qualifier,expected",
    [
        (200, "exact", (200, 200)),
        (200, "approximately", (180, 220)),
        (200, "nearly", (180, 199)),
        (200, "at_least", (200, None)),
        (200, "more_than", (201, None)),
        (200, "up_to", (None, 200)),
        (None, "approximately", (None, None)),
    ],
)
def test_bounds(count, qualifier, expected):
    assert bounds(count, qualifier) == expected


def test_claim_keys():
    assert claim_key("casualties", {"measure": "killed", "group": "military", "side": "ARM"}) == "casualties/killed/military/ARM"
    assert claim_key("casualties", {"measure": "killed", "group": "total", "side": None}) == "casualties/killed/total"
    assert claim_key("ceasefire_position", {"actor": "AZE"}) == "ceasefire_position/AZE"
    key = claim_key("diplomatic_contact", {"participants": ["TUR", "RUS"], "medium": "phone_call"}, MONTH)
    assert key == "diplomatic_contact/phone_call/RUS+TUR/2025-07"
    day = ValidTime(date="2020-10-01", precision="day")
    assert claim_key("diplomatic_contact", {"participants": ["RUS", "TUR"], "medium": "phone_call"}, day).endswith("/2020-10-01")


def _report(**over):
    data = dict(
        kind="casualties",
        subject={"measure": "killed", "group": "total", "side": None},
        value={"count": 200, "qualifier": "nearly", "wording": "fast 200", "cumulative": True},
        claimed_by="PRESS",
        valid=MONTH,
        quote="fast 200 Menschen getötet",
        span=(10, 35),
        extractor_version="test",
        index=0,
    )
    data.update(over)
    return ClaimReport(**data)


def test_report_derives_key_and_bounds_and_keeps_value_fields():
    r = _report()
    assert r.claim_key == "casualties/killed/total"
    assert r.value == {
        "count": 200, "qualifier": "nearly", "low": 180, "high": 199, "wording": "fast 200",
        "cumulative": True, "part_of": None,
    }
    dumped = r.model_dump(mode="json")
    assert dumped["span"] == [10, 35] and ClaimReport.model_validate(dumped) == r


def test_key_never_depends_on_value_or_claimant():
    a = _report()
    b = _report(value={"count": 5, "qualifier": "exact", "wording": "5"}, claimed_by="ARM")
    assert a.claim_key == b.claim_key


@pytest.mark.parametrize(
    "over",
    [
        {"claim_key": "casualties/killed/civilians"},  # does not match the subject
        {"span": (10, 20)},  # span length differs from the quote
        {"subject": {"measure": "dead", "group": "total"}},
        {"value": {"count": 3, "qualifier": "roughly", "wording": "3"}},
        {"kind": "diplomatic_contact", "subject": {"participants": ["RUS"], "medium": "meeting"}, "value": {}},
        {"claimed_by": "press"},
    ],
)
def test_invalid_reports_are_rejected(over):
    with pytest.raises(ValueError):
        _report(**over)


def test_quote_matches_text():
    text = "Seit Sonntag fast 200 Menschen getötet."
    start = text.index("fast")
    r = _report(quote=text[start : start + 25], span=(start, start + 25))
    assert r.quote_matches(text) and not r.quote_matches(text.upper())


def test_contact_participants_are_sorted_and_unique():
    r = _report(
        kind="diplomatic_contact",
        subject={"participants": ["TUR", "RUS", "TUR"], "medium": "phone_call"},
        value={"topic": "Karabakh"},
    )
    assert r.subject["participants"] == ["RUS", "TUR"]
    assert r.claim_key == "diplomatic_contact/phone_call/RUS+TUR/2025-07"
