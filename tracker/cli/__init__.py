"""The `tracker` command: argument parsing, formatting and error reporting only.

Each command module exposes `register(subparsers, groups)`; a handler receives
(ctx, args) and returns an exit code (None means 0).
"""

from __future__ import annotations

import argparse
import os
import sys

from sqlalchemy.exc import DBAPIError, OperationalError

from ..store import DatabaseURLError, EventStore, StoreError, make_engine, resolve_url, safe_url


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit 1."""


class Context:
    """What every command needs: the database URL and lazily opened engine/store."""

    def __init__(self, db_url: str | None, debug: bool):
        self.db_url = resolve_url(db_url)
        self.debug = debug
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            self._engine = make_engine(self.db_url)
        return self._engine

    def store(self, *, require_schema: bool = True) -> EventStore:
        store = EventStore(self.engine)
        if require_schema:
            store.ensure_schema()
        return store

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def build_parser() -> argparse.ArgumentParser:
    from . import store_commands, bench_command, ingest_commands, query_commands

    parser = argparse.ArgumentParser(
        prog="tracker",
        description="Track dated claims about a conflict: who claims what, since when, and how it changed.",
    )
    parser.add_argument("--db", metavar="URL", help="database URL (default: $TRACKER_DB, else sqlite:///tracker.db)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    groups: dict[str, argparse._SubParsersAction] = {}
    for module in (store_commands, bench_command, ingest_commands, query_commands):
        module.register(subparsers, groups)
    return parser


def group(subparsers, groups, name: str, help: str):
    """A command group ("audit", "projections") that several modules add to."""
    if name not in groups:
        parent = subparsers.add_parser(name, help=help)
        groups[name] = parent.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND", required=True)
    return groups[name]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(args.db, args.debug)
    try:
        return args.handler(ctx, args) or 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) has gone: stop quietly, as Unix tools do.
        # Point stdout at devnull so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 - the one place errors become a message
        if args.debug:
            raise
        print(f"tracker: error: {describe_error(exc, ctx)}", file=sys.stderr)
        return 1
    finally:
        ctx.close()


def describe_error(exc: Exception, ctx: Context) -> str:
    if isinstance(exc, (CommandError, StoreError, DatabaseURLError)):
        return str(exc)
    if isinstance(exc, OperationalError):
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return f"cannot use database {safe_url(ctx.db_url)}: {detail}"
    if isinstance(exc, DBAPIError):
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return f"database error on {safe_url(ctx.db_url)}: {detail}"
    if isinstance(exc, (ValueError, FileNotFoundError, PermissionError)):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {exc} (run with --debug for details)"
