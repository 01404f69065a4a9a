"""claims, history, changes, audit claim, correct, retract, contacts, positions,
projections rebuild/status: the query commands (formatting only; the answers
come from tracker.projections, which every command first catches up)."""

from __future__ import annotations

import getpass
import os
import re
import sys
import textwrap

import orjson

from . import CommandError, group
from .output import add_format_option, emit, resolve_format, stdout_console

KINDS = ("casualties", "ceasefire_position", "diplomatic_contact")
QUALIFIERS = ("exact", "approximately", "nearly", "at_least", "more_than", "up_to")
_QUALIFIER_MARK = {"exact": "", "approximately": "~", "nearly": "<~", "at_least": ">=", "more_than": ">", "up_to": "<="}
_SPARK = "▁▂▃▄▅▆▇█"


def register(subparsers, groups) -> None:
    p = subparsers.add_parser("claims", help="current state: per claim key the latest value of each claimant")
    p.add_argument("--kind", choices=KINDS, help="only claims of this kind")
    p.add_argument("--actor", metavar="ID", type=str.upper, help="only claims about or by this actor (ARM, AZE, ...)")
    _time_travel(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_claims)

    p = subparsers.add_parser("history", help="how a claim changed: every report in order, with the change it made")
    p.add_argument("claim_key", metavar="CLAIM_KEY", help="a claim key or a unique prefix of one")
    _time_travel(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_history)

    p = subparsers.add_parser("changes", help="what is new or different in the state since a time or position")
    p.add_argument("--since", required=True, metavar="WHEN", help="a position, a date or time (UTC), or a duration ago (2h, 3d)")
    p.add_argument("--kind", choices=KINDS, help="only claims of this kind")
    add_format_option(p)
    p.set_defaults(handler=cmd_changes)

    audit = group(subparsers, groups, "audit", "verify the hash chain, list raw events, trace a claim")
    p = audit.add_parser("claim", help="provenance of every report of a claim; exit 1 if a quote no longer matches")
    p.add_argument("claim_key", metavar="CLAIM_KEY", help="a claim key or a unique prefix of one")
    add_format_option(p)
    p.set_defaults(handler=cmd_audit_claim)

    p = subparsers.add_parser("correct", help="record an analyst's correction of a claim's current value")
    p.add_argument("claim_key", metavar="CLAIM_KEY", help="a claim key or a unique prefix of one")
    p.add_argument(
        "--value",
        required=True,
        help='the corrected value: a JSON object, or for casualties "[QUALIFIER] COUNT" (e.g. 190, "at_least 190"), '
        'for ceasefire positions "STANCE[: condition]"',
    )
    p.add_argument("--reason", required=True, help="why (kept in the log)")
    p.add_argument("--claimant", type=str.upper, metavar="ID", help="whose value (needed when several claimants hold one)")
    p.add_argument("--by", help="who corrects (default: $TRACKER_ANALYST, else the login name)")
    p.set_defaults(handler=cmd_correct)

    p = subparsers.add_parser("retract", help="record an analyst's retraction of one report of a claim")
    p.add_argument("claim_key", metavar="CLAIM_KEY", help="a claim key or a unique prefix of one")
    p.add_argument("--report", required=True, type=int, metavar="POSITION", help="the report's event position (see history)")
    p.add_argument("--reason", required=True, help="why (kept in the log)")
    p.add_argument("--by", help="who retracts (default: $TRACKER_ANALYST, else the login name)")
    p.set_defaults(handler=cmd_retract)

    p = subparsers.add_parser("contacts", help="timeline of diplomatic contacts: who spoke to whom, when")
    p.add_argument("--actor", metavar="ID", type=str.upper, help="only contacts with this participant")
    add_format_option(p)
    p.set_defaults(handler=cmd_contacts)

    p = subparsers.add_parser("positions", help="each actor's ceasefire stance over time")
    p.add_argument("--actor", metavar="ID", type=str.upper, help="only this actor's stances (or those it states)")
    add_format_option(p)
    p.set_defaults(handler=cmd_positions)

    projections = group(subparsers, groups, "projections", "the read models: rebuild them, see their state")
    p = projections.add_parser("rebuild", help="drop and rebuild every read model from position 0")
    p.set_defaults(handler=cmd_rebuild)
    p = projections.add_parser("status", help="each projection's checkpoint against the log head")
    add_format_option(p)
    p.set_defaults(handler=cmd_status)


def _time_travel(p) -> None:
    p.add_argument("--as-of", metavar="WHEN", help="as the tracker knew it then: a position, a date or time (UTC), or a duration ago")
    p.add_argument("--at", metavar="DATE", help="as claimed to hold on this date (valid time: YYYY, YYYY-MM, YYYY-MM-DD)")


# ---------------------------------------------------------------- plumbing


def _queries(ctx):
    """The query side, caught up with the log (so nothing shown is stale)."""
    from ..projections import ProjectionsMissing, Queries

    queries = Queries(ctx.engine, ctx.store())
    try:
        queries.catch_up()
    except ProjectionsMissing as exc:
        raise CommandError(str(exc)) from None
    return queries


def _key(queries, prefix: str) -> str:
    return queries.resolve_key(prefix)


def _as_of(queries, args) -> int | None:
    return None if args.as_of is None else queries.position_as_of(args.as_of)


# ---------------------------------------------------------------- text of values


def value_text(kind: str | None, value: dict | None) -> str:
    """A value in a few characters: "<~200", "rejects", "ceasefire / agreed"."""
    if not value:
        return ""
    if kind == "casualties":
        if value.get("count") is None:
            return str(value.get("wording") or "?")
        return f"{_QUALIFIER_MARK.get(value.get('qualifier'), '')}{value['count']:,}"
    if kind == "ceasefire_position":
        text = str(value.get("stance", "")).replace("_", " ")
        return f"{text}: {value['condition']}" if value.get("condition") else text
    if kind == "diplomatic_contact":
        return " / ".join(str(v) for v in (value.get("topic"), value.get("outcome")) if v) or "-"
    return orjson.dumps(value).decode()


def _date(d: dict | None) -> str:
    """A valid or reported date for a table: an interval of one year as
    "2025-06-29→07-05" (the JSON keeps the EDTF form "2025-06-29/2025-07-05")."""
    if not d:
        return ""
    text = d.get("date") or d.get("value") or "?"
    start, sep, end = text.partition("/")
    if sep and start[:5] == end[:5] and len(start) == len(end) == 10:
        return f"{start}→{end[5:]}"
    return text.replace("/", "→") if sep else text


def _short(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- claims


def cmd_claims(ctx, args) -> int:
    queries = _queries(ctx)
    as_of = _as_of(queries, args)
    fmt = resolve_format(args.format)
    if fmt == "json":
        emit(queries.claims(kind=args.kind, actor=args.actor, as_of=as_of, at=args.at, raw=True), fmt)
        return 0
    records = queries.claims(kind=args.kind, actor=args.actor, as_of=as_of, at=args.at)
    if fmt == "csv":
        rows = [
            {
                "claim_key": r["claim_key"], "kind": r["kind"], "disputed": r["disputed"], "claimed_by": v["claimed_by"],
                "value": value_text(r["kind"], v["value"]), "corrected": bool(v.get("corrected")),
                "valid": _date(v["valid"]), "reported": _date(v["reported"]), "position": v["position"],
                "document_id": v["document_id"], "url": v["url"],
            }
            for r in records
            for v in r["values"]
        ]
        emit(rows, fmt, [(k, k) for k in ("claim_key", "kind", "disputed", "claimed_by", "value", "corrected", "valid",
                                          "reported", "position", "document_id", "url")])
    else:
        print_claims(records, as_of=as_of, at=args.at)
    return 0


def print_claims(records: list[dict], *, as_of: int | None, at: str | None) -> None:
    """One block per claim key, one line per claimant: fits 80 columns."""
    console = stdout_console()
    when = (f" as of position {as_of}" if as_of is not None else "") + (f", holding on {at}" if at else "")
    console.print(f"[bold]{len(records)} claim(s){when}[/bold]")
    if not records:
        console.print("nothing yet: seed or ingest documents first (`tracker seed`)")
    for r in records:
        flag = "  [bold red]disputed[/bold red]" if r["disputed"] else ""
        console.print(f"[bold cyan]{r['claim_key']}[/bold cyan]{flag}", markup=True, overflow="fold")
        for v in r["values"]:
            value = value_text(r["kind"], v["value"]) + ("*" if v.get("corrected") else "")
            console.print(
                f"  {v['claimed_by']:<6} {_short(value, 26):<26} valid {_date(v['valid']):<10} "
                f"rep. {_date(v['reported']):<10} #{v['position']}",
                markup=False, highlight=False, overflow="fold",
            )
    if any(v.get("corrected") for r in records for v in r["values"]):
        console.print("* corrected by an analyst (see `tracker history`)")


# ---------------------------------------------------------------- history


def cmd_history(ctx, args) -> int:
    queries = _queries(ctx)
    key = _key(queries, args.claim_key)
    entries = queries.history(key, as_of=_as_of(queries, args), at=args.at)
    fmt = resolve_format(args.format)
    kind = queries.claim_kind(key)
    if fmt == "json":
        emit(entries, fmt)
    elif fmt == "csv":
        rows = [
            {**e, "value": value_text(kind, e["value"]), "reported": _date(e["reported"]), "valid": _date(e["valid"]),
             "retracted": bool(e.get("retracted"))}
            for e in entries
        ]
        emit(rows, fmt, [(k, k) for k in ("position", "type", "reported", "valid", "claimed_by", "value", "change",
                                          "disputed", "retracted", "document_id", "url", "quote")])
    else:
        print_history(key, kind, entries)
    return 0


_CHANGE_STYLE = {"new": "green", "revised": "yellow", "corroborated": "cyan", "disputed": "red",
                 "retracted": "magenta", "corrected": "magenta"}


def print_history(key: str, kind: str | None, entries: list[dict]) -> None:
    """Two lines per entry (the facts, then the quote or the analyst's reason): fits 80 columns."""
    console = stdout_console()
    console.print(f"[bold]history of {key}[/bold] ({len(entries)} entries, oldest first)")
    console.print("[dim]reported   valid           pos by     value                 change[/dim]")
    for e in entries:
        change = e["change"] + (" (retr.)" if e.get("retracted") else "")
        style = _CHANGE_STYLE.get(e["change"], "")
        valid = _date(e["valid"])
        if len(valid) > 11:  # an interval "2025-06-29→07-05": drop the year
            valid = valid[5:] if "→" in valid and len(valid) == 16 else _short(valid, 11)
        line = (
            f"{_date(e['reported']):<10} {valid:<11} {e['position']:>7} {e['claimed_by'] or '':<6} "
            f"{_short(value_text(kind, e['value']), 21):<21}"
        )
        console.print(line + f" [{style}]{change}[/{style}]" if style else line + " " + change, highlight=False)
        if e["type"] == "report":
            note = f"“{' '.join(e['quote'].split())}”"
        else:
            note = f"{e['type']} by {e.get('by')}: {e.get('reason')} (report #{e.get('target_position')})"
        for text in textwrap.wrap(note, width=68)[:3]:
            console.print("           " + text, markup=False, highlight=False, style="dim")
    if any(e.get("retracted") for e in entries):
        console.print("(retr.): later retracted by an analyst; see the retracted entry")
    if kind == "casualties":
        lines = sparklines(entries)
        if lines:
            console.print("[bold]counts over time[/bold] (per claimant, oldest first)")
            for line in lines:
                console.print(line, markup=False, highlight=False)


def sparklines(entries: list[dict]) -> list[str]:
    """Per claimant the counts it reported, in history order, as a sparkline."""
    series: dict[str, list[int]] = {}
    for e in entries:
        if e["type"] == "report" and not e.get("retracted") and (e["value"] or {}).get("count") is not None:
            series.setdefault(e["claimed_by"], []).append(e["value"]["count"])
        elif e["type"] == "corrected" and (e["value"] or {}).get("count") is not None:
            series.setdefault(e["claimed_by"], []).append(e["value"]["count"])
    counts = [c for s in series.values() for c in s]
    if not counts or max(len(s) for s in series.values()) < 2:
        return []
    low, high = min(counts), max(counts)
    span = (high - low) or 1
    lines = []
    for claimant, values in sorted(series.items()):
        bars = "".join(_SPARK[round((v - low) / span * (len(_SPARK) - 1))] for v in values[-40:])
        lines.append(f"  {claimant:<6} {bars:<40} {values[0]:,} -> {values[-1]:,}")
    return lines


# ---------------------------------------------------------------- changes


def cmd_changes(ctx, args) -> int:
    queries = _queries(ctx)
    since = queries.position_since(args.since)
    records = [r for r in queries.changes(since) if not args.kind or r["kind"] == args.kind]
    fmt = resolve_format(args.format)
    if fmt == "json":
        emit(records, fmt)
        return 0
    if fmt == "csv":
        rows = [
            {**r, "before": value_text(r["kind"], (r["before"] or {}).get("value")),
             "after": value_text(r["kind"], (r["after"] or {}).get("value"))}
            for r in records
        ]
        emit(rows, fmt, [(k, k) for k in ("claim_key", "kind", "claimed_by", "change", "before", "after",
                                          "disputed_before", "disputed_after", "position")])
        return 0
    console = stdout_console()
    console.print(f"[bold]{len(records)} change(s) since position {since}[/bold]")
    last_key = None
    for r in records:
        if r["claim_key"] != last_key:
            flag = {(False, True): "now disputed", (True, False): "no longer disputed", (True, True): "disputed"}.get(
                (r["disputed_before"], r["disputed_after"]), "")
            console.print(f"[bold cyan]{r['claim_key']}[/bold cyan]  [red]{flag}[/red]", overflow="fold")
            last_key = r["claim_key"]
        before = _short(value_text(r["kind"], (r["before"] or {}).get("value")), 20) or "-"
        after = _short(value_text(r["kind"], (r["after"] or {}).get("value")), 20) or "-"
        style = _CHANGE_STYLE.get(r["change"], "")
        console.print(
            f"  {r['claimed_by']:<6} [{style or 'default'}]{r['change']:<13}[/] {before:>20} -> {after:<20} #{r['position']}",
            highlight=False,
        )
    return 0


# ---------------------------------------------------------------- audit claim


def cmd_audit_claim(ctx, args) -> int:
    queries = _queries(ctx)
    key = _key(queries, args.claim_key)
    records = queries.audit(key)
    kind = queries.claim_kind(key)
    fmt = resolve_format(args.format)
    if fmt == "json":
        emit(records, fmt)
    elif fmt == "csv":
        emit(records, fmt, [(k, k) for k in ("position", "claimed_by", "document_id", "revision", "url", "published",
                                             "fetched_at", "span", "extractor_version", "quote_matches", "quote")])
    else:
        console = stdout_console()
        console.print(f"[bold]{key}[/bold]: {len(records)} report(s)")
        for r in records:
            mark = "[green]quote matches[/green]" if r["ok"] else "[red]" + "; ".join(r["problems"]) + "[/red]"
            status = " [yellow](retracted)[/yellow]" if r["retracted_at"] else ""
            console.print(f"\n[bold]#{r['position']}[/bold] {r['claimed_by']} {value_text(kind, r['value'])}{status}  {mark}")
            console.print(f"  document {r['document_id']} rev {r['revision']} (event {r['document_position']})", markup=False)
            if r["url"]:
                console.print(f"  {r['url']}", markup=False, overflow="fold")
            corrected = f", corrected to {_date(r['published_corrected'])}" if r["published_corrected"] else ""
            console.print(f"  published {_date(r['published'])} ({(r['published'] or {}).get('kind', '?')}){corrected}", markup=False)
            console.print(f"  fetched {r['fetched_at'] or '-'}, recorded {r['recorded_at']}", markup=False)
            console.print(f"  extractor {r['extractor_version']}, span {r['span'][0]}..{r['span'][1]}, valid {_date(r['valid'])}", markup=False)
            for text in textwrap.wrap(f"“{r['quote']}”", width=76):
                console.print(f"  {text}", markup=False, highlight=False)
    bad = [r for r in records if not r["ok"]]
    if bad:
        where = ", ".join(str(r["position"]) for r in bad[:10])
        print(f"tracker: audit claim: {len(bad)} of {len(records)} reports of {key} fail: positions {where} "
              f"({bad[0]['problems'][0]})", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------- analyst actions


def _analyst(args) -> str:
    return args.by or os.environ.get("TRACKER_ANALYST") or getpass.getuser()


def parse_value(kind: str, text: str) -> dict:
    """--value: a JSON object, or a short form for casualties and ceasefire positions."""
    from pydantic import ValidationError

    from ..domain.claims import normalise_value

    raw = text.strip()
    if raw.startswith("{"):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise CommandError(f"--value is not valid JSON: {exc}") from None
    elif kind == "casualties":
        m = re.fullmatch(r"(?:(%s)\s+)?(\d[\d,.]*)" % "|".join(QUALIFIERS), raw)
        if not m:
            raise CommandError(f"--value {text!r}: expected [QUALIFIER] COUNT, e.g. 190 or \"at_least 190\" ({', '.join(QUALIFIERS)})")
        value = {"count": int(re.sub(r"[,.]", "", m.group(2))), "qualifier": m.group(1) or "exact", "wording": raw}
    elif kind == "ceasefire_position":
        stance, _, condition = raw.partition(":")
        value = {"stance": stance.strip(), "condition": condition.strip() or None}
    else:
        value = {"topic": raw}
    try:
        return normalise_value(kind, value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "value"
        raise CommandError(f"--value is not a valid {kind} value: {where}: {first['msg']}") from None


def cmd_correct(ctx, args) -> int:
    from ..domain.events import ClaimCorrected, to_event_data
    from ..projections.payloads import stream_for_claim
    from ..store import NewEvent

    queries = _queries(ctx)
    key = _key(queries, args.claim_key)
    kind = queries.claim_kind(key)
    current = queries.claim(key)
    holders = {v["claimed_by"]: v for v in (current or {}).get("values", [])}
    if not holders:
        raise CommandError(f"{key} has no current value to correct (every report was retracted)")
    claimant = args.claimant
    if claimant is None:
        if len(holders) > 1:
            raise CommandError(f"{key} has values from {', '.join(sorted(holders))}: say whose with --claimant")
        claimant = next(iter(holders))
    elif claimant not in holders:
        raise CommandError(f"{key} has no current value claimed by {claimant} (claimants: {', '.join(sorted(holders))})")
    value = parse_value(kind, args.value)
    event = ClaimCorrected(claim_key=key, value=value, claimed_by=claimant, reason=args.reason, by=_analyst(args))
    result = ctx.store().append(stream_for_claim(key), [NewEvent(event.event_id(), event.TYPE, to_event_data(event))])
    if result.is_noop:
        print(f"this correction of {key} is already recorded; nothing written")
        return 0
    queries.catch_up()
    before = holders[claimant]
    print(
        f"recorded correction at position {result.positions[0]}: {key} {claimant} "
        f"{value_text(kind, before['value'])} -> {value_text(kind, value)}"
    )
    return 0


def cmd_retract(ctx, args) -> int:
    from ..domain.events import ClaimRetracted, to_event_data
    from ..projections.payloads import stream_for_claim
    from ..store import NewEvent

    queries = _queries(ctx)
    key = _key(queries, args.claim_key)
    report = queries.report(args.report)
    if report is None:
        raise CommandError(f"no claim report at position {args.report} (see `tracker history {key}`)")
    if report["claim_key"] != key:
        raise CommandError(f"the report at position {args.report} is about {report['claim_key']}, not {key}")
    if report["retracted_at"] is not None:
        raise CommandError(f"the report at position {args.report} was already retracted at position {report['retracted_at']}")
    event = ClaimRetracted(claim_key=key, report_position=args.report, reason=args.reason, by=_analyst(args))
    result = ctx.store().append(stream_for_claim(key), [NewEvent(event.event_id(), event.TYPE, to_event_data(event))])
    if result.is_noop:
        print(f"this retraction is already recorded; nothing written")
        return 0
    queries.catch_up()
    payload = report["payload"]["report"]
    print(
        f"recorded retraction at position {result.positions[0]}: report {args.report} of {key} "
        f"({payload['claimed_by']} {value_text(payload['kind'], payload['value'])})"
    )
    return 0


# ---------------------------------------------------------------- timelines


def cmd_contacts(ctx, args) -> int:
    records = _queries(ctx).contacts(actor=args.actor)
    fmt = resolve_format(args.format)
    if fmt != "json":
        records = [{**r, "who": "+".join(r["participants"] or []), "about": _short(value_text("diplomatic_contact", r), 30),
                    "by": ",".join(r["claimed_by"])} for r in records]
    emit(records, fmt, [("date", "date"), ("medium", "medium"), ("who", "who"), ("about", "topic / outcome"),
                        ("by", "by")], title="diplomatic contacts")
    return 0


def cmd_positions(ctx, args) -> int:
    records = _queries(ctx).positions(actor=args.actor)
    fmt = resolve_format(args.format)
    if fmt != "json":
        records = [{**r, "valid_text": _date(r["valid"]), "stance_text": _short(value_text("ceasefire_position", r), 30),
                    "phrase": (r["valid"] or {}).get("phrase") or ""} for r in records]
    emit(records, fmt, [("actor", "actor"), ("valid_text", "valid"), ("phrase", "phrase"), ("stance_text", "stance"),
                        ("claimed_by", "by"), ("position", "pos")], title="ceasefire positions (by valid date)")
    return 0


# ---------------------------------------------------------------- projections


def cmd_rebuild(ctx, args) -> int:
    from ..projections import ProjectionRunner, ProjectionsMissing

    try:
        result = ProjectionRunner(ctx.engine, ctx.store()).rebuild()
    except ProjectionsMissing as exc:
        raise CommandError(str(exc)) from None
    print(
        f"rebuilt the read models from {result.events:,} events (up to position {result.position}) "
        f"in {result.seconds:.2f} s ({result.per_second:,.0f} events/s)"
    )
    return 0


def cmd_status(ctx, args) -> int:
    from ..projections import ProjectionRunner, ProjectionsMissing

    try:
        status = ProjectionRunner(ctx.engine, ctx.store()).status()
    except ProjectionsMissing as exc:
        raise CommandError(str(exc)) from None
    record = {
        "name": status.name,
        "position": status.position,
        "head": status.head,
        "behind": status.behind,
        "version": status.version,
        "code_version": status.code_version,
        "current": status.current,
    }
    emit([record], args.format, [(k, k) for k in record], title="projections")
    return 0
