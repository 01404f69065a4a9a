"""The store's commands through the real `tracker` executable."""

from __future__ import annotations

import json

import pytest

from sqlalchemy import text

from conftest import run_cli
from tracker.store import NewEvent


def test_init_creates_and_is_harmless_twice(empty_db):
    first = run_cli("init", db_url=empty_db.url)
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty" in first.stdout
    second = run_cli("init", db_url=empty_db.url)
    assert second.returncode == 0 and "up to date" in second.stdout


def test_tracker_db_environment_variable_and_default(tmp_path):
    env_db = tmp_path / "from-env.db"
    result = run_cli("init", env={"TRACKER_DB": f"sqlite:///{env_db}"})
    assert result.returncode == 0, result.stderr
    assert env_db.exists()
    default = run_cli("init", cwd=tmp_path, env={"TRACKER_DB": ""})
    assert default.returncode == 0, default.stderr
    assert (tmp_path / "tracker.db").exists()


def test_audit_log_json_and_filters(db):
    store = db.store()
    store.append("doc-1", [NewEvent("e1", "DocumentIngested", {"title": "Bericht"})])
    store.append("doc-2", [NewEvent("e2", "DocumentIngested", {"title": "Report"})])
    store.append("doc-1", [NewEvent("e3", "ClaimReported", {"count": 200})])

    result = run_cli("audit", "log", "--format", "json", db_url=db.url)
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)
    assert [e["position"] for e in events] == [1, 2, 3]
    assert set(events[0]) == {"position", "stream", "version", "type", "event_id", "recorded_at", "hash", "data"}
    assert events[0]["data"] == {"title": "Bericht"}

    only = json.loads(run_cli("audit", "log", "--stream", "doc-1", "--from", "2", "--format", "json", db_url=db.url).stdout)
    assert [(e["position"], e["version"]) for e in only] == [(3, 2)]

    csv_out = run_cli("audit", "log", "--format", "csv", db_url=db.url).stdout.splitlines()
    assert csv_out[0].startswith("pos,") and len(csv_out) == 4

    empty = run_cli("audit", "log", "--from", "99", "--format", "json", db_url=db.url)
    assert json.loads(empty.stdout) == []


def test_audit_verify_exit_codes(db):
    db.store().append("doc", [NewEvent(f"v{i}", "T", {"i": i}) for i in range(3)])
    ok = run_cli("audit", "verify", db_url=db.url)
    assert ok.returncode == 0 and ok.stdout.startswith("ok: 3 events verified")

    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            conn.execute(text("DROP TRIGGER events_refuse_update"))
        else:
            conn.execute(text("DROP TRIGGER events_refuse_change ON events"))
        conn.execute(text("UPDATE events SET data = :d WHERE position = 2"), {"d": '{"i":42}'})
    bad = run_cli("audit", "verify", db_url=db.url)
    assert bad.returncode == 1
    assert bad.stderr.strip() == "tracker: audit verify: position 2: altered: the stored event does not match its hash"
    as_json = json.loads(run_cli("audit", "verify", "--format", "json", db_url=db.url).stdout)
    assert as_json["ok"] is False and as_json["problem"]["position"] == 2


def test_errors_are_one_line(tmp_path):
    bad_url = run_cli("--db", "nonsense://x", "audit", "log")
    assert bad_url.returncode == 1
    assert bad_url.stderr.strip().splitlines() == [bad_url.stderr.strip()]
    assert "nonsense" in bad_url.stderr and "Traceback" not in bad_url.stderr

    garbage = run_cli("--db", "::::", "init")
    assert garbage.returncode == 1 and "invalid database URL" in garbage.stderr

    unreachable = run_cli("--db", "postgresql://nobody@127.0.0.1:1/none", "init")
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("tracker: error: cannot use database postgresql://nobody@127.0.0.1:1/none: connection failed")
    assert len(unreachable.stderr.strip().splitlines()) == 1

    missing_dir = run_cli("--db", f"sqlite:///{tmp_path}/no/such/dir/t.db", "init")
    assert missing_dir.returncode == 1 and "unable to open database file" in missing_dir.stderr

    uninitialised = run_cli("--db", f"sqlite:///{tmp_path}/fresh.db", "audit", "log")
    assert uninitialised.returncode == 1
    assert "run `tracker init` first" in uninitialised.stderr

    usage = run_cli("audit", "frobnicate")
    assert usage.returncode == 2


def test_python_dash_m_and_debug_traceback(tmp_path):
    result = run_cli("--debug", "--db", "::::", "init")
    assert result.returncode == 1 and "Traceback" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "table"])  # the table is printed by rich
def test_a_closed_pipe_ends_quietly(sqlite_db, fmt):
    import subprocess
    import sys

    sqlite_db.store().append("doc", [NewEvent(f"p{i}", "T", {"pad": "x" * 500}) for i in range(3000)])
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--db", sqlite_db.url, "audit", "log", "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # The reader goes away before the output is written, as `| head -1` does once it
    # has its line (a reader that waits would not do: pipes may buffer a megabyte).
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert stderr == ""
