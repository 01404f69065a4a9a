"""The query side on a scenario with known answers: a seed-like article, later
reports that corroborate, dispute and revise it, an analyst's retraction and
correction, a corrected document date; and the CLI on top of it."""

from __future__ import annotations

import orjson
import pytest

from conftest import run_cli
from tracker.cli import main
from tracker.domain.claims import ClaimReport
from tracker.projections import Queries
from tracker.projections import samples as S

KEY = "casualties/killed/total"
FRIDAY = {"weekday": 4}


def _append(store, stream_events) -> list[int]:
    return list(store.append(*stream_events).positions)


@pytest.fixture
def scenario(db):
    return build_scenario(db)


@pytest.fixture
def sqlite_scenario(sqlite_db):
    """The CLI runs in subprocesses (about a second each): on SQLite only, as
    the commands only format what the queries (tested on both backends) return."""
    return build_scenario(sqlite_db)


def build_scenario(db):
    """Positions are noted as the scenario goes; `since` is the position after the fourth document."""
    store = db.store()
    seed_text = ("Bei den Gefechten wurden seit Sonntag fast 200 Menschen getötet. "
                 "Armenien sei am Freitag bereit zu Gesprächen. Am Tag zuvor hatte Armenien Vermittlung abgelehnt.")
    seed = [
        S.casualties(200, "PRESS", "fast 200 Menschen getötet", qualifier="nearly"),
        S.stance("ARM", "ready_to_negotiate", "ARM", "Armenien sei am Freitag bereit zu Gesprächen.",
                 phrase="am Freitag", relation=FRIDAY, order=0),
        S.stance("ARM", "rejects", "ARM", "Am Tag zuvor hatte Armenien Vermittlung abgelehnt.",
                 phrase="Am Tag zuvor", relation={"days_before_ref": 1, "ref": FRIDAY}, order=-1),
    ]
    p = {}
    p["seed"] = _append(store, S.document("seed", seed_text, seed, published="2025-07"))
    p["ru"] = _append(store, S.document("ru", "Baku said 150 people were killed.",
                                        [S.casualties(150, "AZE", "Baku said 150 people were killed.")],
                                        published="2025-07-03"))
    p["en1"] = _append(store, S.document("en", "Moscow counts 200 killed.",
                                         [S.casualties(200, "RUS", "Moscow counts 200 killed.")],
                                         published="2025-07-04"))
    # Recorded after the others, reported before two of them: it lands in the middle.
    p["late"] = _append(store, S.document("late", "Yerevan said 180 were killed.",
                                          [S.casualties(180, "ARM", "Yerevan said 180 were killed.")],
                                          published="2025-07-02"))
    since = store.head().position
    p["en2"] = _append(store, S.document("en", "Moscow now counts 210 killed.",
                                         [S.casualties(210, "RUS", "Moscow now counts 210 killed.")],
                                         published="2025-07-04", revision=2))
    # Reported on the 6th about the 1st: the latest report, but the earliest valid date.
    p["late2"] = _append(store, S.document("late2", "On 1 July, Yerevan said, 170 had died.",
                                           [S.casualties(170, "ARM", "On 1 July, Yerevan said, 170 had died.",
                                                         valid="2025-07-01")],
                                           published="2025-07-06"))
    p["retract"] = _append(store, S.retraction(KEY, p["ru"][1], "Baku's figure was about one town"))
    p["correct"] = _append(store, S.correction(KEY, {"count": 200, "qualifier": "exact", "wording": "200"},
                                                "the agency later confirmed exactly 200", claimed_by="PRESS"))
    queries = Queries(db.engine, store)
    queries.catch_up()
    return db, store, queries, p, since


def test_history_orders_reports_and_says_what_each_changed(scenario):
    _, _, queries, p, _ = scenario
    history = queries.history(KEY)
    assert [(e["position"], e["claimed_by"], e["change"]) for e in history] == [
        (p["seed"][1], "PRESS", "new"),
        (p["correct"][0], "PRESS", "corrected"),  # right after the report it corrects
        (p["late"][1], "ARM", "disputed"),  # 180 against PRESS's 200
        (p["ru"][1], "AZE", "disputed"),
        (p["retract"][0], "AZE", "retracted"),
        (p["en1"][1], "RUS", "corroborated"),  # 200, as PRESS (corrected) says
        (p["en2"][1], "RUS", "revised"),  # the same document updated in place
        (p["late2"][1], "ARM", "revised"),  # the same claimant with a new figure
    ]
    ru = next(e for e in history if e["position"] == p["ru"][1])
    assert ru["retracted"]["reason"] == "Baku's figure was about one town"
    assert [e["disputed"] for e in history] == [False, False, True, True, True, True, True, True]
    first = history[0]
    assert first["url"] == "https://example.org/seed/1" and first["quote"] == "fast 200 Menschen getötet"
    assert first["reported"]["value"] == "2025-07" and first["document_id"] == "seed"
    assert history[1]["by"] == "analyst" and history[1]["value"]["count"] == 200


def test_current_state_takes_each_claimants_latest_report(scenario):
    _, _, queries, p, _ = scenario
    [record] = queries.claims(kind="casualties")
    values = {v["claimed_by"]: v for v in record["values"]}
    assert sorted(values) == ["ARM", "PRESS", "RUS"]  # AZE's only report was retracted
    assert values["ARM"]["value"]["count"] == 170 and values["ARM"]["position"] == p["late2"][1]
    assert values["RUS"]["value"]["count"] == 210
    assert values["PRESS"]["value"]["count"] == 200
    assert values["PRESS"]["corrected"]["original_value"]["qualifier"] == "nearly"
    assert record["disputed"] is True
    # The seed's own statements are ordered by the days the text gives: Friday after Thursday.
    [stance] = queries.claims(kind="ceasefire_position", actor="ARM")
    assert stance["values"][0]["value"]["stance"] == "ready_to_negotiate"
    assert [r["stance"] for r in queries.positions("ARM")] == ["rejects", "ready_to_negotiate"]
    assert queries.claims(actor="TUR") == []


def test_at_a_valid_date_picks_what_was_claimed_to_hold_then(scenario):
    _, _, queries, p, _ = scenario
    [record] = queries.claims(kind="casualties", at="2025-07-02")
    values = {v["claimed_by"]: v["value"]["count"] for v in record["values"]}
    # ARM on the 2nd: 180 (valid the 2nd) beats 170 (valid the 1st, though reported later).
    assert values == {"PRESS": 200, "ARM": 180}
    [record] = queries.claims(kind="casualties", at="2025-07-01")
    assert {v["claimed_by"]: v["value"]["count"] for v in record["values"]} == {"PRESS": 200, "ARM": 170}
    assert queries.claims(kind="casualties", at="2025-06") == []
    with pytest.raises(ValueError, match="--at"):
        queries.claims(at="July")


def test_as_of_a_position_shows_what_was_known_then(scenario):
    _, _, queries, p, since = scenario
    [record] = queries.claims(kind="casualties", as_of=since)
    values = {v["claimed_by"]: v for v in record["values"]}
    assert {c: v["value"]["count"] for c, v in values.items()} == {"PRESS": 200, "AZE": 150, "RUS": 200, "ARM": 180}
    assert values["PRESS"]["corrected"] is None and values["PRESS"]["value"]["qualifier"] == "nearly"
    history = queries.history(KEY, as_of=since)
    assert [e["change"] for e in history] == ["new", "disputed", "disputed", "corroborated"]
    assert all(e["retracted"] is None for e in history)


def test_changes_since_a_position(scenario):
    _, _, queries, p, since = scenario
    changes = queries.changes(since)
    assert [(c["claim_key"], c["claimed_by"], c["change"]) for c in changes] == [
        (KEY, "ARM", "revised"),
        (KEY, "AZE", "retracted"),
        (KEY, "PRESS", "corrected"),
        (KEY, "RUS", "revised"),
    ]
    arm = changes[0]
    assert (arm["before"]["value"]["count"], arm["after"]["value"]["count"]) == (180, 170)
    assert arm["disputed_before"] and arm["disputed_after"]
    assert queries.changes(queries.store.head().position) == []
    # Since the start, every claim is new (for each claimant), and the dispute shows in its flag.
    everything = queries.changes(0)
    assert {c["change"] for c in everything} == {"new"}
    assert {c["claimed_by"] for c in everything if c["claim_key"] == KEY and c["disputed_after"]} == {"ARM", "PRESS", "RUS"}


def test_a_corrected_document_date_re_resolves_and_keeps_the_earlier_dates(scenario):
    db, store, queries, p, _ = scenario
    reports = [ClaimReport.model_validate(e.data["report"]) for e in list(store.read_stream("document-seed"))[1:]]
    [position] = _append(store, S.date_correction("seed", "2020-10-02", reports, "Çavuşoğlu left office in 2023"))
    queries.catch_up()
    stances = queries.history("ceasefire_position/ARM")
    assert [(e["value"]["stance"], e["valid"]["date"]) for e in stances] == [
        ("rejects", "2020-10-01"),  # the day before Friday 2 October 2020
        ("ready_to_negotiate", "2020-10-02"),
    ]
    assert stances[1]["reported"]["value"] == "2020-10-02"
    assert stances[1]["amendments"][0]["previous"]["valid"]["date"] == "2025-07"
    before = queries.history("ceasefire_position/ARM", as_of=position - 1)
    assert [e["valid"]["date"] for e in before] == ["2025-07", "2025-07"]
    # The casualty report of the seed is now reported in 2020: the oldest in its history.
    assert queries.history(KEY)[0]["reported"]["value"] == "2020-10-02"
    audit = queries.audit("ceasefire_position/ARM")
    assert audit[0]["published_corrected"]["value"] == "2020-10-02" and all(a["ok"] for a in audit)


def test_audit_checks_every_quote_against_the_logged_text(scenario):
    db, store, queries, p, _ = scenario
    audit = queries.audit(KEY)
    assert len(audit) == 6 and all(a["ok"] and a["quote_matches"] for a in audit)
    seed = next(a for a in audit if a["document_id"] == "seed")
    assert seed["span"] == [38, 63] and seed["extractor_version"] == S.EXTRACTOR
    assert seed["document_position"] == p["seed"][0] and seed["url"] == "https://example.org/seed/1"
    assert next(a for a in audit if a["document_id"] == "ru")["retracted_at"] == p["retract"][0]


# ---------------------------------------------------------------- the CLI


class Ran:
    """The outcome of one command, run in this process (the subprocess runs
    cost a second of interpreter start-up each; a few tests keep them)."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys):
    def run(*args, db_url):
        capsys.readouterr()
        code = main(["--db", db_url, *args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


def _json(result):
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)


def test_cli_claims_history_and_errors(sqlite_scenario, cli):
    db, store, queries, p, since = sqlite_scenario
    assert _json(run_cli("claims", "--format", "json", db_url=db.url)) == queries.claims()
    assert _json(cli("history", "casualties/killed/t", "--format", "json", db_url=db.url)) == queries.history(KEY)
    csv = cli("claims", "--format", "csv", db_url=db.url)
    assert csv.stdout.splitlines()[0].startswith("claim_key,kind,disputed,claimed_by,value")

    table = cli("history", "casualties/killed/t", "--format", "table", db_url=db.url)
    assert table.returncode == 0 and all(len(line) <= 80 for line in table.stdout.splitlines())
    assert "counts over time" in table.stdout and "▁" in table.stdout and "disputed" in table.stdout

    table = cli("claims", "--as-of", str(since), "--at", "2025-07-03", "--format", "table", db_url=db.url)
    assert table.returncode == 0 and all(len(line) <= 80 for line in table.stdout.splitlines())
    assert "AZE" in table.stdout and "as of position" in table.stdout

    unknown = cli("history", "nothing/like/this", db_url=db.url)
    assert unknown.returncode == 1 and len(unknown.stderr.strip().splitlines()) == 1
    assert "no claim key starts with 'nothing/like/this'" in unknown.stderr
    many = cli("audit", "claim", "c", db_url=db.url)
    assert many.returncode == 1 and many.stderr == (
        "tracker: error: claim key prefix 'c' is ambiguous: casualties/killed/total, ceasefire_position/ARM\n"
    )


def test_cli_correct_and_retract_record_who_and_why(sqlite_scenario, cli):
    db, store, queries, p, _ = sqlite_scenario
    head = store.head().position
    ambiguous = cli("correct", KEY, "--value", "175", "--reason", "r", db_url=db.url)
    assert ambiguous.returncode == 1 and "ARM, PRESS, RUS: say whose with --claimant" in ambiguous.stderr
    bad = cli("correct", KEY, "--value", "lots", "--claimant", "ARM", "--reason", "r", db_url=db.url)
    assert bad.returncode == 1 and "expected [QUALIFIER] COUNT" in bad.stderr
    done = cli("correct", KEY, "--value", "at_least 175", "--claimant", "arm", "--reason", "typo",
                   "--by", "maria", db_url=db.url)
    assert done.returncode == 0, done.stderr
    assert f"recorded correction at position {head + 1}: {KEY} ARM 170 -> >=175" in done.stdout
    again = cli("correct", KEY, "--value", "at_least 175", "--claimant", "ARM", "--reason", "typo",
                    "--by", "maria", db_url=db.url)
    assert again.returncode == 0 and "already recorded" in again.stdout and store.head().position == head + 1

    wrong = cli("retract", KEY, "--report", str(p["seed"][2]), "--reason", "r", db_url=db.url)
    assert wrong.returncode == 1 and "is about ceasefire_position/ARM" in wrong.stderr
    twice = cli("retract", KEY, "--report", str(p["ru"][1]), "--reason", "r", db_url=db.url)
    assert twice.returncode == 1 and "already retracted" in twice.stderr
    done = cli("retract", KEY, "--report", str(p["en2"][1]), "--reason", "wrong figure", "--by", "maria",
                   db_url=db.url)
    assert done.returncode == 0, done.stderr

    queries.catch_up()
    [record] = queries.claims(kind="casualties")
    values = {v["claimed_by"]: v for v in record["values"]}
    assert values["ARM"]["value"] == {**values["ARM"]["value"], "count": 175, "qualifier": "at_least", "low": 175, "high": None}
    assert values["ARM"]["corrected"]["by"] == "maria"
    assert values["RUS"]["value"]["count"] == 200  # back to its earlier report
    last = queries.history(KEY)[-1]
    assert (last["change"], last["by"], last["reason"]) == ("corrected", "maria", "typo")


def test_cli_audit_claim_fails_on_a_quote_that_does_not_match(sqlite_db):
    db = sqlite_db
    store = db.store()
    stream, events = S.document("bad", "Yerevan said 300 were killed.", [S.casualties(300, "ARM", "300 were killed")])
    report = events[1].data["report"]
    report["span"] = [report["span"][0] + 1, report["span"][1] + 1]  # off by one: the quote is not there
    store.append(stream, events)
    result = run_cli("audit", "claim", KEY, "--format", "json", db_url=db.url)
    assert result.returncode == 1
    [record] = orjson.loads(result.stdout)
    assert record["quote_matches"] is False
    assert result.stderr.strip() == (
        f"tracker: audit claim: 1 of 1 reports of {KEY} fail: positions 2 "
        "(quote differs from the document text at 14..29)"
    )


def test_cli_changes_and_rebuild(scenario, cli):
    db, store, queries, p, since = scenario
    assert _json(cli("changes", "--since", str(since), "--format", "json", db_url=db.url)) == queries.changes(since)
    table = cli("changes", "--since", str(since), "--format", "table", db_url=db.url)
    assert "AZE    retracted" in table.stdout and all(len(line) <= 80 for line in table.stdout.splitlines())
    rebuilt = run_cli("projections", "rebuild", db_url=db.url)
    assert rebuilt.returncode == 0 and f"from {store.head().position} events" in rebuilt.stdout
    status = _json(cli("projections", "status", "--format", "json", db_url=db.url))
    assert status[0]["current"] is True and status[0]["position"] == store.head().position


def test_a_claimant_changing_its_stance_revises_it(db):
    store = db.store()
    store.append(*S.document("a", "Armenia is ready to talk.", [S.stance("ARM", "ready_to_negotiate", "ARM", "Armenia is ready to talk.")],
                             published="2025-07-01"))
    since = store.head().position
    store.append(*S.document("b", "Armenia agreed to a truce.", [S.stance("ARM", "agreed", "ARM", "Armenia agreed to a truce.")],
                             published="2025-07-02"))
    queries = Queries(db.engine, store)
    queries.catch_up()
    assert [e["change"] for e in queries.history("ceasefire_position/ARM")] == ["new", "revised"]
    assert [c["change"] for c in queries.changes(since)] == ["revised"]


def test_the_query_bench_runs_and_measures_what_the_readme_reports(tmp_path):
    from tracker.bench.query_bench import run_query_bench, synthetic_log

    events = list(synthetic_log(50))
    assert [e.type for e in events[:11]] == ["DocumentIngested"] + ["ClaimReported"] * 9 + ["DocumentIngested"]
    measurements = run_query_bench(f"sqlite:///{tmp_path / 'bench.db'}", 3_000)
    names = [m.name for m in measurements]
    assert names[:2] == ["projections catch-up (incremental, from 0)", "projections rebuild"]
    assert measurements[1].count == 3_000 and measurements[1].baseline_per_s > 0
    assert any(n.startswith("history casualties/killed/total") for n in names)
    assert all(m.seconds > 0 for m in measurements)
    assert list(tmp_path.iterdir()) == []  # the scratch database is gone


def test_a_figure_about_a_past_war_never_becomes_the_documents_latest(db, tmp_path):
    # Background paragraphs come last: ordered by position alone, the toll of 1988-1994
    # would be the claimant's current figure. Its year span orders it before the
    # document's own days, so history shows it first and the current state skips it.
    from tracker.ingest.documents import DocumentWriter
    from tracker.ingest.seed import seed_files

    article = tmp_path / "background.txt"
    article.write_text(
        " date 2025-07-11 Bei den Kämpfen um Berg-Karabach wurden seit Sonntag 400 Menschen getötet. "
        "Im Krieg um Berg-Karabach von 1988 bis 1994 waren rund 30.000 Menschen getötet worden. "
        "Im Jahr 2016 starben bei Kämpfen in Berg-Karabach rund 200 Menschen.",
        encoding="utf-8",
    )
    seed_files(DocumentWriter(db.store()), [article])
    queries = Queries(db.engine, db.store())
    queries.catch_up()
    history = queries.history(KEY)
    assert [(e["value"]["count"], e["valid"]["date"]) for e in history] == [
        (30000, "1988/1994"), (200, "2016"), (400, "2025-07-06/2025-07-11")]
    (claim,) = [c for c in queries.claims() if c["claim_key"] == KEY]
    assert [(v["claimed_by"], v["value"]["count"]) for v in claim["values"]] == [("PRESS", 400)]
