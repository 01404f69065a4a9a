"""`tracker bench` runs each section in a scratch area and prints every figure
beside its baseline (small sizes: the figures themselves belong in the README)."""

from __future__ import annotations

import json

from conftest import run_cli


def _bench(sqlite_db, *args):
    done = run_cli("bench", *args, "--format", "json", db_url=sqlite_db.url, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_store_and_ingest_sections_measure_against_baselines_and_leave_the_database_alone(sqlite_db):
    head = sqlite_db.store().head()
    rows = _bench(sqlite_db, "--section", "store", "--section", "ingest", "--events", "1000", "--single", "20",
                  "--entries", "30")
    assert {r["section"] for r in rows} == {"store", "ingest"}
    for r in rows:
        assert r["per_s"] > 0 and r["baseline_per_s"] > 0
        assert abs(r["ratio"] - r["per_s"] / r["baseline_per_s"]) < 0.01
    assert sqlite_db.store().head() == head  # bench wrote only to its scratch area


def test_extract_section_reports_the_mix_and_each_kind(sqlite_db):
    rows = _bench(sqlite_db, "--section", "extract", "--entries", "8")
    assert [r["count"] for r in rows] == [8, 2, 2, 2, 2]
    assert all(r["per_s"] > 0 and r["unit"] == "docs" and r["baseline_per_s"] > 0 for r in rows)
