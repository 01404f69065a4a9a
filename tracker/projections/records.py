"""The JSON records the read models hold and the queries return (DESIGN.md,
"JSON shapes"), built in one place so that the stored current state and a state
reconstructed "as of" a position are the same bytes."""

from __future__ import annotations

from . import rules


def value_entry(payload: dict, url: str | None, recorded_at: str, position: int) -> dict:
    """One claimant's value in a `claims` record, from a ClaimReported payload."""
    report = payload["report"]
    return {
        "claimed_by": report["claimed_by"],
        "value": report["value"],
        "valid": report["valid"],
        "reported": payload["reported"],
        "recorded_at": recorded_at,
        "document_id": payload["document_id"],
        "url": url,
        "position": position,
        "revision": payload["revision"],
        "speaker": report.get("speaker"),
        "quote": report["quote"],
        "corrected": None,
    }


def correction(position: int, recorded_at: str, body: dict) -> dict:
    """An analyst's correction as it is attached to the value it corrects."""
    return {
        "position": position,
        "recorded_at": recorded_at,
        "value": body["value"],
        "by": body.get("by"),
        "reason": body.get("reason"),
    }


def corrected_entry(entry: dict, fix: dict | None) -> dict:
    """The entry as shown: the corrected value, the original kept beside it."""
    if fix is None:
        return entry
    return {
        **entry,
        "value": fix["value"],
        "corrected": {
            "position": fix["position"],
            "recorded_at": fix["recorded_at"],
            "by": fix["by"],
            "reason": fix["reason"],
            "original_value": entry["value"],
        },
    }


def original_entry(entry: dict) -> tuple[dict, dict | None]:
    """Split a shown entry back into (the reported entry, its correction)."""
    fix = entry.get("corrected")
    if not fix:
        return entry, None
    original = {**entry, "value": fix["original_value"], "corrected": None}
    return original, {
        "position": fix["position"],
        "recorded_at": fix["recorded_at"],
        "value": entry["value"],
        "by": fix["by"],
        "reason": fix["reason"],
    }


def claim_record(claim_key: str, kind: str, subject: dict, entries: list[dict]) -> dict:
    entries = sorted(entries, key=lambda e: e["claimed_by"])
    return {
        "claim_key": claim_key,
        "kind": kind,
        "subject": subject,
        "disputed": rules.disputed(kind, [e["value"] for e in entries]),
        "values": entries,
    }


def actors_of(record: dict) -> set[str]:
    """Who a claim concerns: the actors of its subject and its claimants."""
    return set(rules.subject_actors(record["kind"], record["subject"])) | {
        e["claimed_by"] for e in record["values"]
    }
