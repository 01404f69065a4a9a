"""Read side of the projections: current claims, history, changes, audit,
contact and position timelines, and time travel.

Time travel uses the read models' recorded positions, not a replay:
- every report row carries the position range [version_from, version_to) during
  which it was the report's current version (a retraction or a corrected
  document date closes it and opens the next), and every amendment its position;
- "as of position P" is therefore a filter on those columns, and the state at P
  is picked in SQL (per claim and claimant the latest row standing at P, by the
  same order key the projection uses), then shaped by the same record builder;
- "as of a time" is the last position recorded by then (recorded times never
  decrease along positions, so a binary search over the log finds it).
The cost is a scan of the narrow report columns, independent of how many events
of other kinds the log holds, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable

import orjson

from ..domain.dates import parse_edtf
from ..store import EventStore
from . import payloads, records, rules
from .db import Db, transaction
from .runner import ProjectionRunner, RunResult

_loads = orjson.loads


class QueryError(ValueError):
    """A request that cannot be answered as asked (bad key, date or position)."""


class Queries:
    def __init__(self, engine, store: EventStore | None = None):
        self.engine = engine
        self.store = store or EventStore(engine)
        self.runner = ProjectionRunner(engine, self.store)

    def catch_up(self) -> RunResult:
        return self.runner.catch_up()

    # ------------------------------------------------------------ time

    def position_as_of(self, when: str) -> int:
        """`--as-of WHEN`: a position, or the last position recorded at or before a time."""
        kind, value = parse_when(when, end_of_day=True)
        head = self.store.head()
        if kind == "position":
            if value > head.position:
                raise QueryError(f"--as-of {value}: the log ends at position {head.position}")
            return value
        return self._position_at(value, head, inclusive=True)

    def position_since(self, when: str) -> int:
        """`--since WHEN`: changes after this position (a time: after the last position before it)."""
        kind, value = parse_when(when, end_of_day=False)
        head = self.store.head()
        if kind == "position":
            if value > head.position:
                raise QueryError(f"--since {value}: the log ends at position {head.position}")
            return value
        return self._position_at(value, head, inclusive=False)

    def _position_at(self, moment: str, head, *, inclusive: bool) -> int:
        def before(position: int) -> bool:
            recorded = next(self.store.read_all(position, position)).recorded_at
            return recorded <= moment if inclusive else recorded < moment

        if head.position == 0:
            return 0
        if before(head.position):
            return head.position
        lo, hi = 0, head.position  # before(lo) holds (0: nothing), before(hi) does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if before(mid):
                lo = mid
            else:
                hi = mid
        return lo

    # ------------------------------------------------------------ claims

    def claims(
        self,
        kind: str | None = None,
        actor: str | None = None,
        as_of: int | None = None,
        at: str | None = None,
        *,
        raw: bool = False,
    ) -> list:
        """One record per claim key: per claimant its latest value, and the disputed flag.

        With `raw`, each record comes as an orjson.Fragment (its JSON, ready to
        print): the current state is stored as that JSON, and turning a few
        thousand records into Python objects costs more than reading them."""
        at_day = _at_day(at)
        with transaction(self.engine, write=False) as db:
            checkpoint = _checkpoint(db)
            if at_day is None and (as_of is None or as_of >= checkpoint):
                where, params = ["claimants > 0"], []
                if kind:
                    where.append("kind = ?")
                    params.append(kind)
                if actor:
                    where.append("actors LIKE ?")
                    params.append(f"% {actor} %")
                rows = db.all(f"SELECT record FROM rm_claims WHERE {' AND '.join(where)} ORDER BY claim_key", params)
                return [orjson.Fragment(r[0]) for r in rows] if raw else [_loads(r[0]) for r in rows]
            found = _state_at(db, self.store, checkpoint if as_of is None else as_of, at_day, kind=kind)
        out = [found[k] for k in sorted(found)]
        if actor:
            out = [r for r in out if actor in records.actors_of(r)]
        if raw:
            return [orjson.Fragment(orjson.dumps(r, option=orjson.OPT_SORT_KEYS)) for r in out]
        return out

    # ------------------------------------------------------------ history

    def history(self, claim_key: str, as_of: int | None = None, at: str | None = None) -> list[dict]:
        """Every report of a claim and every analyst action on it, oldest first,
        each with the change it made (rules.classify)."""
        at_day = _at_day(at)
        with transaction(self.engine, write=False) as db:
            position = as_of if as_of is not None else _checkpoint(db)
            where = ["r.claim_key = ?", "r.version_from <= ?", "(r.version_to IS NULL OR r.version_to > ?)"]
            params: list = [claim_key, position, position]
            if at_day:
                where.append("r.valid_from <= ?")
                params.append(at_day)
            rows = db.all(f"SELECT r.position, r.order_key, r.body FROM rm_reports r WHERE {' AND '.join(where)}", params)
            kind_row = db.one("SELECT kind FROM rm_claims WHERE claim_key = ?", (claim_key,))
            found = _versions(db, self.store, [(r[0], r[2]) for r in rows])
            reports = {r[0]: _report_entry(r[0], r[1], *found[r[0]]) for r in rows}
            amendment_rows = db.all(
                "SELECT position, target_position, kind, claimed_by, recorded_at, body FROM rm_amendments "
                "WHERE claim_key = ? AND kind IN ('corrected', 'retracted') AND applied = ? AND position <= ?",
                (claim_key, True, position),
            )
            amendment_rows += db.all_in(
                "SELECT position, target_position, kind, claimed_by, recorded_at, body FROM rm_amendments "
                "WHERE kind IN ('corrected', 'retracted') AND applied = ? AND position <= ? "
                "AND claim_key <> ? AND target_position {in_}",
                list(reports),
                (True, position, claim_key),
            )
        if kind_row is None:
            return []
        kind = kind_row[0]
        amendments = [_amendment_entry(row, reports.get(row[1])) for row in sorted(set(amendment_rows))]
        if at_day:
            amendments = [a for a in amendments if a.target in reports]
        entries = rules.classify(kind, rules.ordered(((e.data["_order"], e) for e in reports.values()), amendments))
        out = []
        for entry in entries:
            record = dict(entry.data)
            record.pop("_order", None)
            record["change"] = entry.change
            record["disputed"] = entry.disputed
            out.append(record)
        return out

    # ------------------------------------------------------------ changes

    def changes(self, since: int) -> list[dict]:
        """Per claim and claimant, what differs between the state at `since` and now."""
        with transaction(self.engine, write=False) as db:
            # Not DISTINCT: that would walk the claim-key index instead of the position range.
            keys = {r[0] for r in db.all("SELECT claim_key FROM rm_reports WHERE position > ?", (since,))}
            for key, kind, body in db.all(
                "SELECT claim_key, kind, body FROM rm_amendments WHERE position > ? AND applied = ?", (since, True)
            ):
                keys.add(key)
                previous = _loads(body).get("previous") if kind == "date_corrected" else None
                if previous:
                    keys.add(previous["claim_key"])
            keys.discard("")
            if not keys:
                return []
            before = _state_at(db, self.store, since, None, keys=keys)
            after = {
                k: _loads(rec)
                for k, rec in db.all_in("SELECT claim_key, record FROM rm_claims WHERE claim_key {in_}", sorted(keys))
            }
            retracted = {
                row[0]
                for row in db.all(
                    "SELECT target_position FROM rm_amendments WHERE kind = 'retracted' AND applied = ? AND position > ?",
                    (True, since),
                )
            }
        out = []
        for key in sorted(keys):
            out.extend(_diff(key, before.get(key), after.get(key), retracted))
        return out

    # ------------------------------------------------------------ audit

    def audit(self, claim_key: str) -> list[dict]:
        """The provenance of every report of a claim, checked against the log
        itself: the report and its document are read from the event store, and
        the quote must equal the document's stored text at the report's span."""
        with transaction(self.engine, write=False) as db:
            rows = db.all(
                "SELECT position, retracted_at, body FROM rm_reports "
                "WHERE claim_key = ? AND version_to IS NULL ORDER BY order_key",
                (claim_key,),
            )
            logged = {e.position: e for e in self.store.read_positions([r[0] for r in rows])}
            originals = {
                position: payloads.read(event.type, event.data)
                for position, event in logged.items()
                if event.type == payloads.REPORT
            }
            # As shown: an amended version's own payload, else the logged one.
            shown_of = {r[0]: _loads(r[2]) if r[2] is not None else originals.get(r[0]) for r in rows}
            docs = {
                (d[0], d[1]): d[2:]
                for d in db.all_in(
                    "SELECT document_id, revision, position, url, title, published, published_corrected, "
                    "fetched_at, text_sha256 FROM rm_documents WHERE document_id {in_}",
                    sorted({p["document_id"] for p in shown_of.values() if p is not None}),
                )
            }
        texts: dict[int, tuple[str | None, str | None]] = {}
        for event in self.store.read_positions({d[0] for d in docs.values() if d[0] is not None}):
            text = payloads.read(event.type, event.data).get("text") if event.type == payloads.DOCUMENT else None
            texts[event.position] = (text, hashlib.sha256(text.encode()).hexdigest() if text is not None else None)
        out = []
        for position, retracted_at, _ in rows:
            shown, original = shown_of[position], originals.get(position)
            if shown is None:
                out.append(_unreadable(position, claim_key, retracted_at))
                continue
            doc_position, url, title, published, corrected, fetched, sha = docs.get(
                (shown["document_id"], shown["revision"]), (None,) * 7
            )
            report = (original or shown)["report"]
            text, text_hash = texts.get(doc_position, (None, None))
            start, end = report["span"]
            quote_ok = text is not None and text[start:end] == report["quote"]
            problems = []
            if original is None:
                problems.append(f"no ClaimReported event at position {position}")
            if text is None:
                problems.append("document text not found in the log")
            elif not quote_ok:
                problems.append(f"quote differs from the document text at {start}..{end}")
            if text_hash is not None and sha and text_hash != sha:
                problems.append("document text does not match its recorded sha256")
            out.append(
                {
                    "position": position,
                    "claim_key": claim_key,
                    "claimed_by": report["claimed_by"],
                    "speaker": report.get("speaker"),
                    "value": report["value"],
                    "valid": shown["report"]["valid"],
                    "reported": shown["reported"],
                    "recorded_at": logged[position].recorded_at if original else None,
                    "document_id": shown["document_id"],
                    "revision": shown["revision"],
                    "document_position": doc_position,
                    "url": url,
                    "title": title,
                    "published": _loads(published) if published else None,
                    "published_corrected": _loads(corrected) if corrected else None,
                    "fetched_at": fetched,
                    "quote": report["quote"],
                    "span": [start, end],
                    "extractor_version": report.get("extractor_version"),
                    "retracted_at": retracted_at,
                    "quote_matches": quote_ok,
                    "ok": not problems,
                    "problems": problems,
                }
            )
        return out

    # ------------------------------------------------------------ timelines

    def contacts(self, actor: str | None = None) -> list[dict]:
        """Diplomatic contacts for a timeline: who spoke to whom, when, how, about what."""
        out = []
        for record in self.claims(kind="diplomatic_contact", actor=actor):
            subject = record["subject"]
            values = record["values"]
            latest = max(values, key=lambda v: (v["reported"].get("value") or "", v["position"]))
            out.append(
                {
                    "claim_key": record["claim_key"],
                    "date": latest["valid"].get("date"),
                    "precision": latest["valid"].get("precision"),
                    "medium": subject.get("medium"),
                    "participants": subject.get("participants"),
                    "topic": latest["value"].get("topic"),
                    "outcome": latest["value"].get("outcome"),
                    "claimed_by": [v["claimed_by"] for v in values],
                    "document_id": latest["document_id"],
                    "url": latest["url"],
                    "quote": latest["quote"],
                }
            )
        return sorted(out, key=lambda r: (rules.first_day(r["date"]) or "9999", r["claim_key"]))

    def positions(self, actor: str | None = None) -> list[dict]:
        """Each actor's ceasefire stance over time: every standing report, by valid date."""
        with transaction(self.engine, write=False) as db:
            keys = [
                r[0]
                for r in db.all(
                    "SELECT claim_key FROM rm_claims WHERE kind = 'ceasefire_position' AND claimants > 0"
                    + (" AND actors LIKE ?" if actor else ""),
                    (f"% {actor} %",) if actor else (),
                )
            ]
            rows = db.all_in(
                "SELECT position, order_key, valid_from, body FROM rm_reports "
                "WHERE version_to IS NULL AND retracted_at IS NULL AND claim_key {in_}",
                keys,
            )
            found = _versions(db, self.store, [(r[0], r[3]) for r in rows])
        out = []
        for position, order, valid_from, _ in rows:
            payload, _, url = found[position]
            report = payload["report"]
            if actor and actor not in (report["subject"].get("actor"), report["claimed_by"]):
                continue
            out.append(
                {
                    "actor": report["subject"].get("actor"),
                    "valid": report["valid"],
                    "valid_from": valid_from,
                    "stance": report["value"].get("stance"),
                    "condition": report["value"].get("condition"),
                    "claimed_by": report["claimed_by"],
                    "speaker": report.get("speaker"),
                    "reported": payload["reported"],
                    "position": position,
                    "document_id": payload["document_id"],
                    "url": url,
                    "quote": report["quote"],
                    "_order": (valid_from or "", order),
                }
            )
        out.sort(key=lambda r: (r["actor"] or "", r.pop("_order")))
        return out

    # ------------------------------------------------------------ claim keys

    def resolve_key(self, prefix: str) -> str:
        """A claim key from a unique prefix of it."""
        with transaction(self.engine, write=False) as db:
            if db.one("SELECT 1 FROM rm_claims WHERE claim_key = ?", (prefix,)):
                return prefix
            found = [
                r[0]
                for r in db.all(
                    "SELECT claim_key FROM rm_claims WHERE claim_key >= ? AND claim_key < ? ORDER BY claim_key LIMIT 11",
                    (prefix, prefix + "\U0010ffff"),
                )
            ]
        if not found:
            raise QueryError(f"no claim key starts with {prefix!r} (see `tracker claims`)")
        if len(found) > 1:
            listed = ", ".join(found[:10]) + (", ..." if len(found) > 10 else "")
            raise QueryError(f"claim key prefix {prefix!r} is ambiguous: {listed}")
        return found[0]

    def claim(self, claim_key: str) -> dict | None:
        """The current record of one claim (None when unknown)."""
        with transaction(self.engine, write=False) as db:
            row = db.one("SELECT record FROM rm_claims WHERE claim_key = ?", (claim_key,))
        return _loads(row[0]) if row else None

    def claim_kind(self, claim_key: str) -> str | None:
        with transaction(self.engine, write=False) as db:
            row = db.one("SELECT kind FROM rm_claims WHERE claim_key = ?", (claim_key,))
        return row[0] if row else None

    def report(self, position: int) -> dict | None:
        """The current version of one claim report (its payload, amended), with its status."""
        with transaction(self.engine, write=False) as db:
            row = db.one(
                "SELECT claim_key, retracted_at, body FROM rm_reports WHERE position = ? AND version_to IS NULL",
                (position,),
            )
        if row is None:
            return None
        [(payload, _)] = payloads.report_versions(self.store, {position: row[2]}).values()
        return {"claim_key": row[0], "retracted_at": row[1], "payload": payload}


# ---------------------------------------------------------------- helpers


def _checkpoint(db: Db) -> int:
    row = db.one("SELECT position FROM projection_checkpoints WHERE name = 'claims'")
    return row[0] if row else 0


def _at_day(at: str | None) -> str | None:
    if at is None:
        return None
    try:
        parse_edtf(at)
    except ValueError:
        raise QueryError(f"--at {at!r}: expected a date YYYY, YYYY-MM or YYYY-MM-DD") from None
    return rules.last_day(at)


def _state_at(
    db: Db,
    store: EventStore,
    position: int,
    at_day: str | None,
    *,
    kind: str | None = None,
    keys: Iterable[str] | None = None,
) -> dict[str, dict]:
    """The claims records as they stood at `position` (and, with `at_day`, as
    claimed to hold on that day): the same records the projection stores.

    Per claim and claimant, one backward walk of the claimant's index entries
    from its latest row to the first row standing at `position` (so a recent
    position costs a few entries per claimant); only the rows found are read."""
    if keys is None:
        where, params = ("kind = ?", [kind]) if kind else ("1 = 1", [])
        claims = db.all(f"SELECT claim_key, kind, subject, state FROM rm_claims WHERE {where}", params)
    else:
        claims = db.all_in("SELECT claim_key, kind, subject, state FROM rm_claims WHERE claim_key {in_}", sorted(keys))
    info = {key: (kind_, _loads(subject)) for key, kind_, subject, _ in claims}
    pairs = [(key, claimant) for key, _, _, state in claims for claimant in _loads(state)]
    # Without a valid date: the latest row. With one: the row whose validity
    # starts last on or before that day (later reporting breaks ties).
    standing = "r.version_from <= ? AND (r.version_to IS NULL OR r.version_to > ?) AND r.retracted_at IS NULL"
    if at_day:
        pick = f"{standing} AND r.valid_from <= ? ORDER BY r.valid_from DESC, r.order_key DESC"
        args = [position, position, at_day]
    else:
        pick, args = f"{standing} ORDER BY r.order_key DESC", [position, position]
    found: list[int] = []
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        values = ", ".join(["(?, ?)"] * len(chunk))
        rows = db.all(
            f"WITH p (k, c) AS (VALUES {values}) SELECT (SELECT r.position FROM rm_reports r "
            f"WHERE r.claim_key = p.k AND r.claimed_by = p.c AND {pick} LIMIT 1) FROM p",
            [v for pair in chunk for v in pair] + args,
        )
        found.extend(r[0] for r in rows if r[0] is not None)
    rows = db.all_in(
        "SELECT position, claim_key, body FROM rm_reports "
        "WHERE version_from <= ? AND (version_to IS NULL OR version_to > ?) AND position {in_}",
        found,
        (position, position),
    )
    versions = _versions(db, store, [(r[0], r[2]) for r in rows])
    fixes: dict[int, dict] = {}
    for target, at, recorded_at, body in db.all_in(
        "SELECT target_position, position, recorded_at, body FROM rm_amendments "
        "WHERE kind = 'corrected' AND applied = ? AND position <= ? AND target_position {in_}",
        found,
        (True, position),
    ):
        if target not in fixes or at > fixes[target]["position"]:
            fixes[target] = records.correction(at, recorded_at, _loads(body))
    entries: dict[str, list[dict]] = {}
    for report_position, key, _ in rows:
        payload, recorded_at, url = versions[report_position]
        entry = records.value_entry(payload, url, recorded_at, report_position)
        entries.setdefault(key, []).append(records.corrected_entry(entry, fixes.get(report_position)))
    return {key: records.claim_record(key, *info[key], values) for key, values in entries.items()}


def _versions(db: Db, store: EventStore, rows: list[tuple[int, str | None]]) -> dict[int, tuple[dict, str, str | None]]:
    """position -> (payload, recorded_at, document URL) of report versions given as (position, body)."""
    found = payloads.report_versions(store, dict(rows))
    documents = sorted({payload["document_id"] for payload, _ in found.values()})
    urls = {
        (d, r): url
        for d, r, url in db.all_in("SELECT document_id, revision, url FROM rm_documents WHERE document_id {in_}", documents)
    }
    return {
        position: (payload, recorded_at, urls.get((payload["document_id"], payload["revision"])))
        for position, (payload, recorded_at) in found.items()
    }


def _report_entry(position: int, order: str, payload: dict, recorded_at: str, url: str | None) -> rules.Entry:
    report = payload["report"]
    data = {
        "type": "report",
        "position": position,
        "recorded_at": recorded_at,
        "reported": payload["reported"],
        "valid": report["valid"],
        "claimed_by": report["claimed_by"],
        "speaker": report.get("speaker"),
        "value": report["value"],
        "change": None,
        "document_id": payload["document_id"],
        "revision": payload["revision"],
        "url": url,
        "quote": report["quote"],
        "span": report["span"],
        "extractor_version": report.get("extractor_version"),
        "claim_key": report["claim_key"],
        "retracted": payload.get("retracted"),
        "amendments": payload.get("amendments") or [],
        "_order": order,
    }
    return rules.Entry(
        "report", position, report["claimed_by"], report["value"], payload["document_id"], payload["revision"],
        data=data,
    )


def _unreadable(position: int, claim_key: str, retracted_at: int | None) -> dict:
    """An audit record for a report whose event is not in the log: nothing to check it against."""
    fields = ("claimed_by", "speaker", "value", "valid", "reported", "recorded_at", "document_id", "revision",
              "document_position", "url", "title", "published", "published_corrected", "fetched_at", "quote",
              "span", "extractor_version")
    return {
        "position": position, "claim_key": claim_key, **dict.fromkeys(fields), "retracted_at": retracted_at,
        "quote_matches": False, "ok": False, "problems": [f"no ClaimReported event at position {position}"],
    }


def _amendment_entry(row, target: rules.Entry | None) -> rules.Entry:
    position, target_position, kind, claimed_by, recorded_at, body = row
    body = _loads(body)
    base = target.data if target is not None else {}
    value = body.get("value") if body.get("value") is not None else base.get("value")
    data = {
        "type": kind,
        "position": position,
        "recorded_at": recorded_at,
        "reported": base.get("reported"),
        "valid": base.get("valid"),
        "claimed_by": claimed_by,
        "speaker": None,
        "value": value,
        "change": None,
        "document_id": base.get("document_id"),
        "revision": base.get("revision"),
        "url": base.get("url"),
        "quote": base.get("quote"),
        "target_position": target_position,
        "by": body.get("by"),
        "reason": body.get("reason"),
    }
    return rules.Entry(kind, position, claimed_by, value or {}, target=target_position, data=data)


def _diff(key: str, before: dict | None, after: dict | None, retracted: set[int]) -> list[dict]:
    if before is None and after is None:
        return []
    was = {v["claimed_by"]: v for v in (before or {}).get("values", [])}
    now = {v["claimed_by"]: v for v in (after or {}).get("values", [])}
    kind = (after or before)["kind"]
    out = []
    for claimant in sorted(set(was) | set(now)):
        old, new = was.get(claimant), now.get(claimant)
        if old == new:
            continue
        if new is None:
            change = "retracted" if old["position"] in retracted else "moved"
        elif old is None:
            others = [v["value"] for c, v in now.items() if c != claimant and c in was]
            verdicts = {rules.compare(kind, other, new["value"]) for other in others}
            if not was:
                change = "new"
            elif rules.DIFFERENT in verdicts and rules.SAME not in verdicts:
                change = "disputed"
            else:
                change = "corroborated"
        elif new.get("corrected") and new["corrected"] != (old.get("corrected") or None):
            change = "corrected"
        elif (old["document_id"] == new["document_id"] and new["revision"] > old["revision"]) or rules.compare(
            kind, old["value"], new["value"]
        ) != rules.SAME:
            change = "revised"
        else:
            change = "corroborated"
        latest = new or old
        out.append(
            {
                "claim_key": key,
                "kind": kind,
                "claimed_by": claimant,
                "change": change,
                "before": old,
                "after": new,
                "disputed_before": bool(before and before["disputed"]),
                "disputed_after": bool(after and after.get("values") and after["disputed"]),
                "position": max(
                    latest["position"], (latest.get("corrected") or {}).get("position") or 0
                ),
            }
        )
    return out


# ---------------------------------------------------------------- WHEN

_RELATIVE = re.compile(r"^(\d+)\s*(s|m|min|h|d|w)$")
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(text: str, *, end_of_day: bool) -> tuple[str, int | str]:
    """("position", N) for a global position, or ("time", ISO UTC text) for a
    time: an ISO date or date-time (UTC unless it says otherwise) or a duration
    ago ("90m", "2h", "3d"). A bare date means its end for --as-of (everything
    recorded that day) and its start for --since."""
    raw = text.strip()
    if raw.isdigit():
        return "position", int(raw)
    match = _RELATIVE.match(raw.lower())
    if match:
        moment = dt.datetime.now(dt.timezone.utc) - dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return "time", _utc(moment)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            day = dt.date.fromisoformat(raw)
            moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min, dt.timezone.utc)
        else:
            moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise QueryError(
            f"{text!r} is neither a position, a date (2025-07-03), a time (2025-07-03T14:00Z) nor a duration (2h, 3d)"
        ) from None
    return "time", _utc(moment)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
