"""The claims projection: events -> documents, versioned reports, amendments
and the current state of every claim (tables in alembic/versions/0003).

It is applied by the runner inside the runner's transaction. Between batches it
keeps in memory what deciding the next event needs (per claim and claimant the
order key of the current value; per document its position and URL), so a
rebuild never reads back what it wrote, and an incremental catch-up loads the
state of a claim once per batch. Rare events (a retraction, a corrected
document date) recompute the claims they touch from the stored rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import orjson

from . import payloads, records, rules
from .db import Db

_dumps = orjson.dumps
_loads = orjson.loads


def dumps(value) -> str:
    return _dumps(value, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(slots=True)
class Doc:
    position: int
    url: str | None
    fetched_at: str | None
    first_report: int | None = None
    last_report: int | None = None
    stored: bool = False  # its row is in the database (not only in the insert buffer)
    # The order-key prefix of its reports ("reported date|document position|"),
    # computed once per document, and the reported date it was computed for.
    prefix: str | None = None
    prefix_for: str | None = None


@dataclass(slots=True)
class Winner:
    """A claimant's current value: its latest standing report, maybe corrected.
    Its entry in the current state is built when the state is written, from
    its payload (read from the log then, unless an amendment gave it)."""

    order_key: str
    position: int
    payload: dict | None  # the report's payload, until its entry is built (None: read it from the log)
    url: str | None
    recorded_at: str
    entry: dict | None = None  # value_entry()
    correction: dict | None = None

    def shown(self) -> dict:
        if self.entry is None:
            self.entry = records.value_entry(self.payload, self.url, self.recorded_at, self.position)
            self.payload = None
        return records.corrected_entry(self.entry, self.correction)


@dataclass(slots=True)
class Claim:
    kind: str
    subject: dict | None  # None: not read yet (see _read_winners)
    first_position: int
    winners: dict[str, Winner] = field(default_factory=dict)
    claimants: set[str] = field(default_factory=set)  # every claimant it ever had (time travel asks each)


class Version(NamedTuple):
    """A row of rm_reports: one version of a claim report."""

    position: int
    version_from: int
    version_to: int | None
    claim_key: str
    claimed_by: str
    order_key: str
    valid_from: str | None
    retracted_at: int | None
    body: str | None  # the amended payload (JSON); None: the logged one


_REPORT_COLUMNS = ", ".join(Version._fields)
_INSERT_REPORT = f"INSERT INTO rm_reports ({_REPORT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
# A new report's first version: only the columns it sets (binding the NULLs
# cost a rebuild more than it would think).
_INSERT_NEW_REPORT = (
    "INSERT INTO rm_reports (position, version_from, claim_key, claimed_by, order_key, valid_from) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_DOCUMENT = (
    "INSERT INTO rm_documents (document_id, revision, position, first_report, last_report, url, title, "
    "published, published_corrected, fetched_at, text_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_AMENDMENT = (
    "INSERT INTO rm_amendments (position, target_position, kind, claim_key, claimed_by, applied, "
    "recorded_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_CLAIM = (
    "INSERT INTO rm_claims (claim_key, kind, subject, first_position, claimants, disputed, actors, record, "
    "state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (claim_key) DO UPDATE SET "
    "kind = excluded.kind, subject = excluded.subject, first_position = excluded.first_position, "
    "claimants = excluded.claimants, disputed = excluded.disputed, actors = excluded.actors, "
    "record = excluded.record, state = excluded.state"
)


# Indexes a rebuild creates after loading the rows instead of updating them row
# by row (sorting once is several times cheaper than a million inserts at random
# places). As defined by migration 0003 (a test compares them).
DEFERRED_INDEXES = {
    "ix_rm_reports_claimant_order": "rm_reports (claim_key, claimed_by, order_key, version_from, version_to, "
    "retracted_at, valid_from, position)",
}

_first_days: dict[tuple, str] = {}  # (valid date, reported date) -> valid_from ("" for none)


_OFFSETS: dict[int | None, str] = {}


def _offset(order: int | None) -> str:
    """The "day offset inside the document|" part of an order key (cached)."""
    text = _OFFSETS.get(order)
    if text is None:
        text = _OFFSETS[order] = rules.order_key("", 0, order, 0)[14:22]
    return text


class ClaimsProjection:
    name = "claims"
    # Bump when what the projection writes changes: the runner then rebuilds it.
    version = 3
    tables = ("rm_claims", "rm_amendments", "rm_reports", "rm_documents")

    def __init__(self, store):
        self.store = store  # reads back the logged payloads of stored report versions
        self.forget()

    # ------------------------------------------------------------ lifecycle

    def forget(self) -> None:
        """Drop the in-memory state (it no longer matches the database)."""
        # True from a reset on, while this process alone writes: the tables then
        # hold only what memory holds, and nothing needs loading back.
        self.complete = False
        self.indexed = False  # the DEFERRED_INDEXES are known to exist
        self.docs: dict[tuple[str, int], Doc] = {}
        self.latest_revision: dict[str, int] = {}
        self.claims: dict[str, Claim | None] = {}  # None: known not to exist
        self.position: int | None = None  # the checkpoint this state reflects

    def reset(self, db: Db) -> None:
        """Empty the read models (the start of a rebuild), and drop the
        DEFERRED_INDEXES until the projection has caught up (or needs them)."""
        for table in self.tables:
            db.execute(f"DELETE FROM {table}")
        existing = db.index_names("rm_reports")
        for name in DEFERRED_INDEXES:
            if name in existing:
                db.execute(f"DROP INDEX {name}")
        self.forget()
        self.complete = True
        self.position = 0

    def ensure_indexes(self) -> None:
        """Create the DEFERRED_INDEXES that a rebuild dropped (a no-op once they exist)."""
        if self.indexed:
            return
        existing = self.db.index_names("rm_reports")
        for name, definition in DEFERRED_INDEXES.items():
            if name not in existing:
                self.db.execute(f"CREATE INDEX {name} ON {definition}")
        self.indexed = True

    def begin(self, db: Db) -> None:
        self.db = db
        self._doc_rows: list[tuple[str, int, Doc, tuple]] = []
        self._doc_ranges: set[tuple[str, int]] = set()
        self._report_rows: list[tuple] = []
        self._amendment_rows: list[tuple] = []
        self._dirty: set[str] = set()

    def batches(self, from_position: int, size: int) -> Iterator[list]:
        """The log from a position on, in batches of `size` events as `apply` takes them."""
        return self.store.read_all_field_pages(payloads.FIELDS, from_position, page_size=size)

    def apply(self, rows: list) -> None:
        """Apply events given as rows of `batches()`: (position, type,
        recorded_at, the values of payloads.FIELDS). This loop runs once per
        event of a rebuild: it is kept flat."""
        rows = payloads.with_whole_payloads(self.store, rows)
        if not self.complete:
            self._preload(rows)
        report, document, is_report, is_document = self._report, self._document, payloads.REPORT, payloads.DOCUMENT
        actions = {
            payloads.CORRECTED: self._corrected,
            payloads.RETRACTED: self._retracted,
            payloads.DATE_CORRECTED: self._date_corrected,
        }
        for position, type_, recorded_at, values in rows:
            if type_ == is_report:
                report(position, recorded_at, values)
            elif type_ == is_document:
                document(position, recorded_at, values)
            elif type_ in actions:
                actions[type_](position, recorded_at, values)  # a whole payload
        if rows:
            self.position = rows[-1][0]

    def flush_rows(self) -> None:
        """Write the buffered rows (documents, reports, amendments)."""
        db = self.db
        if self._doc_rows:
            db.executemany(
                _INSERT_DOCUMENT,
                [(d, r, doc.position, doc.first_report, doc.last_report, *rest) for d, r, doc, rest in self._doc_rows],
            )
            for _, _, doc, _ in self._doc_rows:
                doc.stored = True
            self._doc_rows = []
        if self._doc_ranges:
            db.executemany(
                "UPDATE rm_documents SET first_report = ?, last_report = ? WHERE document_id = ? AND revision = ?",
                [(self.docs[k].first_report, self.docs[k].last_report, *k) for k in sorted(self._doc_ranges)],
            )
            self._doc_ranges = set()
        db.executemany(_INSERT_NEW_REPORT, self._report_rows)
        self._report_rows = []
        db.executemany(_INSERT_AMENDMENT, self._amendment_rows)
        self._amendment_rows = []

    def finish(self) -> None:
        """Write everything buffered, including the changed current states."""
        self.flush_rows()
        self._read_winners()
        rows = []
        for key in sorted(self._dirty):
            claim = self.claims[key]
            entries = [w.shown() for w in claim.winners.values()]
            record = records.claim_record(key, claim.kind, claim.subject, entries)
            state = {c: (claim.winners[c].order_key if c in claim.winners else None) for c in sorted(claim.claimants)}
            rows.append(
                (
                    key,
                    claim.kind,
                    dumps(claim.subject),
                    claim.first_position,
                    len(entries),
                    record["disputed"],
                    " " + " ".join(sorted(records.actors_of(record))) + " ",
                    dumps(record),
                    dumps(state),
                )
            )
        self.db.executemany(_UPSERT_CLAIM, rows)
        self._dirty = set()

    def _read_winners(self) -> None:
        """Read from the log what the changed claims' records show and applying
        did not decode (a rebuild would otherwise decode every report): the
        payloads of their new winners, the subjects of new claims."""
        changed = [self.claims[key] for key in self._dirty]
        unread = [w for claim in changed for w in claim.winners.values() if w.entry is None and w.payload is None]
        new = [claim for claim in changed if claim.subject is None]
        positions = {w.position for w in unread} | {claim.first_position for claim in new}
        if positions:
            found = {e.position: payloads.read(e.type, e.data) for e in self.store.read_positions(positions)}
            for w in unread:
                w.payload = found[w.position]
            for claim in new:
                claim.subject = found[claim.first_position]["report"]["subject"]

    # ------------------------------------------------------------ loading

    def _preload(self, rows: list[tuple]) -> None:
        """Load, once per batch, the stored state of the claims and documents it touches."""
        keys, doc_ids = set(), set()
        for _, type_, _, values in rows:
            if type_ == payloads.REPORT:
                keys.add(values[payloads.CLAIM_KEY])
                doc_ids.add(values[payloads.DOCUMENT_ID])
            elif type_ == payloads.DOCUMENT:
                doc_ids.add(values[payloads.DOCUMENT_ID])
            elif type_ in (payloads.CORRECTED, payloads.RETRACTED):
                keys.add(values["claim_key"])
            elif type_ == payloads.DATE_CORRECTED:
                doc_ids.add(values["document_id"])
        self._load_claims([k for k in keys if k not in self.claims])
        self._load_docs([d for d in doc_ids if d not in self.latest_revision])

    def _load_claims(self, keys: list[str]) -> None:
        if not keys:
            return
        rows = self.db.all_in(
            "SELECT claim_key, kind, subject, first_position, record, state FROM rm_claims WHERE claim_key {in_}", keys
        )
        for key in keys:
            self.claims[key] = None
        for key, kind, subject, first_position, record, state in rows:
            claim = Claim(kind, _loads(subject), first_position)
            order_keys = _loads(state)
            claim.claimants = set(order_keys)
            for shown in _loads(record)["values"]:
                entry, fix = records.original_entry(shown)
                claim.winners[entry["claimed_by"]] = Winner(
                    order_keys[entry["claimed_by"]], entry["position"], None, entry["url"],
                    entry["recorded_at"], entry, fix,
                )
            self.claims[key] = claim

    def _load_docs(self, doc_ids: list[str]) -> None:
        if not doc_ids:
            return
        rows = self.db.all_in(
            "SELECT document_id, revision, position, url, fetched_at, first_report, last_report "
            "FROM rm_documents WHERE document_id {in_}",
            doc_ids,
        )
        for document_id, revision, position, url, fetched_at, first, last in rows:
            self.docs[(document_id, revision)] = Doc(position, url, fetched_at, first, last, True)
            if revision > self.latest_revision.get(document_id, 0):
                self.latest_revision[document_id] = revision

    def _claim(self, key: str) -> Claim | None:
        if key not in self.claims:
            if self.complete:
                return None
            self._load_claims([key])
        return self.claims.get(key)

    def _doc(self, document_id: str, revision: int) -> Doc | None:
        if document_id not in self.latest_revision and not self.complete:
            self._load_docs([document_id])
        return self.docs.get((document_id, revision))

    # ------------------------------------------------------------ events

    def _document(self, position: int, recorded_at: str, values: list) -> None:
        document_id, revision = values[payloads.DOCUMENT_ID], values[payloads.REVISION]
        url, fetched_at, title, published, text_sha256 = values[payloads.DOCUMENT_FIELDS]
        key = (document_id, revision)
        if key in self.docs:
            return  # the same revision again: its first record stands
        doc = Doc(position, url, fetched_at)
        self.docs[key] = doc
        if revision > self.latest_revision.get(document_id, 0):
            self.latest_revision[document_id] = revision
        self._doc_rows.append((*key, doc, (url, title, dumps(published or {}), None, fetched_at, text_sha256)))

    def _report(self, position: int, recorded_at: str, values: list) -> None:
        document_id, revision, reported, key, claimant, kind, valid, order_in_doc, since = values[payloads.REPORT_FIELDS]
        doc = self.docs.get((document_id, revision))
        if doc is None and not self.complete:
            doc = self._doc(document_id, revision)
        prefix = doc.prefix if doc is not None and doc.prefix_for == reported and doc.prefix else None
        day = rules.valid_order(order_in_doc, since)
        # Concatenated: "%012d" formatting of the position cost more than the rest of the key.
        order = (prefix or self._prefix(doc, reported)) + (_OFFSETS.get(day) or _offset(day)) + str(position).zfill(12)
        valid_from = _first_days.get((valid, reported))
        if valid_from is None:
            valid_from = _first_days[(valid, reported)] = rules.valid_from(valid, reported) or ""
        self._report_rows.append((position, position, key, claimant, order, valid_from or None))
        if doc is not None:
            if doc.first_report is None:
                doc.first_report = position
            doc.last_report = position
            if doc.stored:
                self._doc_ranges.add((document_id, revision))
        claim = self.claims.get(key)
        if claim is None:
            claim = self._claim(key)
            if claim is None:  # its subject is read with its first winner's payload
                claim = self.claims[key] = Claim(kind, None, position)
        held = claim.winners.get(claimant)
        if held is None:
            claim.claimants.add(claimant)  # (a claimant with a winner is in there already)
        elif order <= held.order_key:
            return
        claim.winners[claimant] = Winner(order, position, None, doc.url if doc else None, recorded_at)
        self._dirty.add(key)

    def _prefix(self, doc: Doc | None, reported: str | None) -> str:
        """"reported date|document position|" of a report's order key."""
        if doc is None:
            return rules.order_key(rules.reported_sort(reported, None), 0, 0, 0)[:24]
        if doc.prefix is None or doc.prefix_for != reported:
            doc.prefix = rules.order_key(rules.reported_sort(reported, doc.fetched_at), doc.position, 0, 0)[:24]
            doc.prefix_for = reported
        return doc.prefix

    def _order(self, payload: dict, doc: Doc | None, position: int) -> tuple[str, str | None]:
        """(order key, valid_from) of a report's (amended) payload."""
        _, _, reported, _, _, _, valid, order_in_doc, since = payloads.fields_of(payload)[payloads.REPORT_FIELDS]
        order = self._prefix(doc, reported) + _offset(rules.valid_order(order_in_doc, since)) + f"{position:012d}"
        return order, rules.valid_from(valid, reported)

    def _corrected(self, position: int, recorded_at: str, p: dict) -> None:
        key = p["claim_key"]
        claimant = p.get("claimed_by")
        claim = self._claim(key)
        target: Winner | None = None
        if claim is not None and claim.winners:
            if claimant:
                target = claim.winners.get(claimant)
            else:
                claimant, target = max(claim.winners.items(), key=lambda item: item[1].order_key)
        body = {"value": p["value"], "by": p.get("by"), "reason": p.get("reason")}
        if target is None:
            body["note"] = f"nothing to correct: {key} has no current value" + (
                f" claimed by {claimant}" if claimant else ""
            )
        self._amendment_rows.append(
            (
                position, target.position if target else 0, "corrected", key, claimant,
                target is not None, recorded_at, dumps(body),
            )
        )
        if target is not None:
            target.correction = records.correction(position, recorded_at, body)
            self._dirty.add(key)

    def _retracted(self, position: int, recorded_at: str, p: dict) -> None:
        self.flush_rows()
        key, target = p["claim_key"], p["report_position"]
        row = self._current_version(target)
        note = None
        if row is None:
            note = f"no claim report at position {target}"
        elif row.claim_key != key:
            note = f"the report at position {target} is about {row.claim_key}, not {key}"
        elif row.retracted_at is not None:
            note = f"the report at position {target} was already retracted at position {row.retracted_at}"
        body = {"by": p.get("by"), "reason": p.get("reason")}
        if note:
            body["note"] = note
        else:
            payload, _ = self._payloads([row])[row.position]
            payload["retracted"] = {
                "position": position, "recorded_at": recorded_at,
                "by": p.get("by"), "reason": p.get("reason"),
            }
            body["value"] = payload["report"]["value"]
            self._new_version(row, position, row.claim_key, row.order_key, row.valid_from, position, payload)
        self._amendment_rows.append(
            (
                position, target, "retracted", key, row.claimed_by if row else None, note is None,
                recorded_at, dumps(body),
            )
        )
        if note is None:
            self._recompute({key})

    def _date_corrected(self, position: int, recorded_at: str, p: dict) -> None:
        self.flush_rows()
        document_id = p["document_id"]
        self._doc(document_id, 0)  # loads the document's revisions when needed
        revision = self.latest_revision.get(document_id)
        doc = self.docs.get((document_id, revision)) if revision else None
        body = {"by": p.get("by"), "reason": p.get("reason"), "published": p["published"]}
        if doc is None:
            body["note"] = f"no document {document_id}"
            self._amendment_rows.append(
                (position, 0, "date_corrected", "", None, False, recorded_at, dumps(body))
            )
            return
        self.db.execute(
            "UPDATE rm_documents SET published_corrected = ? WHERE document_id = ? AND revision = ?",
            (dumps({**p["published"], "position": position, "by": p.get("by"), "reason": p.get("reason")}),
             document_id, revision),
        )
        rows, found = [], {}
        if doc.first_report is not None:
            # The document's reports lie in this range (with other documents' maybe).
            candidates = [
                Version(*r)
                for r in self.db.all(
                    f"SELECT {_REPORT_COLUMNS} FROM rm_reports WHERE position >= ? AND position <= ? "
                    "AND version_to IS NULL ORDER BY position",
                    (doc.first_report, doc.last_report),
                )
            ]
            found = self._payloads(candidates)
            rows = [
                r for r in candidates
                if (found[r.position][0]["document_id"], found[r.position][0]["revision"]) == (document_id, revision)
            ]
        resolved = {item["index"]: item for item in p.get("re_resolved") or []}
        touched: set[str] = set()
        for row in rows:
            payload = found[row.position][0]
            report = payload["report"]
            item = resolved.get(report.get("index"))
            previous = {"reported": payload["reported"], "valid": report["valid"], "claim_key": report["claim_key"]}
            payload["reported"] = p["published"]
            if item is not None:
                report["valid"] = item["valid"]
                report["claim_key"] = item["claim_key"]
            payload.setdefault("amendments", []).append(
                {
                    "position": position, "recorded_at": recorded_at, "kind": "date_corrected",
                    "by": p.get("by"), "reason": p.get("reason"), "previous": previous,
                }
            )
            order, valid_from = self._order(payload, doc, row.position)
            self._new_version(row, position, report["claim_key"], order, valid_from, row.retracted_at, payload)
            touched.update((row.claim_key, report["claim_key"]))
            self._amendment_rows.append(
                (
                    position, row.position, "date_corrected", report["claim_key"], row.claimed_by, True,
                    recorded_at, dumps({**body, "previous": previous}),
                )
            )
        if not rows:
            body["note"] = f"document {document_id} revision {revision} has no claim reports"
            self._amendment_rows.append(
                (position, 0, "date_corrected", "", None, True, recorded_at, dumps(body))
            )
        self._recompute(touched)

    # ------------------------------------------------------------ versions and recomputation

    def _current_version(self, position: int) -> Version | None:
        row = self.db.one(
            f"SELECT {_REPORT_COLUMNS} FROM rm_reports WHERE position = ? AND version_to IS NULL", (position,)
        )
        return Version(*row) if row else None

    def _payloads(self, rows: Iterable[Version]) -> dict[int, tuple[dict, str]]:
        """position -> (payload, recorded_at) of these report versions."""
        return payloads.report_versions(self.store, {row.position: row.body for row in rows})

    def _new_version(self, row: Version, at: int, key: str, order: str, valid_from, retracted_at, payload: dict) -> None:
        """Close a report's current version at `at` and open its successor (amended: it keeps its payload)."""
        self.db.execute(
            "UPDATE rm_reports SET version_to = ? WHERE position = ? AND version_from = ?",
            (at, row.position, row.version_from),
        )
        self.db.execute(
            _INSERT_REPORT, (row.position, at, None, key, row.claimed_by, order, valid_from, retracted_at, dumps(payload))
        )

    def _recompute(self, keys: Iterable[str]) -> None:
        """Rebuild the current state of `keys` from their stored standing reports."""
        self.flush_rows()
        self.ensure_indexes()  # finds a claim's rows (during a rebuild: builds the index now)
        for key in sorted(keys):
            rows = [
                Version(*r)
                for r in self.db.all(
                    f"SELECT {_REPORT_COLUMNS} FROM rm_reports "
                    "WHERE claim_key = ? AND version_to IS NULL AND retracted_at IS NULL",
                    (key,),
                )
            ]
            claim = self._claim(key)
            first = min(rows, key=lambda r: r.position) if claim is None and rows else None
            if claim is None and first is None:
                continue
            latest = rules.pick_latest((r.claimed_by, r.order_key, r) for r in rows)
            found = self._payloads([row for _, row in latest.values()] + ([first] if first else []))
            if claim is None:
                report = found[first.position][0]["report"]
                claim = self.claims[key] = Claim(report["kind"], report["subject"], first.position)
            fixes = self._corrections([row.position for _, row in latest.values()])
            winners = {}
            for claimant, (order, row) in latest.items():
                payload, recorded_at = found[row.position]
                doc = self._doc(payload["document_id"], payload["revision"])
                winners[claimant] = Winner(
                    order, row.position, payload, doc.url if doc else None, recorded_at, None, fixes.get(row.position)
                )
            claim.winners = winners
            claim.claimants.update(winners)
            self._dirty.add(key)

    def _corrections(self, targets: list[int]) -> dict[int, dict]:
        """The latest applied correction of each target report."""
        fixes: dict[int, dict] = {}
        rows = self.db.all_in(
            "SELECT target_position, position, recorded_at, body FROM rm_amendments "
            "WHERE kind = 'corrected' AND applied = ? AND target_position {in_} ORDER BY position",
            targets,
            (True,),
        )
        for target, position, recorded_at, body in sorted(rows, key=lambda r: r[1]):
            fixes[target] = records.correction(position, recorded_at, _loads(body))
        return fixes
