"""Tracked conflicts and the question "is this text (or this sentence) about one?".

Each YAML file in `tracker/data/conflicts/` describes one conflict. Relevance needs real
evidence: a name of the conflict, a place of the conflict zone backed by a party or by
fighting vocabulary, or both principal parties named together with fighting vocabulary.
A lone "Armenian church" in a restaurant review is not evidence.

Scoping works below the document: `linked_sentences` says which sentences of a relevant
text belong to the conflict, so that a death toll from an unrelated shooting in the same
feed item is not read as a claim about it.
"""

from __future__ import annotations

import bisect
import functools
import importlib.resources
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from .actors import ActorMention, ActorRegistry, load_data_yaml
from .text import WordStartPositions, WordStarts, alternation, fold


def _words(*alternatives: str) -> re.Pattern:
    return re.compile(r"\b(?:" + alternation(alternatives) + r")\b")


# Fighting, ceasefire and negotiation vocabulary (folded forms), German and English.
FIGHTING = _words(
    r"kampf\w*", r"kampfe\w*", r"gefecht\w*", r"beschuss\w*", "beschossen", r"angriff\w*", r"offensive\w*",
    r"krieg\w*", r"front\w*", r"waffenstillstand\w*", r"waffenruhe\w*", r"feuerpause\w*", r"artillerie\w*",
    r"rakete\w*", r"drohne\w*", r"getotet\w*", r"tote\w*", r"soldat\w*", r"eskalation\w*", r"konflikt\w*",
    "kriegsrecht", r"gewalt\w*", r"militar\w*", r"streitkrafte\w*", r"fight\w*", r"clash\w*", "shell(?:ing|ed|s)",
    r"attack\w*", "war", "wars", "front ?lines?", r"ceasefire\w*", r"cease-fire\w*", r"truce\w*", "artillery",
    "missiles?", "rockets?", "drones?", "killed", r"casualt\w*", "troops", "soldiers", "military", r"escalat\w*",
    r"conflict\w*", "hostilities", "martial law", "violence", r"verhandlung\w*", "verhandlungstisch",
    r"vermittlung\w*", r"waffenstillstands\w*", r"negotiat\w*", r"mediat\w*", "peace talks",
)

# Incidents of another kind: a toll next to these words is not about the conflict.
OTHER_INCIDENT = _words(
    r"schie(?:ss|ß)erei\w*", r"amok\w*", "schutze", r"attentater\w*", r"terroranschlag\w*", r"krawall\w*",
    "unruhen", r"demonstrant\w*", r"unfall\w*", r"verkehrsunfall\w*", r"absturz\w*", "abgesturzt", r"erdbeben\w*",
    r"lawine\w*", r"hochwasser\w*", r"uberschwemmung\w*", r"unwetter\w*", r"hurrikan\w*", r"wirbelsturm\w*",
    r"tornado\w*", "brand", "brandes", r"gro(?:ss|ß)brand\w*", r"feuerwehr\w*", r"corona\w*", r"covid\w*",
    r"pandemie\w*", r"virus\w*", r"kartell\w*", r"banden\w*", r"polizei\w*", r"shooting\w*", r"shooter\w*",
    "gunm[ae]n", "rampage", r"riot\w*", "protesters?", r"accident\w*", r"crash\w*", r"earthquake\w*",
    r"avalanche\w*", r"flood\w*", r"hurricane\w*", r"tornado\w*", r"wildfire\w*", "blaze", "coronavirus",
    "pandemic", r"cartel\w*", "gangs", "gang members?", "police",
)

# "in Syrien", "near Baghdad": a place outside the conflict zone in the sentence.
_LOCATIVE = re.compile(r"(?:\b(?:in|im|bei|nahe|near|nach|aus|from)\s+(?:der\s+|dem\s+|the\s+)?)$")


@dataclass(frozen=True)
class Conflict:
    id: str
    label: str
    parties: tuple[str, ...]
    principal_parties: tuple[str, ...]
    names: tuple[str, ...]
    places: tuple[str, ...]
    # Who "the region" stands for beside an office: "the region's defence ministry".
    region_authority: str | None = None


class SentenceLink(NamedTuple):
    """How one sentence relates to a conflict (a named tuple: one per sentence, built fast).

    own: it names the conflict, one of its places, or a party;
    paragraph: its paragraph does;
    other_incident: it speaks of a shooting, riot, accident, flood ...;
    elsewhere: it places something in a country outside the conflict ("in Syrien").
    """

    own: bool
    named: bool  # a conflict name or place (stronger than a party)
    paragraph: bool
    other_incident: bool
    elsewhere: bool

    @property
    def linked(self) -> bool:
        """Does a figure or position stated in this sentence belong to the conflict?"""
        if self.named:
            return True
        if self.own:
            return not self.other_incident
        return self.paragraph and not self.other_incident and not self.elsewhere

    @property
    def context(self) -> bool:
        """Weaker: the sentence sits in the conflict's context (a meeting "in Moskau" counts)."""
        return self.linked or (self.paragraph and not self.other_incident)


@dataclass(frozen=True, slots=True)
class ConflictTerm:
    conflict_id: str
    kind: str  # "name" | "place"
    start: int
    end: int


class RelevanceResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    conflict_id: str | None
    score: int
    reasons: list[str]

    @property
    def relevant(self) -> bool:
        return self.conflict_id is not None


class ConflictRegistry:
    def __init__(self, conflicts: list[dict], actors: ActorRegistry | None = None):
        self.actors = actors or ActorRegistry.load()
        self.conflicts: dict[str, Conflict] = {}
        self._names: dict[str, str] = {}
        self._places: dict[str, str] = {}
        for spec in conflicts:
            c = Conflict(
                id=spec["id"],
                label=spec.get("label", spec["id"]),
                parties=tuple(spec.get("parties", [])),
                principal_parties=tuple(spec.get("principal_parties", spec.get("parties", []))),
                names=tuple(spec.get("names", [])),
                places=tuple(spec.get("places", [])),
                region_authority=spec.get("region_authority"),
            )
            for party in (*c.parties, *([c.region_authority] if c.region_authority else [])):
                if party not in self.actors.actors:
                    raise ValueError(f"conflict {c.id}: unknown party {party!r}")
            self.conflicts[c.id] = c
            for name in c.names:
                self._names.setdefault(fold(name), c.id)
            for place in c.places:
                self._places.setdefault(fold(place), c.id)
        # One pass for names and places. Names may start a compound ("Karabachkonflikt");
        # places must stand alone (checked after the match).
        self._term_words = WordStarts({**self._places, **self._names})
        self.word_lists = (self._term_words,)  # for a SharedScan

    @classmethod
    @functools.cache
    def load(cls) -> "ConflictRegistry":
        """Every conflict file packaged under tracker/data/conflicts (parsed once)."""
        folder = importlib.resources.files("tracker.data").joinpath("conflicts")
        specs = [
            load_data_yaml(entry.read_text("utf-8"))
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith((".yaml", ".yml"))
        ]
        return cls(specs)

    def find_terms(
        self, text: str, *, folded: str | None = None, starts: WordStartPositions | None = None
    ) -> list[ConflictTerm]:
        """Names and places of tracked conflicts in `text`; `starts`: as in find_actors."""
        folded = fold(text) if folded is None else folded
        terms = []
        for word, start, end in self._term_words.find(folded, starts):
            if word in self._names:
                terms.append(ConflictTerm(self._names[word], "name", start, end))
            elif _word_ends(folded, end) or (folded[end] == "s" and _word_ends(folded, end + 1)):
                terms.append(ConflictTerm(self._places[word], "place", start, end))
        return terms

    def relevance(
        self,
        text: str,
        *,
        folded: str | None = None,
        mentions: list[ActorMention] | None = None,
        terms: list[ConflictTerm] | None = None,
    ) -> RelevanceResult:
        """Which tracked conflict a text is about, if any, and why."""
        folded = fold(text) if folded is None else folded
        terms = self.find_terms(text, folded=folded) if terms is None else terms
        mentions = self.actors.plain_mentions(text, folded=folded) if mentions is None else mentions
        fighting_cache: list[list[int]] = []

        def fighting() -> list[int]:  # a full pass over the text: only when it can matter
            if not fighting_cache:
                fighting_cache.append([m.start() for m in FIGHTING.finditer(folded)])
            return fighting_cache[0]

        best: RelevanceResult | None = None
        for c in self.conflicts.values():
            names = [t for t in terms if t.conflict_id == c.id and t.kind == "name"]
            places = [t for t in terms if t.conflict_id == c.id and t.kind == "place"]
            party_mentions = [m for m in mentions if m.actor_id in c.parties]
            named = {m.actor_id for m in party_mentions}
            if not names and not places and not all(p in named for p in c.principal_parties[:2]):
                continue  # no evidence possible: skip the fighting-vocabulary pass
            score, reasons = 0, []
            if names:
                score += 3 * len(names)
                reasons.append(f"conflict name {text[names[0].start:names[0].end]!r} ({len(names)}x)")
            if places and (party_mentions or fighting()):
                score += 2 * len(places)
                why = "a party" if party_mentions else "fighting vocabulary"
                reasons.append(f"place {text[places[0].start:places[0].end]!r} ({len(places)}x) with {why}")
            # With a name, relevance is settled: the pair check (a full pass) only adds score.
            pair = None if names else _parties_with_fighting(c.principal_parties, party_mentions, fighting())
            if pair is not None:
                score += 2
                reasons.append(f"{' and '.join(c.principal_parties)} named together with fighting vocabulary")
            if score and (best is None or score > best.score):
                best = RelevanceResult(conflict_id=c.id, score=score, reasons=reasons)
        if best is None:
            return RelevanceResult(conflict_id=None, score=0, reasons=["no conflict name, place or party pair"])
        return best

    def linked_sentences(
        self,
        conflict_id: str,
        paragraphs: list[list[tuple[int, int]]],
        *,
        folded: str,
        mentions: list[ActorMention],
        terms: list[ConflictTerm],
        other_incident: Callable[[int, int], bool] | None = None,
    ) -> list[list[SentenceLink]]:
        """For each sentence (start, end) of each paragraph: how it relates to the conflict.

        A sentence belongs when it names the conflict or one of its places, or names a
        party and is not about another kind of incident; or when its paragraph does and the
        sentence itself points nowhere else (no other incident, no place abroad).

        `other_incident(start, end)` may answer "does OTHER_INCIDENT match there?" for a
        caller with a cheaper way to know; by default the pattern is searched.
        """
        if other_incident is None:

            def other_incident(start: int, end: int) -> bool:
                return OTHER_INCIDENT.search(folded, start, end) is not None
        c = self.conflicts[conflict_id]
        own_terms = _spans_hit(paragraphs, [(t.start, t.end) for t in terms if t.conflict_id == conflict_id])
        party_hits = _spans_hit(paragraphs, [(m.start, m.end) for m in mentions if m.actor_id in c.parties])
        elsewhere = _spans_hit(
            paragraphs,
            [
                (m.start, m.end)
                for m in mentions
                if m.kind in ("name", "capital")
                and m.actor_id not in c.parties
                and self.actors.actors.get(m.actor_id) is not None
                and self.actors.actors[m.actor_id].type == "state"
                and _LOCATIVE.search(folded, max(0, m.start - 12), m.start)
            ],
        )
        out = []
        for p, sentences in enumerate(paragraphs):
            other = [other_incident(start, end) for start, end in sentences]
            # A paragraph belongs by naming the conflict or a party, or, inside a relevant text,
            # by speaking of fighting ("die Konfliktparteien", "Kampfhandlungen") and of nothing
            # else (no other incident, no place abroad).
            para_linked = any(own_terms[p]) or any(party_hits[p])
            if not para_linked and sentences and not any(other) and not any(elsewhere[p]):
                para_linked = FIGHTING.search(folded, sentences[0][0], sentences[-1][1]) is not None
            out.append(
                [
                    SentenceLink(
                        own=own_terms[p][s] or party_hits[p][s],
                        named=own_terms[p][s],
                        paragraph=para_linked,
                        other_incident=other[s],
                        elsewhere=elsewhere[p][s],
                    )
                    for s, (start, end) in enumerate(sentences)
                ]
            )
        return out


def _word_ends(text: str, pos: int) -> bool:
    return pos >= len(text) or not text[pos].isalnum()


def _parties_with_fighting(principal: tuple[str, ...], mentions: list[ActorMention], fighting: list[int]):
    """Two principal parties within 300 characters of each other and of fighting words."""
    if len(principal) < 2 or not fighting:
        return None
    firsts = [m for m in mentions if m.actor_id == principal[0]]
    others = [m for m in mentions if m.actor_id in principal[1:]]
    other_starts = [m.start for m in others]
    for a in firsts:
        lo_i = bisect.bisect_left(other_starts, a.start - 300)
        hi_i = bisect.bisect_right(other_starts, a.start + 300)
        for b in others[lo_i:hi_i]:
            lo, hi = min(a.start, b.start) - 150, max(a.end, b.end) + 150
            k = bisect.bisect_left(fighting, lo)
            if k < len(fighting) and fighting[k] <= hi:
                return a, b
    return None


def _spans_hit(paragraphs: list[list[tuple[int, int]]], spans: list[tuple[int, int]]) -> list[list[bool]]:
    """For each sentence, whether any of the (sorted or not) spans starts inside it."""
    starts = sorted(s for s, _ in spans)
    return [[bisect.bisect_left(starts, end) > bisect.bisect_left(starts, start) for start, end in para] for para in paragraphs]
