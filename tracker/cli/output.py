"""Listings as a table (on a terminal), JSON (stable, documented) or CSV."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

FORMATS = ("table", "json", "csv")


def add_format_option(parser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: table on a terminal, json otherwise)",
    )


def resolve_format(fmt: str | None) -> str:
    return fmt or ("table" if sys.stdout.isatty() else "json")


def emit(
    records: Iterable[dict[str, Any]],
    fmt: str | None,
    columns: Sequence[tuple[str, str]] | None = None,
    title: str | None = None,
) -> None:
    """Print records. JSON prints one array of the full records; table and CSV
    print `columns` ((key, header) pairs), nested values as compact JSON."""
    fmt = resolve_format(fmt)
    if fmt == "json":
        # Streamed element by element so a long audit log never sits in memory twice.
        out = sys.stdout
        out.write("[")
        count = 0
        for count, record in enumerate(records, 1):
            out.write(",\n" if count > 1 else "\n")
            out.write(orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode())
        out.write("\n]\n" if count else "]\n")
        return
    records = list(records)
    columns = columns or [(k, k) for k in (records[0] if records else {})]
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([header for _, header in columns])
        for record in records:
            writer.writerow([cell(record.get(key)) for key, _ in columns])
        return
    from rich.table import Table

    table = Table(title=title, show_lines=False, expand=False)
    for _, header in columns:
        table.add_column(header, overflow="fold")
    for record in records:
        table.add_row(*(cell(record.get(key)) for key, _ in columns))
    stdout_console().print(table)


def stdout_console():
    """A rich console on stdout. When the reader goes away (`| head`), rich would
    exit with status 1; this one raises BrokenPipeError, so the command stops
    quietly with 141 like every other output of tracker."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _Console(highlight=False)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list, tuple)):
        return orjson.dumps(value).decode()
    return str(value)
