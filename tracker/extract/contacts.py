"""Diplomatic contacts: phone calls, meetings, joint statements, press conferences.

A contact needs a trigger ("telefonierte", "Telefonat", "met", "gemeinsame Erklärung",
"Pressekonferenz") and at least two distinct participants in the trigger's clause.
Participants are actors not governed by a topic or place preposition ("über die Lage in
Berg-Karabach", "in Moskau" are not participants; "mit seinem Amtskollegen" is). A contact
that did not happen (negated, planned, cancelled) is not reported. The claimant is the
source covering the trigger ("teilte der Kreml mit"), else the article (PRESS).
"""

from __future__ import annotations

import re

from tracker.domain.actors import AGENT_KINDS, ActorMention

from . import lexicon as lx
from .document import Document, Draft, SentenceInfo, claimant

_NEEDS_OBJECT = ("called", "calls", "spoke", "speaks")  # a contact only with an actor as object
_TRIM = re.compile(r"^[\s,;:–-]+|[\s,.;:!?–-]+$")
# A mediator or host named after the contact's own clause took part too: "..., mediated by
# Sergei Lavrov", "..., unter Vermittlung des russischen Außenministers".
_MEDIATOR = re.compile(
    r"\b(?:(?:mediated|hosted|brokered|chaired) by|at the invitation of|"
    r"unter (?:der )?(?:vermittlung|leitung|schirmherrschaft)|vermittelt (?:von|durch)|auf einladung)\s+"
)
_SEPARATELY = re.compile(r"\b(?:separately|individually|getrennt|einzeln|nacheinander|one after the other)\b")
_ARTICLE_GAP = re.compile(r"(?:(?:von|des|der|dem|the)\s+)?")  # before the mediator, unless its mention has it


def find_contacts(doc: Document, info: SentenceInfo) -> list[Draft]:
    if not doc.triggered("contact", info.start, info.end):
        return []
    drafts: list[Draft] = []
    seen: set[tuple] = set()
    for trigger in lx.CONTACT_ANY.finditer(doc.folded, info.start, info.end):
        medium, (t0, t1) = trigger.lastgroup, trigger.span()
        if trigger.group().startswith(_NEEDS_OBJECT) and not _actor_object(doc, t1):
            continue  # "called for a ceasefire", "called on both sides", "spoke to reporters"
        clause = doc.clause_of(info, t0)
        # negation or plans in the clause, but not in what someone says after a speech verb
        speech = doc.first(lx.SPEECH_VERB, t1, clause[1])
        if doc.has(lx.NOT_HAPPENED, clause[0], speech[0] if speech else clause[1]):
            continue
        participants = _participants(doc, info, clause, t0)
        contacts = [
            actors for actors in _contacts_of(doc, clause, t0, participants)
            if len(actors) >= 2 and (medium, tuple(actors)) not in seen
        ]
        if not contacts:
            continue
        # Claimant, topic, outcome and date are the trigger's: the same for each contact.
        attribution = doc.attribution_at(info, t0)
        claimed_by, speaker, person = claimant(attribution)
        end_of_parties = max([t1] + [m.end for m in participants])
        value = {"topic": _topic(doc, info, t1), "outcome": _outcome(doc, info, end_of_parties)}
        valid = doc.valid_for(info, t0, attribution)
        for actors in contacts:
            seen.add((medium, tuple(actors)))
            drafts.append(
                Draft(
                    kind="diplomatic_contact",
                    subject={"participants": actors, "medium": medium},
                    value=dict(value),
                    claimed_by=claimed_by,
                    speaker=speaker,
                    speaker_person=person,
                    valid=valid,
                    sentence=info,
                    pos=t0,
                )
            )
    return drafts


def _contacts_of(doc: Document, clause, trigger: int, participants: list[ActorMention]) -> list[list[str]]:
    """The participants of each contact: one contact, or, where one side met several others
    "separately"/"getrennt", one contact of that side with each of them ("X met separately
    with A and B", "A and B met separately with X")."""
    actors = sorted({m.actor_id for m in participants})
    if len(actors) > 2 and doc.has(_SEPARATELY, *clause):
        before = sorted({m.actor_id for m in participants if m.start < trigger})
        after = sorted({m.actor_id for m in participants if m.start > trigger} - set(before))
        if len(before) == 1 and len(after) > 1:
            return [sorted({before[0], other}) for other in after]
        if len(after) == 1 and len(before) > 1:
            return [sorted({one, after[0]}) for one in before]
    return [actors]


def _actor_object(doc: Document, pos: int) -> bool:
    """Is the word after `pos` the start of an actor ("called [Armenian Prime Minister ...]")?"""
    following = doc.mentions_in(pos, pos + 80)
    return bool(following) and following[0].actor_id is not None and not doc.folded[pos : following[0].start].strip()


def _agent(m: ActorMention) -> bool:
    """An actor who can take part in a contact (not the press, a place or a topic word)."""
    return m.actor_id is not None and m.actor_id != "PRESS" and m.kind in AGENT_KINDS


def _participant(doc: Document, m: ActorMention) -> bool:
    if not _agent(m):
        return False
    prep = doc.governing_preposition(m.start)
    return (prep is None or not lx.CONTACT_EXCLUDED_PREPOSITION.fullmatch(prep)) and not doc.is_genitive_attribute(m)


def _participants(doc: Document, info: SentenceInfo, clause, trigger: int) -> list[ActorMention]:
    found = [m for m in doc.mentions_in(*clause) if _participant(doc, m)]
    if len({m.actor_id for m in found}) < 2 and not doc.has(lx.SPEECH_VERB, *clause):
        # The trigger in a framing phrase: "At a joint press conference with X, Y said ...",
        # "In a phone call on Wednesday, Macron and Putin discussed ...". The next clause
        # joins up to its speech verb (what follows is what was said, not who took part).
        later = [c for c in info.clauses if c[0] >= clause[1]]
        if later:
            verb = doc.first(lx.SPEECH_VERB, *later[0])
            found += [m for m in doc.mentions_in(later[0][0], verb[0] if verb else later[0][1]) if _participant(doc, m)]
    for mediator in _MEDIATOR.finditer(doc.folded, clause[1], info.end):
        following = doc.mentions_in(mediator.end(), min(info.end, mediator.end() + 80))
        if not following or not _ARTICLE_GAP.fullmatch(doc.folded, mediator.end(), following[0].start):
            continue
        # (a genitive here is the mediator itself: "unter Vermittlung des Außenministers")
        if _agent(following[0]):
            found.append(following[0])
    return found


def _topic(doc: Document, info: SentenceInfo, after: int) -> str | None:
    """"über die Lage in Berg-Karabach", "to discuss the fighting in ..."."""
    dates = doc.dates_in(info.start, info.end)
    matches = list(lx.TOPIC.finditer(doc.folded, after, info.end))
    near = lx.TOPIC_NEAR.match(doc.folded, after, info.end)
    for m in ([near] if near else []) + matches:
        if any(d.start <= m.end() < d.end for d in dates):
            continue  # "on Saturday" is a date, not a topic
        clause = doc.clause_of(info, m.end())
        # up to the clause's end or a date after the topic ("on Nagorno-Karabakh on Tuesday")
        stop = min([d.start for d in dates if m.end() < d.start < clause[1]] + [clause[1]])
        text = _TRIM.sub("", doc.text[m.end() : stop])
        text = text[: len(text) - len(m2.group())] if (m2 := lx.TOPIC_TAIL.search(text)) else text
        if text:
            return text[:160]
    return None


def _outcome(doc: Document, info: SentenceInfo, after: int) -> str | None:
    """What the contact produced, where the sentence says so ("bekräftigten ... die Bereitschaft ...")."""
    verb = doc.first(lx.OUTCOME, info.start, info.end)
    if verb is None:
        return None
    start = max(after, verb[1])
    text = _TRIM.sub("", doc.text[start : info.end])
    return text[:240] or None
