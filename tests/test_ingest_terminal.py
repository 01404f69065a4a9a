"""`tracker ingest` on a terminal: progress on stderr, stdout clean for JSON, NO_COLOR honoured."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys

import pytest

from conftest import REPO

COLOR = re.compile(rb"\x1b\[(?:3\d|38;5;\d+)m")  # a foreground colour


def ingest_on_a_terminal(db_url: str, **env) -> tuple[str, bytes]:
    """Run with stderr on a pseudo-terminal; returns (stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm-256color", "COLUMNS": "100"} | env
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--db", db_url, "ingest", "--format", "json"],
        stdout=subprocess.PIPE, stderr=slave, env=full_env, cwd=REPO,
    )
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    stdout = proc.stdout.read().decode()
    proc.wait(30)
    return stdout, shown


@pytest.mark.parametrize("no_color", [False, True])
def test_progress_goes_to_the_terminal_and_no_color_is_honoured(sqlite_db, no_color):
    stdout, shown = ingest_on_a_terminal(sqlite_db.url, **({"NO_COLOR": "1"} if no_color else {}))
    assert json.loads(stdout)["new_documents"] == 9  # stdout carries only the JSON summary
    assert b"sample-karabach-de" in shown and b"5/5" in shown  # the progress display, on stderr
    assert bool(COLOR.search(shown)) is not no_color
