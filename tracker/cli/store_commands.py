"""init, audit log, audit verify: the store's own commands."""

from __future__ import annotations

import sys

import orjson

from ..store import safe_url
from . import CommandError, group
from .output import add_format_option, emit, resolve_format


def register(subparsers, groups) -> None:
    p = subparsers.add_parser("init", help="create or upgrade the database (Alembic upgrade head)")
    p.set_defaults(handler=cmd_init)

    audit = group(subparsers, groups, "audit", "verify the hash chain, list raw events, trace a claim")
    p = audit.add_parser("log", help="the raw events, in position order")
    p.add_argument("--stream", metavar="S", help="only this stream")
    p.add_argument("--from", dest="from_position", type=int, default=1, metavar="POS", help="start at this position")
    add_format_option(p)
    p.set_defaults(handler=cmd_audit_log)

    p = audit.add_parser("verify", help="recompute the hash chain; exit 1 at the first bad event")
    p.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="POS:HASH",
        help="a position and hash recorded earlier (e.g. from a previous verify); repeatable",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="report format (default text)")
    p.set_defaults(handler=cmd_audit_verify)


def cmd_init(ctx, args) -> int:
    from ..store.migrate import upgrade  # Alembic is slow to import; only init needs it

    before, after = upgrade(ctx.engine)
    where = safe_url(ctx.db_url)
    if before == after:
        print(f"database {where} is up to date (revision {after})")
    else:
        print(f"database {where} upgraded from {before or 'empty'} to revision {after}")
    return 0


def event_record(event) -> dict:
    return {
        "position": event.position,
        "stream": event.stream,
        "version": event.version,
        "type": event.type,
        "event_id": event.event_id,
        "recorded_at": event.recorded_at,
        "hash": event.hash,
        "data": event.data,
    }


def cmd_audit_log(ctx, args) -> int:
    store = ctx.store()
    if args.from_position < 1:
        raise CommandError(f"--from must be a position >= 1, got {args.from_position}")
    if args.stream:
        events = (e for e in store.read_stream(args.stream) if e.position >= args.from_position)
    else:
        events = store.read_all(args.from_position)
    columns = [
        ("position", "pos"),
        ("recorded_at", "recorded"),
        ("stream", "stream"),
        ("version", "v"),
        ("type", "type"),
        ("hash_short", "hash"),
    ]
    fmt = resolve_format(args.format)
    records = (event_record(e) for e in events)
    if fmt != "json":
        records = ({**r, "hash_short": r["hash"][:12]} for r in records)
    emit(records, fmt, columns)
    return 0


def cmd_audit_verify(ctx, args) -> int:
    anchors = {}
    for anchor in args.anchor:
        pos, sep, digest = anchor.partition(":")
        if not sep or not pos.isdigit() or len(digest) != 64:
            raise CommandError(f"--anchor {anchor!r}: expected POSITION:SHA256HEX (64 hex digits)")
        anchors[int(pos)] = digest.lower()
    result = ctx.store().verify(anchors)
    if args.format == "json":
        problem = result.problem
        sys.stdout.write(
            orjson.dumps(
                {
                    "ok": result.ok,
                    "checked": result.checked,
                    "head_position": result.head.position,
                    "head_hash": result.head.hash,
                    "problem": None
                    if problem is None
                    else {"position": problem.position, "kind": problem.kind, "detail": problem.detail},
                },
                option=orjson.OPT_INDENT_2,
            ).decode()
            + "\n"
        )
    elif result.ok:
        print(
            f"ok: {result.checked} events verified; head position {result.head.position} "
            f"hash {result.head.hash}"
        )
    if not result.ok:
        print(f"tracker: audit verify: {result.problem}", file=sys.stderr)
        return 1
    return 0
