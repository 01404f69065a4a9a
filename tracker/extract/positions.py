"""Ceasefire positions: who is ready to negotiate, sets conditions, calls for a ceasefire,
rejects or agreed.

A position needs a stance cue ("bereit", "lehnte ... ab", "called for", "agreed") and a
ceasefire or talks term ("Waffenstillstand", "Vermittlung", "truce", "talks") in the same
or a neighbouring clause. Cues are read in priority order: negated rejection ("schloss ... nicht aus", readiness) >
rejection > agreement > call > readiness > a bare ceasefire term. A rejection, agreement,
readiness or bare term with a condition beside it ("Damit X zustimmen kann, müsse ...",
"will only agree if", "werde die Operation erst beenden, wenn") is conditional. A holder
keeps the first stance found for it in the sentence.

The holder is the subject of the cue's clause (mentions after a preposition are objects:
"an die Konfliktparteien", "mit Aserbaidschan"). For a call, actors after the verb are its
addressees unless nobody stands before it ("Am Donnerstag riefen Russland ... auf").
The claimant is the source the text gives; without one, the holder itself (a position is
its holder's own public act).
"""

from __future__ import annotations

import re

from tracker.domain.actors import AGENT_KINDS, ActorMention

from . import lexicon as lx
from .document import Document, Draft, SentenceInfo

_VENUE_BEFORE = re.compile(
    r"(?:innerhalb|im rahmen|within|in the framework of|under the auspices of|unter (?:der )?(?:leitung|vermittlung|"
    r"schirmherrschaft)|mediated by|vermittelt von|via|uber|"
    r"(?:work|working|cooperate|cooperating|engage|engaging) with)"
    r"\s+(?:der|des|the)?\s*(?:\w+\s+){0,2}$"
)
_WORD = re.compile(r"[\w'-]+")
_ARTICLES = frozenset({"der", "die", "das", "the"})
_CLAUSE_TAIL = re.compile(r"[\s,.;:!?“”„\"]+$")
_PRIORITY = ("negated_reject", "rejects", "agreed", "calls_for_ceasefire", "ready_to_negotiate", "term_conditional")


def find_positions(doc: Document, info: SentenceInfo) -> list[Draft]:
    s0, s1 = info.start, info.end
    if not doc.triggered("position", s0, s1):
        return []
    if not doc.triggered("stance", s0, s1) and not doc.triggered("condition", s0, s1):
        return []
    cues = _cues(doc, s0, s1)
    if not cues:
        return []
    terms = doc.all(lx.CEASEFIRE, s0, s1) + doc.all(lx.TALKS, s0, s1)
    term_clauses = [(doc.clause_index(info, t[0]), t) for t in terms]
    drafts: list[Draft] = []
    seen: set[str] = set()
    for cue_type, cue in sorted(cues, key=lambda c: (_PRIORITY.index(c[0]), c[1][0])):
        clause_index = doc.clause_index(info, cue[0])
        near = [t for ci, t in term_clauses if abs(ci - clause_index) <= 1]
        if not near or not any(_same_source(doc, info, t[0], cue[0]) for t in near):
            continue
        stance, condition = _stance(doc, info, cue_type, cue, clause_index)
        if stance is None:
            continue
        holders = _holders(doc, info, cue_type, cue, condition)
        attribution = doc.attribution_at(info, cue[0])
        for holder in holders:
            if holder.actor_id in seen:
                continue
            seen.add(holder.actor_id)
            if attribution is not None and holder not in attribution.agents:
                claimed_by, speaker, person = attribution.agent.actor_id, attribution.agent.surface, attribution.agent.person
            else:  # its own position, narrated or stated by itself
                claimed_by = holder.actor_id
                speaker = holder.surface if holder.kind in ("person", "role", "role_phrase") else None
                person = holder.person
            drafts.append(
                Draft(
                    kind="ceasefire_position",
                    subject={"actor": holder.actor_id},
                    value={
                        "stance": stance,
                        "condition": condition[2] if condition else None,
                        "venue": _venue(doc, info, clause_index),
                    },
                    claimed_by=claimed_by,
                    speaker=speaker,
                    speaker_person=person,
                    valid=doc.valid_for(info, cue[0], attribution),
                    sentence=info,
                    pos=max(cue[0], holder.start) if cue_type == "calls_for_ceasefire" else cue[0],
                )
            )
    return drafts


def _cues(doc: Document, s0: int, s1: int) -> list[tuple[str, tuple[int, int]]]:
    found = [
        (m.lastgroup, m.span())
        for m in lx.STANCE.finditer(doc.folded, s0, s1)
        if not (m.lastgroup == "agreed" and _attributive(doc, *m.span()))
    ]
    # "agreed (in a phone call) to push for a ceasefire": an agreement to call for one
    calls = [span[0] for kind, span in found if kind == "calls_for_ceasefire"]
    found = [
        (kind, span) for kind, span in found
        if kind != "agreed" or not any(span[1] <= c <= span[1] + 60 for c in calls)
    ]
    if doc.has(lx.CONDITION, s0, s1):
        # "Aserbaidschan werde die Militäroperation erst beenden, wenn ...": stopping the
        # fighting under a condition is a conditional position without a stance verb
        found += [("term_conditional", span) for span in doc.all(lx.CEASEFIRE, s0, s1)]
    return found


# "die in Moskau vereinbarte Waffenruhe ... gebrochen", "the agreed truce collapsed": an
# agreement named, not one being made. German: an inflected participle right before a
# ceasefire noun ("Am Samstag vereinbarten Armenien und ..." stays a verb); English: a
# participle right after an article.
_PARTICIPLES = ("vereinbart", "akzeptiert", "unterzeichnet")
_ARTICLE_BEFORE = re.compile(r"\b(?:the|an?)\s+$")
_SPACE = re.compile(r"\s+")
# The article may stand before a short phrase that qualifies the participle: "die [in
# Moskau] vereinbarten Waffenruhen", "der [am Samstag] vereinbarten Feuerpause".
_GERMAN_ARTICLE_BEFORE = re.compile(
    r"\b(?:der|die|den|dem|des|einer|eine|einen|einem|zur|zum|beim)\s+"
    r"(?:(?:in|im|am|von|vom|zwischen|unter|bei|mit|seit|erst|zuvor|bereits|kurz)\s+(?:[\w-]+\s+){1,2})?$"
)


def _attributive(doc: Document, start: int, end: int) -> bool:
    word = doc.folded[start:end]
    if word.startswith(_PARTICIPLES) and word[-1:] in ("e", "n", "r", "s"):
        space = _SPACE.match(doc.folded, end)
        if space is None or lx.CEASEFIRE.match(doc.folded, space.end()) is None:
            return False
        # "-ten" is also the past tense ("Beide Seiten vereinbarten Waffenruhe"): attributive
        # only after an article ("der vereinbarten Waffenruhe").
        after_article = _GERMAN_ARTICLE_BEFORE.search(doc.folded, max(0, start - 40), start) is not None
        return not word.endswith("ten") or after_article
    return bool(_ARTICLE_BEFORE.search(doc.folded, max(0, start - 5), start))


def _same_source(doc: Document, info: SentenceInfo, a: int, b: int) -> bool:
    """Term and cue under the same attribution (not one in the quote, one in the frame)."""
    return doc.attribution_at(info, a) is doc.attribution_at(info, b)


def _stance(doc: Document, info: SentenceInfo, cue_type: str, cue, clause_index: int):
    """The stance for a cue, and the condition (start, end, text) when it is conditional."""
    if cue_type == "negated_reject":
        return "ready_to_negotiate", None
    if cue_type in ("rejects", "agreed", "ready_to_negotiate", "term_conditional"):
        condition = _condition(doc, info, cue, clause_index)
        if condition is not None:
            return "conditional", condition
    if cue_type == "term_conditional":
        return None, None
    return cue_type, None


def _condition(doc: Document, info: SentenceInfo, cue, clause_index: int):
    """"wenn Armenien ... vorlege", "if Armenian forces withdraw", or for "Damit X ...
    zustimmen kann, müsse Y ..." the clause after the one with "damit"."""
    lo = info.clauses[max(0, clause_index - 1)][0]
    hi = info.clauses[min(len(info.clauses) - 1, clause_index + 1)][1]
    for m0, m1 in doc.all(lx.CONDITION, lo, hi):
        if doc.attribution_at(info, m0) is not doc.attribution_at(info, cue[0]):
            continue
        ci = doc.clause_index(info, m0)
        if doc.folded[m0:m1] == "damit":
            if ci + 1 >= len(info.clauses) or ci != clause_index:
                continue
            start, end = info.clauses[ci + 1]
        else:
            start, end = m0, info.clauses[ci][1]
        end = start + len(_CLAUSE_TAIL.sub("", doc.text[start:end]))
        return start, end, doc.text[start:end]
    return None


def _eligible(doc: Document, m: ActorMention) -> bool:
    return (
        m.actor_id is not None
        and m.actor_id != "PRESS"
        and m.kind in AGENT_KINDS
        and doc.governing_preposition(m.start) is None
        and not doc.is_genitive_attribute(m)
        and not doc.folded[max(0, m.start - 2) : m.start].strip().endswith("(")  # "(OSZE)": an apposition
    )


def _subjects(doc: Document, start: int, end: int) -> list[ActorMention]:
    """Actors that can be the subject in start..end, with "beide Konfliktparteien" expanded."""
    out = [m for m in doc.mentions_in(start, end) if _eligible(doc, m)]
    if doc.conflict is not None:
        for g0, g1 in doc.all(lx.PARTY_GROUP, start, end):
            if doc.governing_preposition(g0) is None:
                for actor in doc.conflict.principal_parties:
                    out.append(ActorMention(actor, g0, g1, doc.text[g0:g1], kind="group"))
    return sorted(out, key=lambda m: m.start)


def _holders(doc: Document, info: SentenceInfo, cue_type: str, cue, condition) -> list[ActorMention]:
    ci = doc.clause_index(info, cue[0])
    c0, c1 = info.clauses[ci]
    attribution = doc.attribution_at(info, cue[0])
    agent = attribution.agent.mention if attribution is not None else None
    if attribution is not None and attribution.kind == "inline":
        c0 = max(c0, attribution.cover[0])  # "Iran's FM said Azerbaijan agreed": after the verb
    # The forum of the talks ("im Rahmen der Minsk-Gruppe") is where, not who.
    candidates = [m for m in _subjects(doc, c0, c1) if m is not agent and not _is_venue(doc, m, c0)]
    if condition is not None:
        candidates = [m for m in candidates if not condition[0] <= m.start < condition[1]]
    if cue_type == "calls_for_ceasefire":
        before = [m for m in candidates if m.end <= cue[0]]
        if before:
            candidates = before
        else:
            # inverted subject right after the verb: "riefen Russland, Frankreich und die USA ... auf"
            candidates = _leading_list(doc, [m for m in candidates if m.start >= cue[0]], cue[0])
    if not candidates and ci > 0 and doc.folded.startswith("zu ", cue[0]):
        # an infinitive clause takes the subject of the clause before: "Macron und Putin
        # vereinbarten, gemeinsam auf eine Waffenruhe zu drängen"
        p0, p1 = info.clauses[ci - 1]
        candidates = [m for m in _subjects(doc, p0, p1) if m is not agent]
    if not candidates and ci > 0 and (attribution is None or attribution.kind == "source"):
        candidates = _apposed_subject(doc, info, ci)
    if candidates:
        # the subject is the first run of actors; later ones are objects
        # ("Russland, Frankreich und die USA haben die Konfliktparteien ... aufgerufen")
        return _leading_list(doc, candidates, candidates[0].start)
    parties = doc.conflict.parties if doc.conflict is not None else ()
    if attribution is not None and (cue_type != "term_conditional" or attribution.agent.actor_id in parties):
        return attribution.agents  # "Azerbaijan said it had rejected ...", "Both X and Y said they ..."
    antecedent = doc.subject_pronoun(c0, cue[0])
    return [antecedent] if antecedent is not None else []  # "He ruled out any ceasefire ..."


def _apposed_subject(doc: Document, info: SentenceInfo, ci: int) -> list[ActorMention]:
    """A subject with an apposition, in the clauses before the verb's: "Der Präsident
    Aserbaidschans, Ilham Alijew, lehnte ... ab", "Aliyev, Azerbaijan's president, rejected"."""
    before = info.clauses[:ci]
    mentions = [m for m in doc.mentions_in(before[0][0], before[-1][1]) if _eligible(doc, m)]
    if not mentions or len({m.actor_id for m in mentions}) > 1:
        return []
    named = [(m.start, m.end) for m in mentions]
    for c0, c1 in before:  # nothing but the names (and articles) in those clauses
        rest = [w for w in _WORD.finditer(doc.folded, c0, c1) if not any(a <= w.start() < b for a, b in named)]
        if any(w.group() not in _ARTICLES for w in rest):
            return []
    return mentions[:1]


def _leading_list(doc: Document, mentions: list[ActorMention], pos: int) -> list[ActorMention]:
    """The first run of mentions joined by commas or "und"/"and" after pos."""
    out: list[ActorMention] = []
    cursor = pos
    for m in mentions:
        gap = doc.folded[cursor : m.start]
        if out and not lx.LIST_LINK.match(gap):
            break
        if not out and len(doc.words_between(cursor, m.start)) > 3:
            break
        out.append(m)
        cursor = m.end
    return out


def _venue(doc: Document, info: SentenceInfo, clause_index: int) -> str | None:
    """An organisation framing the talks: "innerhalb der Minsk-Gruppe", "within the OSCE Minsk Group"."""
    lo = info.clauses[max(0, clause_index - 1)][0]
    hi = info.clauses[min(len(info.clauses) - 1, clause_index + 1)][1]
    for m in doc.mentions_in(lo, hi):
        if _is_venue(doc, m, lo):
            return m.actor_id
    return None


def _is_venue(doc: Document, m: ActorMention, lo: int) -> bool:
    """An organisation after "innerhalb", "im Rahmen", "within", "under the auspices of" ..."""
    actor = doc.actors.actors.get(m.actor_id or "")
    if actor is None or actor.type != "org":
        return False
    return _VENUE_BEFORE.search(doc.folded, max(lo, m.start - 60), m.start) is not None
