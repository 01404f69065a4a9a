"""seed, extract, ingest, run, feeds: getting documents in (formatting only;
the work is done by tracker.ingest)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import orjson

from . import CommandError
from .output import add_format_option, emit, resolve_format

DEFAULT_CONFIG = "feeds.yaml"


def register(subparsers, groups) -> None:
    p = subparsers.add_parser("seed", help="ingest seed articles (default: seeds/*.txt); seeding twice changes nothing")
    p.add_argument("paths", nargs="*", metavar="PATH", help="seed files or folders of *.txt files (default: seeds/)")
    add_format_option(p)
    p.set_defaults(handler=cmd_seed)

    p = subparsers.add_parser("extract", help="dry run: print the claim reports found in a text file; writes nothing")
    p.add_argument("path", metavar="PATH", help="a text file (a leading `date YYYY[-MM[-DD]]` gives its date)")
    p.add_argument("--published", metavar="DATE", help="the document's date, YYYY[-MM[-DD]] (overrides the file's prefix)")
    p.add_argument("--lang", choices=("de", "en"), help="the text's language (default: detected)")
    add_format_option(p)
    p.set_defaults(handler=cmd_extract)

    p = subparsers.add_parser("ingest", help="poll every enabled feed (or the named ones) once")
    p.add_argument("--config", default=DEFAULT_CONFIG, metavar="FILE", help="feeds file (default: feeds.yaml)")
    p.add_argument("--feed", action="append", metavar="NAME", help="poll only this feed, whatever its state (repeatable)")
    add_format_option(p)
    p.set_defaults(handler=cmd_ingest)

    p = subparsers.add_parser("run", help="poll feeds on their schedules until stopped (Ctrl-C or SIGTERM stops cleanly)")
    p.add_argument("--config", default=DEFAULT_CONFIG, metavar="FILE", help="feeds file (default: feeds.yaml)")
    p.set_defaults(handler=cmd_run)

    p = subparsers.add_parser("feeds", help="each feed's state: last poll, last success, errors, next poll, entries seen")
    add_format_option(p)
    p.set_defaults(handler=cmd_feeds)

    p = subparsers.add_parser(
        "reextract", help="extract again the stored documents whose extraction failed (or the named ones)"
    )
    p.add_argument(
        "document_ids", nargs="*", metavar="DOCUMENT_ID", help="only these documents (default: every failed one)"
    )
    add_format_option(p)
    p.set_defaults(handler=cmd_reextract)


# ---------------------------------------------------------------- helpers


def _engine(ctx):
    """The engine of a database whose schema includes the feed tables."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    ctx.store()  # raises "run `tracker init` first" on an empty database
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM feeds WHERE 1 = 0"))
    except (OperationalError, ProgrammingError):
        raise CommandError("the database has no feed tables yet: run `tracker init` to upgrade it") from None
    return ctx.engine


def _config(path: str):
    from ..ingest.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None


def _print_json(value) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def _warn(message: str) -> None:
    print(f"tracker: warning: {message}", file=sys.stderr)


def _stderr_console():
    from rich.console import Console

    # rich also honours NO_COLOR by itself; said here so nobody has to look it up.
    return Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


# ---------------------------------------------------------------- reextract


def cmd_reextract(ctx, args) -> int:
    from ..ingest.reextract import Reextractor

    results = Reextractor(ctx.store()).run(args.document_ids or None)
    records = [
        {
            "document_id": r.document_id,
            "revision": r.revision,
            "outcome": r.outcome,
            "extraction": r.extraction,
            "claim_reports": r.claim_reports,
            "error": r.error,
        }
        for r in results
    ]
    for r in results:
        if r.outcome == "failed":
            _warn(f"document {r.document_id}: extraction still fails: {r.error}")
        elif r.outcome == "has_reports":
            _warn(f"document {r.document_id}: revision {r.revision} has claim reports already; nothing to do")
    if resolve_format(args.format) == "json":
        _print_json({"documents": records})
    else:
        emit(
            records,
            args.format,
            [("document_id", "document"), ("revision", "rev"), ("outcome", "outcome"), ("extraction", "extraction"),
             ("claim_reports", "claim reports")],
        )
    unknown = [r for r in results if r.outcome == "unknown"]
    if unknown:
        raise CommandError("; ".join(r.error for r in unknown))
    return 1 if any(r.outcome == "failed" for r in results) else 0


# ---------------------------------------------------------------- seed / extract


def cmd_seed(ctx, args) -> int:
    from ..ingest.documents import DocumentWriter
    from ..ingest.seed import SeedError, seed_files, seed_paths

    try:
        paths = seed_paths(args.paths)
        summary = seed_files(DocumentWriter(ctx.store()), paths)
    except SeedError as exc:
        raise CommandError(str(exc)) from None
    records = [
        {
            "path": path,
            "document_id": r.document_id,
            "outcome": r.outcome,
            "revision": r.revision,
            "claim_reports": r.claim_reports,
            "extraction": r.extraction,
            "error": r.error,
            "warnings": list(r.warnings),
        }
        for path, r in summary.results
    ]
    for record in records:
        for warning in record["warnings"]:
            _warn(f"{record['path']}: {warning}")
        if record["extraction"] == "failed":
            _warn(f"{record['path']}: extraction failed, document stored without claims: {record['error']}")
    totals = summary.totals()
    if resolve_format(args.format) == "json":
        _print_json({**totals, "documents": records})
        return 0
    emit(
        records,
        args.format,
        [("path", "file"), ("outcome", "outcome"), ("revision", "rev"), ("claim_reports", "claim reports"), ("document_id", "document")],
    )
    if resolve_format(args.format) == "table":
        print(
            f"{totals['files']} files: {totals['new_documents']} new, {totals['revised_documents']} revised, "
            f"{totals['unchanged_documents']} unchanged; {totals['new_claim_reports']} new claim reports"
        )
    return 0


def cmd_extract(ctx, args) -> int:
    from ..extract import extract
    from ..ingest.seed import SeedError, read_seed

    try:
        published, text = read_seed(Path(args.path), args.published)
    except SeedError as exc:
        raise CommandError(str(exc)) from None
    result = extract(text, published, language=args.lang)
    for warning in result.warnings:
        _warn(f"{args.path}: {warning}")
    records = [report.model_dump(mode="json") for report in result.reports]
    fmt = resolve_format(args.format)
    if fmt != "json":
        for r in records:
            r["valid_text"] = (r["valid"] or {}).get("date") or ""
            r["value_text"] = _value_text(r["kind"], r["value"])
            r["span_text"] = f"{r['span'][0]}-{r['span'][1]}"
    emit(
        records,
        fmt,
        [
            ("kind", "kind"),
            ("claim_key", "claim key"),
            ("claimed_by", "by"),
            ("value_text", "value"),
            ("valid_text", "valid"),
            ("quote", "quote"),
            ("span_text", "span"),
        ],
        title=f"{args.path}: {len(records)} claim reports ({result.language}, dated {published.value or 'unknown'})",
    )
    return 0


def _value_text(kind: str, value: dict) -> str:
    if kind == "casualties":
        return value.get("wording") or str(value.get("count"))
    if kind == "ceasefire_position":
        return value["stance"] + (f" ({value['condition']})" if value.get("condition") else "")
    return value.get("topic") or value.get("outcome") or ""


# ---------------------------------------------------------------- ingest / run / feeds

SUMMARY_COLUMNS = [
    ("feed", "feed"),
    ("status_text", "status"),
    ("entries", "entries"),
    ("new", "new"),
    ("revised", "revised"),
    ("unchanged", "same"),
    ("filtered", "filtered"),
    ("claim_reports", "claims"),
    ("note", "note"),
]


def cmd_ingest(ctx, args) -> int:
    from ..ingest.workers import WorkerPool
    from ..ingest.runner import ingest_once, stop_on_signals

    config = _config(args.config)
    if args.feed:
        unknown = [n for n in args.feed if n not in {f.name for f in config.feeds}]
        if unknown:
            raise CommandError(f"no feed named {unknown[0]!r} in {args.config} (feeds: {', '.join(f.name for f in config.feeds)})")
    engine = _engine(ctx)
    stop = threading.Event()
    console = _stderr_console()
    on_signal = lambda sig: console.print(f"{sig}: stopping after the current document (again to abort)")  # noqa: E731
    # The workers fork first, before the progress display starts its thread.
    with WorkerPool() as pool, stop_on_signals(stop, on_signal):
        if sys.stderr.isatty():
            summary = _ingest_with_progress(engine, config, args.feed, stop, console, pool)
        else:
            summary = ingest_once(engine, config, args.feed, stop=stop, worker_pool=pool)
    totals = summary.totals()
    if resolve_format(args.format) == "json":
        _print_json(summary.as_dict())
    else:
        records = [
            {
                **r.as_dict(),
                "status_text": r.status + (f" {r.http_status}" if r.http_status else ""),
                "note": r.error or r.problem or "",
            }
            for r in summary.results
        ]
        emit(records, args.format, SUMMARY_COLUMNS, title="tracker ingest")
        if resolve_format(args.format) == "table":
            print(
                f"{totals['feeds_polled']} feeds polled, {totals['not_modified']} not modified, "
                f"{totals['new_documents']} new documents, {totals['revised_documents']} revised, "
                f"{totals['new_claim_reports']} new claim reports, {totals['errors']} errors"
            )
    return 130 if stop.is_set() else 0


def _ingest_with_progress(engine, config, names, stop, console, worker_pool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..ingest.runner import ingest_once

    tasks: dict[str, int] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as progress:

        def on_progress(feed: str, done: int, total: int) -> None:
            if feed not in tasks:
                tasks[feed] = progress.add_task(feed, total=total)
            progress.update(tasks[feed], completed=done)

        return ingest_once(engine, config, names, progress=on_progress, stop=stop, worker_pool=worker_pool)


def cmd_run(ctx, args) -> int:
    from ..ingest.runner import Scheduler, stop_on_signals
    from ..store.events import utc_now

    config = _config(args.config)
    engine = _engine(ctx)
    stop = threading.Event()

    def log(message: str) -> None:
        print(f"{utc_now()[:19]}Z {message}", file=sys.stderr, flush=True)

    def on_result(r) -> None:
        parts = [f"{r.feed}: {r.status}" + (f" (HTTP {r.http_status})" if r.http_status else "")]
        if r.status in ("ok", "interrupted"):
            parts.append(f"{r.entries} entries, {r.new} new, {r.revised} revised, {r.claim_reports} claim reports")
        parts += [text for text in (r.error, r.problem) if text]
        log("; ".join(parts) + f" ({r.seconds:.2f}s)")

    enabled = [f.name for f in config.feeds if f.enabled]
    log(f"polling {len(enabled)} feeds from {args.config} with {config.schedule.workers} workers; Ctrl-C stops")
    scheduler = Scheduler(engine, config, config_path=args.config, stop=stop, on_result=on_result, on_message=log)
    with stop_on_signals(stop, lambda sig: log(f"{sig}: stopping after the current document (again to abort)")):
        scheduler.run()
    log("stopped")
    return 0


FEED_COLUMNS = [
    ("name", "feed"),
    ("status", "status"),
    ("last_poll", "polled"),
    ("last_success", "success"),
    ("consecutive_errors", "errors"),
    ("next_poll", "next"),
    ("entries_seen", "entries"),
    ("documents", "docs"),
    ("note", "last error / problem"),
]


def cmd_feeds(ctx, args) -> int:
    from ..ingest.state import FeedStates, now_utc

    states = FeedStates(_engine(ctx))
    counts = states.entry_counts()
    records = []
    for row in sorted(states.all(), key=lambda r: (not r.enabled, r.name)):  # enabled feeds first
        entries, documents = counts.get(row.name, (0, 0))
        records.append(
            {
                "name": row.name,
                "status": row.status if row.enabled else "disabled",
                "enabled": row.enabled,
                "url": row.url,
                "fetch_url": row.fetch_url,
                "language": row.language,
                "interval_seconds": row.interval_seconds,
                "last_poll_at": row.last_poll_at,
                "last_success_at": row.last_success_at,
                "last_http_status": row.last_http_status,
                "consecutive_errors": row.consecutive_errors,
                "total_errors": row.total_errors,
                "polls": row.polls,
                "next_poll_at": row.next_poll_at if row.enabled else None,
                "entries_seen": entries,
                "documents": documents,
                "last_error": row.last_error,
                "parse_problem": row.parse_problem,
                "etag": row.etag,
                "last_modified": row.last_modified,
                "lease_owner": row.lease_owner,
                "lease_until": row.lease_until,
            }
        )
    if not records:
        print("no feeds yet: `tracker ingest` or `tracker run` reads feeds.yaml and adds them", file=sys.stderr)
    fmt = resolve_format(args.format)
    if fmt == "table":
        # Relative times fit a terminal; JSON and CSV keep the timestamps.
        now = now_utc()
        for r in records:
            r["last_poll"] = _relative(r["last_poll_at"], now)
            r["last_success"] = _relative(r["last_success_at"], now)
            r["next_poll"] = _relative(r["next_poll_at"], now)
    elif fmt == "csv":
        for r in records:
            r["last_poll"], r["last_success"], r["next_poll"] = r["last_poll_at"], r["last_success_at"], r["next_poll_at"]
    if fmt != "json":
        for r in records:
            r["note"] = r["last_error"] or r["parse_problem"] or ""
    emit(records, fmt, FEED_COLUMNS, title="feeds")
    return 0


def _relative(value: str | None, now) -> str:
    """'3m ago', 'in 12m', 'now' for a stored UTC timestamp."""
    from ..ingest.state import parse_ts

    if not value:
        return ""
    seconds = (parse_ts(value) - now).total_seconds()
    amount = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if amount >= size or unit == "s":
            text = f"{int(amount // size)}{unit}"
            break
    if amount < 1:
        return "now"
    return f"in {text}" if seconds > 0 else f"{text} ago"
