"""Casualty figures: "fast 200 Menschen getötet, darunter 30 Zivilisten".

For every number in a sentence that belongs to the conflict:
1. reject numbers that are not people harmed: years, ages, money, units, identifiers,
   numbers inside a date phrase, numbers followed by another noun ("350 Aussteller");
2. read the head after the number: a group noun ("Zivilisten", "soldiers"), a casualty
   noun ("Tote", "Verletzte"), side adjectives ("armenische"), "of its";
3. find the measure (killed / wounded / missing) in the head, in an active verb right
   before it ("killing three civilians", "töteten dabei drei Zivilisten"), after the
   number in its clause ("wurden ... getötet"), or before it when the number is the value
   of a toll ("Zahl der Toten stieg auf 120", "death toll rose to 481", "den Tod von zwei
   Soldaten");
4. decide the side (named > "both sides" > enemy > own > the claimant's own, if a party),
   whether the figure is cumulative, and whether it is part of an earlier figure.
Figures inside a denial ("wies Berichte über 200 Tote zurück") are nobody's claim.
"""

from __future__ import annotations

import dataclasses
import re

from tracker.domain.actors import AGENT_KINDS
from tracker.domain.conflict import OTHER_INCIDENT

from . import lexicon as lx
from .document import Document, Draft, SentenceInfo, claimant
from .numbers import NumberMention, find_numbers

_WORD = re.compile(r"[\w'-]+|[,.;:!?()\"“”„]")
_AUX = re.compile(
    r"(?:wurden|wurde|worden|sind|seien|waren|ist|sei|haben|hatten|habe|kamen|kam|gelten|galten|were|was|"
    r"have|has|had|are|is|been|be|may|might|could|would|will|als|as)$"
)
_STOP = re.compile(
    r"(?:in|im|bei|beim|an|am|auf|nach|seit|durch|wahrend|aus|von|vom|zu|zur|zum|mit|um|uber|und|oder|"
    r"on|at|after|since|during|from|to|with|and|or|when|while|in|near|nahe|by|for|but|aber|allein|alone)$"
)
_SKIP = re.compile(r"(?:of|der|die|den|dem|des|the|weitere\w*|other|more|additional|further)$")
_LIST_WORDS = frozenset({"und", "and", "sowie", "auch", "also"})
_AND_BEFORE = re.compile(r"\b(?:und|and|sowie)\s*$")
# "61 civilians killed and [291] injured", "43 civilians killed, with [206] injured"
_COORDINATED = re.compile(r"(?:und|and|,|with)\s*$")
_OTHERS = re.compile(r"(?:others|andere\w*|weitere)$")
_EACH = re.compile(r"\b(?:jeweils|je|each|apiece)\b")
_EACH_SIDE = re.compile(r"\b(?:on each side|auf jeder seite|je seite|pro seite)\b")
_LOST = re.compile(r"\b(?:lost|verlor\w*)\b")
_OWNER_LINK = re.compile(r"\s+((?:der|des|of the|of)\s+)?")  # before the owner of a group
_VALUE_BEFORE = re.compile(
    r"(?:\b(?:auf|mit|to|at|of|von|reached|erreichte|betragt|liegt bei|stands at|stood at)|[:=])\s*$"
)
# An active verb right before the figure: "shelled Stepanakert, killing three civilians and
# wounding 12", "töteten dabei drei Zivilisten" (German verbs are lower case, nouns not).
_ACTIVE_BEFORE = re.compile(
    r"\b(?:(?P<killed>killing|totete\w*)|(?P<wounded>wounding|injuring|verletzte\w*|verwundete\w*))"
    r"\s+(?:(?:dabei|insgesamt|mindestens)\s+)?$"
)
_NAME_DASH = re.compile(r"[a-z]-$")
# A bare figure that totals the one before: "weitere 40 Soldaten getötet; insgesamt seien es
# damit 350", "damit sind es nun insgesamt 350", "es waren bislang 350".
_TOTAL_OF_PREVIOUS = re.compile(
    r"(?:\b(?:sind|seien|waren|sei|ist) es|\bes (?:sind|seien|waren|sei|ist))"
    r"(?:\s+(?:damit|nun|jetzt|inzwischen|mittlerweile|insgesamt|bislang|bisher|schon|bereits))*\s*$"
)
# A figure given only as the one it replaces is no claim of now: "revising an earlier figure
# of 1,177", "up from 1,177", "nach zuvor 1.177", "higher than the 1,339 previously announced".
_SUPERSEDED_BEFORE = re.compile(
    r"\b(?:(?:earlier|previous|prior|old) (?:figure|toll|count|tally|number|estimate)s? (?:of|was)|up from|down from|"
    r"revised from|(?:nach|von|statt) (?:zuvor|bisher|vorher)|(?:zuvor|bisher|vorher) (?:genannt|gemeldet|angegeben)"
    r"\w* (?:zahl\w* )?(?:von )?)\s*$"
)
_SUPERSEDED_AFTER = re.compile(
    r"\s+(?:\w+\s+)?(?:previously|earlier|zuvor|vorher) (?:announced|reported|given|stated|genannt\w*|gemeldet\w*|angegeben\w*)\b"
)
# German puts a phrase inside the attribute: "40 weitere [in Berg-Karabach] getötete Soldaten",
# "1.339 [seit Sonntag] gefallene Soldaten": the head reading skips it.
_EXTENDED_ATTRIBUTE = re.compile(
    r"(?:in|im|bei|beim|an|am|auf|nach|seit|wahrend|aus|nahe|um)\s+(?:[\w-]+\s+){1,4}?"
    r"(?=(?:getotete|gefallene|verletzte|verwundete|vermisste|umgekommene|ermordete)\w*\s)"
)
_TOTAL_WORD = re.compile(r"\b(?:insgesamt|damit|bislang|bisher|inzwischen|mittlerweile)\b")
_TIME_OR_DATE = re.compile(r"\s*[:.]\d")
_CASUALTY_NOUN = re.compile(
    r"(?:tote[nrs]?|todesopfer\w*|getotete\w*|gefallene\w*|verletzte\w*|verwundete\w*|schwerverletzte\w*|"
    r"vermisste\w*|dead|deaths?|fatalities|wounded|injured|casualties|killed)$"
)


def _measure_of(word_or_text: str) -> str | None:
    if lx.KILLED.search(word_or_text):
        return "killed"
    if lx.WOUNDED.search(word_or_text):
        return "wounded"
    if lx.MISSING.search(word_or_text):
        return "missing"
    return None


def _group_of(word: str) -> str | None:
    if lx.CIVILIANS.fullmatch(word):
        return "civilians"
    if lx.MILITARY.fullmatch(word):
        return "military"
    if lx.PEOPLE.fullmatch(word):
        return "total"
    return None


class _Head:
    __slots__ = ("measure", "group", "side", "end", "kind", "others", "named_group")

    def __init__(self):
        self.measure = self.group = self.side = None
        self.end = 0
        self.kind = "none"  # none | people | other
        self.others = False
        self.named_group = False  # a group noun was read ("Zivilisten"), not just "Tote"


def _read_head(doc: Document, n: NumberMention, clause_end: int, german: bool) -> _Head:
    """What the number counts, from the words right after it."""
    head = _Head()
    head.end = n.end
    unknown = 0
    skip_to = 0
    for w in _WORD.finditer(doc.folded, n.end, clause_end):
        if w.start() < skip_to:
            continue
        word = w.group()
        if german and (attribute := _EXTENDED_ATTRIBUTE.match(doc.folded, w.start(), clause_end)):
            skip_to = attribute.end()  # "1.339 [in Berg-Karabach] getötete Soldaten"
            continue
        if not word[0].isalnum():
            break
        mention = next((m for m in doc.mentions_in(w.start(), w.end() + 40) if m.start == w.start()), None)
        if mention is not None and mention.actor_id and mention.kind in ("adjective", "demonym", "role"):
            if mention.kind == "role" and mention.role != "military":
                head.kind = "other"  # "12 armenische Diplomaten"-like: not casualties
                break
            head.side, head.end = mention.actor_id, mention.end
            if mention.kind == "demonym":
                head.kind, head.group = "people", head.group or "total"
                break
            if mention.kind == "role":  # "Azerbaijani troops", "armenische Truppen"
                head.kind, head.group = "people", "military"
                break
            continue
        if _CASUALTY_NOUN.fullmatch(word):
            head.measure, head.kind, head.end = _measure_of(word), "people", w.end()
            head.group = head.group or "total"
            continue  # "tote Zivilisten", "getötete Soldaten": a group may follow
        group = _group_of(word)
        if group is not None:
            head.group, head.kind, head.end, head.named_group = group, "people", w.end(), True
            owner = _owner_after(doc, w.end(), clause_end)
            if owner is not None and head.side is None:
                head.side, head.end = owner.actor_id, owner.end
            break
        if head.kind == "people":
            break
        if _OTHERS.match(word) and not _people_word_follows(doc, w.end(), clause_end):
            head.others, head.kind, head.end = True, "people", w.end()  # "33 weitere", "several others"
            break
        if lx.OWN_SIDE.fullmatch(word) or _SKIP.match(word) or _OTHERS.match(word):
            continue
        if _AUX.match(word) or _STOP.match(word) or _measure_of(word):
            break
        # An unknown word: a German capitalised noun is the head (and not people);
        # otherwise allow an adjective or two before the head.
        if german and doc.text[w.start()].isupper():
            head.kind = "other"
            break
        unknown += 1
        if unknown > 2:
            head.kind = "other"
            break
    return head


def _owner_after(doc: Document, pos: int, end: int):
    """"Soldaten der Karabach-Armee", "soldiers of the Azerbaijani army", "Zivilisten
    Aserbaidschans": the actor the group belongs to, named right after it."""
    link = _OWNER_LINK.match(doc.folded, pos, end)
    if link is None:
        return None
    article = link.group(1) is not None
    # A role mention starts at its article ("der aserbaidschanischen Armee", "the Armenian army").
    first = link.start(1) if article else link.end()
    for m in doc.mentions_in(first, min(end, link.end() + 60)):
        if m.start > link.end():
            break
        if not article and not (m.kind == "name" and m.surface.endswith("s")):
            break  # without "der"/"of" only a genitive name belongs ("Zivilisten Aserbaidschans")
        if m.actor_id and (m.kind == "name" or m.role in ("military", "side")):
            return m
    return None


def _people_word_follows(doc: Document, pos: int, end: int) -> bool:
    """"40 weitere gefallene Soldaten": a group or casualty word comes right after."""
    for i, w in enumerate(_WORD.finditer(doc.folded, pos, min(end, pos + 40))):
        if i == 2:
            break
        if _group_of(w.group()) or (doc.language == "de" and doc.text[w.start()].isupper()):
            return True
    return False


def _measures(doc: Document, start: int, end: int) -> list[tuple[int, str]]:
    """(position, measure) of every measure word in start..end."""
    return [(m.start(), m.lastgroup) for m in lx.MEASURE.finditer(doc.folded, start, end)]


def _not_people(doc: Document, n: NumberMention, dates: list) -> bool:
    after = doc.folded[n.end : n.end + 40]
    before = doc.folded[max(0, n.start - 16) : n.start]
    if lx.NOT_PEOPLE_AFTER.match(after):
        return True
    if lx.MONEY_BEFORE.search(before) or lx.IDENTIFIER_BEFORE.search(before):
        return True
    if _NAME_DASH.search(before):
        return True  # "Covid-19", "MiG-29", "S-300": part of a name
    if any(d.start <= n.num_start < d.end for d in dates):
        return True  # "am 27. September"
    return bool(_TIME_OR_DATE.match(after))  # a time or a date "14:30", "27.09."


def find_casualties(doc: Document, info: SentenceInfo) -> list[Draft]:
    s0, s1 = info.start, info.end
    if not doc.triggered("casualty", s0, s1):
        return []
    if doc.has(lx.DENIAL, s0, s1) and doc.has(lx.REPORT_NOUN, s0, s1):
        return []
    german = doc.language == "de"
    dates = doc.dates_in(s0, s1)
    drafts: list[Draft] = []
    numbers = find_numbers(doc.folded, s0, s1)
    for i, n in enumerate(numbers):
        if _not_people(doc, n, dates):
            continue
        clause = doc.clause_of(info, n.start)
        if doc.has(OTHER_INCIDENT, *clause):
            continue  # "1,800 people have died of Covid-19" beside a report on the war
        head = _read_head(doc, n, clause[1], german)
        if head.kind == "other" or (n.year_like and head.kind != "people"):
            continue
        if n.vague and head.kind != "people":
            continue  # "mehrere Stunden", "several times"
        before = doc.folded[max(clause[0], n.start - 40) : n.start]
        if _SUPERSEDED_BEFORE.search(before) or _SUPERSEDED_AFTER.match(doc.folded, n.end, clause[1]):
            continue
        if head.kind == "none" and drafts and _total_of_previous(before):
            previous = drafts[-1]
            value = {**previous.value, "count": n.count, "qualifier": n.qualifier,
                     "wording": doc.text[n.start : n.end], "cumulative": True}
            drafts.append(dataclasses.replace(previous, value=value, pos=n.start, part_of=None))
            continue
        part_of = drafts[-1] if drafts and lx.PART_OF_BEFORE.search(before) else None
        # A toll's value may sit in the next clause: "34 more deaths, taking their total to 1,068".
        value_position = _VALUE_BEFORE.search(doc.folded, max(0, n.start - 30), n.start) is not None
        prev_end = numbers[i - 1].end if i > 0 else clause[0]
        # a toll names what it counts well before its value: "Die Zahl der getöteten ... stieg ... auf 1.177"
        reach = 140 if value_position else 90
        backward = (max(prev_end, s0 if value_position else clause[0], n.start - reach), n.start)
        measure = _measure(doc, info, numbers[i + 1 :], n, head, part_of, backward, value_position)
        if measure is None:
            continue
        group = _group(doc, info, n, head, drafts, part_of, backward, clause)
        attribution = doc.attribution_at(info, n.start)
        claimed_by, speaker, speaker_person = claimant(attribution)
        side = _side(doc, info, n, head, clause, claimed_by)
        for whose in [side] if side is not None else _each_side(doc, n, head, clause):
            drafts.append(
                Draft(
                    kind="casualties",
                    subject={"measure": measure, "group": group, "side": whose},
                    value={
                        "count": n.count,
                        "qualifier": n.qualifier,
                        "wording": doc.text[n.start : n.end],
                        "cumulative": _cumulative(doc, info, n, clause, part_of),
                    },
                    claimed_by=claimed_by,
                    speaker=speaker,
                    speaker_person=speaker_person,
                    valid=doc.valid_for(info, n.start, attribution),
                    sentence=info,
                    pos=n.start,
                    part_of=part_of,
                )
            )
    return drafts


def _total_of_previous(before: str) -> bool:
    """Is the figure after `before` a running total of the figure before it?"""
    return _TOTAL_OF_PREVIOUS.search(before) is not None and _TOTAL_WORD.search(before) is not None


def _each_side(doc: Document, n: NumberMention, head: _Head, clause) -> list[str | None]:
    """"Auf beiden Seiten jeweils mehr als 2000 Tote", "2,000 dead on each side": the figure
    once per principal party; otherwise one figure without a side."""
    if doc.conflict is None:
        return [None]
    near = (max(clause[0], n.start - 25), min(clause[1], head.end + 25))
    each = _EACH.search(doc.folded, *near) and doc.has(lx.BOTH_SIDES, *clause)
    return list(doc.conflict.principal_parties) if each or _EACH_SIDE.search(doc.folded, *clause) else [None]


def _measure(doc, info, following, n, head, part_of, backward, value_position) -> str | None:
    """killed / wounded / missing for a figure, or None when it is not a casualty figure."""
    if head.measure is not None:
        return head.measure  # "200 Tote", "24 toten Zivilisten"
    s0, s1 = info.start, info.end
    active = _ACTIVE_BEFORE.search(doc.folded, max(s0, n.start - 30), n.start)
    if active is not None and doc.text[active.start()].islower():
        return active.lastgroup
    # The predicate may follow an apposition ("12 people, including three children, were
    # killed"): look up to the next figure that is not a part of this one.
    later = [m for m in following if not lx.PART_OF_BEFORE.search(doc.folded, max(s0, m.start - 30), m.start)]
    # the nearest measure word after the number wins ("37 getötet und 118 verletzt")
    forward = _measures(doc, head.end, later[0].start if later else s1)
    # "Three Azerbaijani soldiers and two Armenian fighters were killed" share a verb;
    # "5,000 people were displaced and 12 soldiers killed" do not: a predicate between
    shares_verb = (
        later
        and _AND_BEFORE.search(doc.folded, max(s0, later[0].start - 10), later[0].start)
        and not [w for w in doc.words_between(head.end, later[0].start) if w not in _LIST_WORDS]
    )
    if not forward and head.kind == "people" and shares_verb:
        # "Three Azerbaijani soldiers and two Armenian fighters were killed": one verb for both
        forward = _measures(doc, head.end, later[1].start if len(later) > 1 else s1)
    if forward:
        return min(forward)[1]
    if part_of is not None:
        return part_of.subject["measure"]  # "darunter 30 Zivilisten"
    # Before the number only as the value of a toll ("auf 120", "rose to 481") or as the
    # object of "killed"/"Tod von" ("den Tod von zwei Soldaten").
    candidates = _measures(doc, *backward)
    if candidates and (head.kind == "people" or value_position):
        return max(candidates)[1]
    return None


def _group(doc, info, n, head, drafts, part_of, backward, clause) -> str:
    """total / civilians / military, from the head, the context or the figure before."""
    group = head.group
    elliptic = head.kind == "none" or (
        not head.named_group and _COORDINATED.search(doc.folded, max(info.start, n.start - 6), n.start)
    )
    if elliptic and not n.vague and not head.others:
        # "118 verletzt", "Zahl der Toten ... auf 120": group from context
        back_groups = [g for w in _WORD.finditer(doc.folded, *backward) if (g := _group_of(w.group())) is not None]
        if back_groups:
            group = back_groups[-1]
        elif drafts and drafts[-1].sentence is info:
            group = drafts[-1].subject["group"]
    if head.others and drafts:
        group = drafts[-1].subject["group"]  # "several others injured"
    if group is None and part_of is not None and head.kind == "none":
        group = part_of.subject["group"]
    if group in (None, "total") and doc.has(lx.MILITARY_CONTEXT, n.start, min(clause[1], head.end + 40)):
        group = "military"  # "17 Tote in den eigenen Reihen"
    return group or "total"


def _side(doc: Document, info: SentenceInfo, n: NumberMention, head: _Head, clause, claimed_by: str) -> str | None:
    """Whose dead: named side > both sides > enemy > own > the claimant's own side."""
    conflict = doc.conflict
    parties = conflict.parties if conflict else ()
    if head.side is not None:
        return head.side
    if doc.has(lx.BOTH_SIDES, *clause):
        return None
    for m in doc.mentions_in(*clause):
        if m.role == "side" and m.actor_id:
            return m.actor_id  # "auf armenischer Seite", "on the Armenian side"
    if doc.has(_LOST, *clause):  # "Armenien habe ... 40 Soldaten verloren": the subject's dead
        for m in doc.mentions_in(clause[0], n.start):
            if m.actor_id in parties and m.kind in AGENT_KINDS and doc.governing_preposition(m.start) is None:
                if not doc.is_genitive_attribute(m):
                    return m.actor_id
    window = (max(clause[0], n.start - 30), min(clause[1], head.end + 30))
    if claimed_by in parties and lx.ENEMY_SIDE.search(doc.folded, *window):
        others = [p for p in (conflict.principal_parties if conflict else ()) if p != claimed_by]
        return others[0] if len(others) == 1 else None
    if claimed_by in parties:
        return claimed_by  # a party counting without naming a side counts its own
    return None


def _cumulative(doc: Document, info: SentenceInfo, n: NumberMention, clause, part_of: Draft | None) -> bool | None:
    if part_of is not None:
        return part_of.value["cumulative"]
    if lx.INCREMENT.search(doc.folded, max(clause[0], n.start - 12), n.start) or lx.INCREMENT.match(
        doc.folded, n.end + 1, min(clause[1], n.end + 12)
    ):
        return False  # "another 21", "40 weitere"
    if doc.has(lx.INCIDENT, *clause):
        return False
    if doc.has(lx.CUMULATIVE, *clause) or any(d.relation.get("since") for d in doc.dates_in(*clause)):
        return True
    return None
