"""Event payloads: schema versions, upcasting, deterministic ids, date corrections."""

import pytest

from tracker.domain.claims import ClaimReport
from tracker.domain.dates import DocumentDate, ValidTime, resolve
from tracker.domain.events import (
    ClaimCorrected,
    ClaimReported,
    DocumentIngested,
    ExtractionInfo,
    correct_document_date,
    document_id,
    event_id,
    from_event,
    to_event_data,
)

MONTH = DocumentDate(value="2025-07", kind="published")


def _report(index=0, valid=None, kind="casualties"):
    if kind == "casualties":
        subject = {"measure": "killed", "group": "total"}
        value = {"count": 200, "qualifier": "nearly", "wording": "fast 200"}
    else:
        subject = {"participants": ["RUS", "TUR"], "medium": "phone_call"}
        value = {}
    return ClaimReport(
        kind=kind, subject=subject, value=value, claimed_by="PRESS",
        valid=valid or resolve({"weekday": 4}, "am Freitag", MONTH, order=0),
        quote="q", span=(0, 1), extractor_version="rules-test", index=index,
    )


def test_ids_are_deterministic_and_distinct():
    assert event_id("a", 1) == event_id("a", 1) != event_id("a", 2)
    assert len(event_id("x")) == 32
    assert document_id(guid="g1") == document_id(guid="g1") != document_id(link="g1")
    assert len(document_id(content="text")) == 24
    with pytest.raises(ValueError):
        document_id()


def test_claim_reported_round_trip_and_id():
    ev = ClaimReported(document_id="d", revision=1, reported=MONTH, report=_report())
    data = to_event_data(ev)
    assert data["schema"] == 2
    assert from_event("ClaimReported", data) == ev
    other = ClaimReported(document_id="d", revision=1, reported=MONTH, report=_report(index=1))
    assert ev.event_id() == ClaimReported(document_id="d", revision=1, reported=MONTH, report=_report()).event_id()
    assert ev.event_id() != other.event_id()


def test_v1_claim_reported_is_upcast():
    data = to_event_data(ClaimReported(document_id="d", revision=1, reported=MONTH, report=_report()))
    data["schema"] = 1
    del data["report"]["extractor_version"]
    ev = from_event("ClaimReported", data)
    assert ev.report.extractor_version == "unversioned"
    with pytest.raises(ValueError):
        from_event("ClaimReported", {**data, "schema": 99})
    with pytest.raises(ValueError):
        from_event("NoSuchEvent", {})


def test_document_ingested_keeps_text_warnings_and_status():
    ev = DocumentIngested(
        document_id="d", revision=1, source="seed", language="de", text="T", text_sha256="h",
        published=MONTH, warnings=["w"],
        extraction=ExtractionInfo(status="failed", error="boom", extractor_version="rules-test"),
    )
    back = from_event("DocumentIngested", to_event_data(ev))
    assert back == ev and back.extraction.error == "boom"
    assert ev.event_id() != ev.model_copy(update={"revision": 2}).event_id()


def test_correction_events_have_ids_from_what_they_record():
    a = ClaimCorrected(claim_key="k", value={"count": 1}, reason="typo", by="ana")
    b = ClaimCorrected(claim_key="k", value={"count": 2}, reason="typo", by="ana")
    assert a.event_id() != b.event_id()
    assert from_event("ClaimCorrected", to_event_data(a)) == a


def test_document_date_correction_re_resolves_reports_and_contact_keys():
    reports = [_report(0), _report(1, kind="diplomatic_contact")]
    assert reports[1].claim_key == "diplomatic_contact/phone_call/RUS+TUR/2025-07"
    ev = correct_document_date("d", reports, DocumentDate(value="2020-10-02", kind="published"), reason="r", by="ana")
    assert [r.valid.date for r in ev.re_resolved] == ["2020-10-02", "2020-10-02"]
    assert ev.re_resolved[1].claim_key == "diplomatic_contact/phone_call/RUS+TUR/2020-10-02"
    assert ev.re_resolved[0].valid.phrase == "am Freitag"
    assert from_event("DocumentDateCorrected", to_event_data(ev)) == ev
    assert isinstance(ev.re_resolved[0].valid, ValidTime)
