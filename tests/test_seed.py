"""`tracker seed` and `tracker extract` on the seed article, through the real command."""

from __future__ import annotations

import json
import shutil

from conftest import REPO, run_cli
from tracker.domain.events import document_id

SEED = REPO / "seeds" / "000_d0516d5b3b967395.txt"
SEED_ID = document_id(guid=f"seed:{SEED.name}")


def test_seeding_stores_the_seed_in_one_append_and_twice_changes_nothing(db):
    first = run_cli("seed", "--format", "json", db_url=db.url)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert (summary["files"], summary["new_documents"], summary["unchanged_documents"]) == (1, 1, 0)
    (doc,) = summary["documents"]
    assert (doc["path"], doc["document_id"], doc["outcome"], doc["revision"], doc["extraction"]) == (
        "seeds/000_d0516d5b3b967395.txt", SEED_ID, "new", 1, "ok")
    assert doc["claim_reports"] == summary["new_claim_reports"] >= 9
    assert any("Çavuşoğlu" in w for w in doc["warnings"])  # the anachronism travels with the document
    assert "Çavuşoğlu" in first.stderr

    events = list(db.store().read_all())
    assert len({e.recorded_at for e in events}) == 1  # one append: one transaction
    ingested = events[0].data
    raw = SEED.read_text(encoding="utf-8")
    assert raw.startswith(" date 2025-07 ") and ingested["text"] == raw[len(" date 2025-07 "):]
    assert ingested["published"] == {"value": "2025-07", "precision": "month", "kind": "published"}
    assert (ingested["source"], ingested["language"], ingested["extraction"]["relevant_conflict"]) == (
        "seed", "de", "nagorno-karabakh")
    for event in events[1:]:
        report = event.data["report"]
        assert ingested["text"][report["span"][0]:report["span"][1]] == report["quote"]

    head = db.store().head()
    again = run_cli("seed", "--format", "json", db_url=db.url)
    assert json.loads(again.stdout)["unchanged_documents"] == 1
    assert db.store().head() == head


def test_an_edited_seed_becomes_a_revision(sqlite_db, tmp_path):
    copy = tmp_path / SEED.name
    shutil.copy(SEED, copy)
    run_cli("seed", str(tmp_path), db_url=sqlite_db.url)
    copy.write_text(copy.read_text(encoding="utf-8").replace("fast 200 Menschen", "fast 210 Menschen"), encoding="utf-8")
    done = run_cli("seed", str(copy), "--format", "json", db_url=sqlite_db.url)
    (doc,) = json.loads(done.stdout)["documents"]
    assert (doc["document_id"], doc["outcome"], doc["revision"]) == (SEED_ID, "revised", 2)
    counts = [
        e.data["report"]["value"]["count"]
        for e in sqlite_db.store().read_stream(f"document-{SEED_ID}")
        if e.type == "ClaimReported" and e.data["report"]["claim_key"] == "casualties/killed/total"
    ]
    assert counts == [200, 210]


def test_seed_errors_are_one_line(sqlite_db, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"date 2025-07 caf\xe9")
    done = run_cli("seed", str(bad), db_url=sqlite_db.url)
    assert done.returncode == 1
    assert done.stderr.strip() == f"tracker: error: {bad}: not UTF-8 text (byte 0xe9 at offset 16)"
    done = run_cli("seed", str(tmp_path / "nope"), db_url=sqlite_db.url)
    assert done.stderr.strip() == f"tracker: error: {tmp_path / 'nope'}: no such file or folder"
    assert sqlite_db.store().head().position == 0


def test_extract_prints_the_reports_and_the_anachronism_and_writes_nothing(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'never.db'}"
    done = run_cli("extract", str(SEED), "--format", "json", db_url=db_url)
    assert done.returncode == 0, done.stderr
    reports = json.loads(done.stdout)
    text = SEED.read_text(encoding="utf-8")[len(" date 2025-07 "):]
    for report in reports:
        assert {"kind", "claim_key", "subject", "value", "claimed_by", "speaker", "valid", "quote", "span"} <= set(report)
        assert text[report["span"][0]:report["span"][1]] == report["quote"]
        assert report["valid"]["date"] == "2025-07"  # month precision: nothing invented
    killed = [r for r in reports if r["claim_key"] == "casualties/killed/total"]
    assert killed[0]["value"]["count"] == 200 and killed[0]["value"]["qualifier"] == "nearly"
    assert "names Mevlüt Çavuşoğlu as foreign minister of TUR" in done.stderr
    assert not (tmp_path / "never.db").exists()


def test_extract_with_a_given_date_and_language(tmp_path):
    done = run_cli("extract", str(SEED), "--published", "2020-10-02", "--lang", "de", "--format", "json")
    reports = json.loads(done.stdout)
    friday = [r for r in reports if r["valid"].get("phrase") and "Freitag" in r["valid"]["phrase"]]
    assert friday and all(r["valid"]["date"] == "2020-10-02" for r in friday)
    assert "Çavuşoğlu" not in done.stderr  # in office in 2020: no anachronism
    bad = run_cli("extract", str(SEED), "--published", "2020-13")
    assert bad.returncode == 1 and bad.stderr.startswith("tracker: error: --published '2020-13': ")


def test_extract_as_a_table():
    done = run_cli("extract", str(SEED), "--format", "table", env={"COLUMNS": "200"})
    assert done.returncode == 0 and "casualties/killed/total" in done.stdout and "fast 200" in done.stdout
