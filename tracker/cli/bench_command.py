"""tracker bench: throughput figures against raw baselines, in a scratch area."""

from __future__ import annotations

from .output import add_format_option, emit, resolve_format

# The table leaves the section out (the measures name it) so that it fits 80
# columns; JSON and CSV keep it.
COLUMNS = [
    ("name", "measure"),
    ("count", "n"),
    ("per_s_text", "per s"),
    ("baseline", "baseline"),
    ("baseline_text", "baseline per s"),
    ("ratio_text", "ratio"),
]

# Each section: (url, parsed args) -> list[Measurement]. Layers add theirs here,
# importing inside the function so that every other command starts fast.


def _store_section(url, args):
    from ..bench.store_bench import run_store_bench

    return run_store_bench(url, args.events, args.single)


def _ingest_section(url, args):
    from ..bench.ingest_bench import run_ingest_bench

    return run_ingest_bench(url, args.entries)


def _extract_section(url, args):
    from ..bench import Measurement
    from ..extract.bench import bench_extract

    from ..bench.ingest_bench import feedparser_per_s

    # Extraction touches no database: its yardstick is feedparser reading entries
    # of the same size on the same machine, in CPU time like the extraction.
    baseline = "feedparser.parse alone"
    feedparser_rate = feedparser_per_s(args.entries)
    figures = bench_extract(args.entries)
    # CPU time of one core; the mix is half conflict articles, half unrelated news.
    rows = [Measurement("extract", "extract ~2,000-character documents, mixed (one core)", figures["docs"],
                        figures["seconds"], baseline, feedparser_rate, unit="docs")]
    per_kind = max(figures["docs"] // 4, 1)  # bench_extract times this many documents of each kind
    for kind, per_s in figures["docs_per_s_by_kind"].items():
        rows.append(Measurement("extract", f"  {kind.replace('_', ' ')} only", per_kind, per_kind / per_s,
                                baseline, feedparser_rate, unit="docs"))
    return rows


def _query_section(url, args):
    from ..bench.query_bench import run_query_bench

    return run_query_bench(url, args.query_events)


SECTIONS = {
    "store": _store_section,
    "ingest": _ingest_section,
    "extract": _extract_section,
    "query": _query_section,
}


def register(subparsers, groups) -> None:
    p = subparsers.add_parser(
        "bench",
        help="measure throughput against raw baselines (in a scratch area; never touches tracker data)",
    )
    p.add_argument("--events", type=int, default=100_000, metavar="N", help="events for the batched append (default 100,000)")
    p.add_argument("--single", type=int, default=2_000, metavar="N", help="one-event appends, each committed (default 2,000)")
    p.add_argument("--entries", type=int, default=1_000, metavar="N", help="feed entries / documents for the ingest and extract sections (default 1,000)")
    p.add_argument("--query-events", type=int, default=1_000_000, metavar="N", help="events in the log of the query section (default 1,000,000)")
    p.add_argument(
        "--section",
        action="append",
        choices=sorted(SECTIONS),
        help="run only this section (repeatable; default: all)",
    )
    add_format_option(p)
    p.set_defaults(handler=cmd_bench)


def cmd_bench(ctx, args) -> int:
    if args.events < 1000 or args.single < 1:
        raise ValueError("--events must be at least 1000 and --single at least 1")
    measurements = []
    for name in args.section or list(SECTIONS):
        measurements.extend(SECTIONS[name](ctx.db_url, args))
    records = [m.as_dict() for m in measurements]
    if resolve_format(args.format) != "json":
        for r in records:
            r["per_s_text"] = f"{r['per_s']:,.0f}"
            r["baseline_text"] = "" if r["baseline_per_s"] is None else f"{r['baseline_per_s']:,.0f}"
            r["ratio_text"] = "" if r["ratio"] is None else f"{r['ratio']:.0%}"
    columns = COLUMNS if resolve_format(args.format) == "table" else [("section", "section"), *COLUMNS]
    emit(records, args.format, columns, title="tracker bench")
    return 0
