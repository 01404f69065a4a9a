"""One document prepared for the rules: folded text, sentences, clauses, mentions, dates,
and who says what (attribution).

Attribution answers, for any position in a sentence, "whose statement is this?":
- a trailing clause "..., sagte der türkische Außenminister." / "..., officials said."
  covers the clauses before it;
- a leading clause "Wie das Außenministerium in Moskau mitteilte, ..." / "Sarif sagte, ..."
  covers the clauses after it;
- a verb inside a clause ("Armenia said two soldiers were killed") covers what follows it;
- "laut X", "according to X", "nach Angaben X", "X zufolge" cover the whole sentence;
- a sentence in reported speech (German Konjunktiv) with no source of its own continues
  the previous sentence's source ("Russland wolle ... erreichen" after "sagte der Diplomat").
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from tracker.domain.actors import AGENT_KINDS, ActorMention, ActorRegistry
from tracker.domain.conflict import (
    OTHER_INCIDENT,
    Conflict,
    ConflictRegistry,
    ConflictTerm,
    RelevanceResult,
    SentenceLink,
)
from tracker.domain.dates import DocumentDate, ValidTime, resolve
from tracker.domain.text import SharedScan, fold

from . import lexicon as lx
from .language import detect_language
from .segment import Sentence, raw_clauses, sentences
from .timex import KEYWORDS as DATE_KEYWORDS
from .timex import DatePhrase, assign_order, find_phrases

_PUNCT = re.compile(r"[,.;:!?\"“”„()]")
_PREV_WORD = re.compile(r"([\w-]+)[ \t]+$")
_ADJECTIVE_ENDINGS = ("e", "en", "er", "es", "em", "ed", "ing", "ian", "ese", "ish")
_WORD = re.compile(r"[\w'-]+")
_AFTER_COMMA = re.compile(r"[,;]\s*$")
_REGION_BEFORE = re.compile(r"\b(?:the )?(?:region|enclave)'s\s+$")
_REGION_AFTER = re.compile(r"\s+(?:der region|der enklave|of the region|of the enclave)\b")  # on folded text
# Right before a verb coordinated with the sentence's first: "..., but says", "und sagte".
_ELIDED_SUBJECT_AFTER = re.compile(r"\s+(?:aber|jedoch|zudem|ausserdem|auch|dann)(?:\s+mit)?\s*(?:[,:]|dass\b)")
_WORD_END = re.compile(r"\w*")
_ARTICLE_ONLY = re.compile(r"\W*(?:(?:the|der|die|das)\s+)?")
_COORDINATED_VERB = re.compile(r"\b(?:but|and|yet|aber|und|doch|jedoch)\s+(?:also\s+|auch\s+)?$")
_LAST_STOP = re.compile(r"[,.;:!?\"“”„()][^,.;:!?\"“”„()]*+$")
_DATE_KEYWORDS = frozenset(DATE_KEYWORDS)


@functools.lru_cache(maxsize=4)
def shared_scan(actors: ActorRegistry, conflicts: ConflictRegistry) -> SharedScan:
    """One SharedScan for the word lists a Document searches (built once: a large regex)."""
    return SharedScan([*actors.word_lists, *conflicts.word_lists, lx.TRIGGER_WORDS])


@dataclass(slots=True)
class Agent:
    """Who a statement is attributed to."""

    actor_id: str
    surface: str | None  # as in the text (for an anaphor: its antecedent's surface)
    person: str | None
    mention: ActorMention | None


@dataclass(slots=True)
class Attribution:
    agent: Agent
    cover: tuple[int, int]  # the text span this source speaks for
    verb: tuple[int, int]
    kind: str  # "trailing" | "leading" | "inline" | "source" (laut ...) | "carried"
    date: DatePhrase | None  # date phrase inside the attribution ("teilte ... am Freitag mit")
    co_agents: tuple[ActorMention, ...] = ()  # "Both Armenia and [Azerbaijan] said"

    @property
    def agents(self) -> list[ActorMention]:
        """The speaking actors as mentions (several for "Armenia and Azerbaijan said")."""
        main = [self.agent.mention] if self.agent.mention is not None else []
        return [*self.co_agents, *main]

    @property
    def rank(self) -> int:
        return {"inline": 0, "leading": 1, "trailing": 2, "source": 3, "carried": 4}[self.kind]


_UNLINKED = SentenceLink(own=False, named=False, paragraph=False, other_incident=False, elsewhere=False)


class SentenceInfo:
    """A sentence with what the rules ask about it; clauses and sources are worked out
    only for sentences a rule looks at."""

    def __init__(self, doc: "Document", sentence: Sentence):
        self.doc = doc
        self.sentence = sentence
        self.start, self.end = sentence.start, sentence.end
        self.link: SentenceLink = _UNLINKED  # how it relates to the tracked conflict
        self._clauses: list[tuple[int, int]] | None = None
        self._clause_starts: list[int] = []
        self._own: list[Attribution] | None = None
        self._effective: list[Attribution] | None = None

    @property
    def clauses(self) -> list[tuple[int, int]]:
        if self._clauses is None:
            self._clauses = self.doc._clauses(self.sentence)
            self._clause_starts = [c0 for c0, _ in self._clauses]
        return self._clauses

    @property
    def own_attributions(self) -> list[Attribution]:
        """Sources named in this sentence itself."""
        if self._own is None:
            self._own = self.doc._attributions(self)
        return self._own

    @property
    def attributions(self) -> list[Attribution]:
        """Own sources, or the previous sentence's when this one continues in reported speech."""
        if self._effective is None:
            self._effective = self.doc._effective_attributions(self)
        return self._effective


class Document:
    def __init__(
        self,
        text: str,
        published: DocumentDate | None,
        actors: ActorRegistry,
        conflicts: ConflictRegistry,
        language: str | None = None,
    ):
        self.text = text
        self.folded = fold(text)
        self.language = language or detect_language(self.folded)
        self.published = published
        self.actors = actors
        self.conflicts = conflicts
        # Where a word of any word list starts: one pass for the four lists' searches.
        self.word_starts = shared_scan(actors, conflicts).starts(self.folded)
        # Plain mentions decide relevance; roles and people are composed only when needed.
        self.plain = actors.plain_mentions(text, folded=self.folded, starts=self.word_starts)
        self.terms: list[ConflictTerm] = conflicts.find_terms(text, folded=self.folded, starts=self.word_starts)
        self.relevance: RelevanceResult = conflicts.relevance(
            text, folded=self.folded, mentions=self.plain, terms=self.terms
        )
        self._valid: dict[int, ValidTime] = {}
        # Answers that depend only on a position or mention of this text, asked again and
        # again by the rules (one entry per mention or so).
        self._governing: dict[int, str | None] = {}
        self._genitive: dict[ActorMention, bool] = {}
        self._all: dict[tuple, list[tuple[int, int]]] = {}
        self._first: dict[tuple, tuple[int, int] | None] = {}
        self.sentences: list[SentenceInfo] = []
        self.dates: list[DatePhrase] = []
        self._date_starts: list[int] = []

    # -- lazy preparation (only for relevant documents) ---------------------------------

    @functools.cached_property
    def conflict(self) -> Conflict | None:
        """The tracked conflict this text is about, if any."""
        conflict_id = self.relevance.conflict_id
        return self.conflicts.conflicts[conflict_id] if conflict_id is not None else None

    @functools.cached_property
    def mentions(self) -> list[ActorMention]:
        """Actors with roles and people ("der türkische Außenminister" -> TUR, Çavuşoğlu)."""
        found = self.actors.find_actors(
            self.text,
            folded=self.folded,
            document_date=self.published,
            include_generic=True,
            plain=self.plain,
            starts=self.word_starts,
        )
        authority = self.conflict.region_authority if self.conflict is not None else None
        if authority is None:
            return found
        return [self._region_office(m, authority) if m.kind == "generic_role" else m for m in found]

    def _region_office(self, m: ActorMention, authority: str) -> ActorMention:
        """"the region's defence ministry", "das Verteidigungsministerium der Region": in a
        text about the conflict, an office of the region is its authority's."""
        before = _REGION_BEFORE.search(self.folded, max(0, m.start - 20), m.start)
        after = _REGION_AFTER.match(self.folded, m.end)
        if before is None and after is None:
            return m
        start = before.start() if before is not None else m.start
        end = after.end() if after is not None else m.end
        return m._replace(actor_id=authority, start=start, end=end, surface=self.text[start:end], kind="role")

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [m.start for m in self.mentions]

    @functools.cached_property
    def _ends(self) -> list[int] | None:
        """Mention ends when they never decrease (as mentions rarely nest), else None."""
        ends = [m.end for m in self.mentions]
        return ends if all(a <= b for a, b in zip(ends, ends[1:])) else None

    def anachronisms(self) -> list[str]:
        """Office/date disagreements; composing roles is skipped when no person is named."""
        if self.published is None or not any(m.kind in ("person", "role_phrase") for m in self.plain):
            return []
        return self.actors.anachronisms([m for m in self.mentions if m.actor_id], self.published)

    def prepare(self) -> None:
        """Sentences, conflict links and date phrases (clauses and sources come lazily)."""
        self.sentences = [SentenceInfo(self, s) for s in sentences(self.text)]
        self.dates = find_phrases(self.text, self.folded, self._date_keywords)
        assign_order(self.dates, self.published)
        self._date_starts = [d.start for d in self.dates]
        conflict = self.conflict
        if conflict is not None:
            paragraphs: dict[int, list[SentenceInfo]] = {}
            for info in self.sentences:
                paragraphs.setdefault(info.sentence.paragraph, []).append(info)
            groups = list(paragraphs.values())
            # "beide Seiten", "the warring parties": in a text about the conflict, its parties.
            # Searched sentence by sentence (none of these phrases crosses a sentence end),
            # so the prefilter skips every sentence without one of their words.
            party_groups = [
                ActorMention(conflict.principal_parties[0], g0, g1, self.text[g0:g1], kind="group")
                for info in self.sentences
                for g0, g1 in self.all(lx.PARTY_GROUP, info.start, info.end)
            ]
            links = self.conflicts.linked_sentences(
                conflict.id,
                [[(i.start, i.end) for i in group] for group in groups],
                folded=self.folded,
                mentions=[m for m in self.mentions if m.actor_id] + party_groups,
                terms=self.terms,
                other_incident=lambda start, end: self.has(OTHER_INCIDENT, start, end),
            )
            for group, row in zip(groups, links):
                for info, link in zip(group, row):
                    info.link = link

    def _effective_attributions(self, info: SentenceInfo) -> list[Attribution]:
        own = info.own_attributions
        if own:
            self._inherit_dates(info, own)
            return own
        i = info.sentence.index
        if i == 0 or not self.has(lx.KONJUNKTIV, info.start, info.end, lower=True):
            return []
        previous = self.sentences[i - 1].attributions
        if not previous:
            return []
        # reported speech continues the last source: "Russland wolle ... erreichen."
        last = min(previous, key=lambda a: a.rank)
        return [Attribution(last.agent, (info.start, info.end), (info.start, info.start), "carried", last.date)]

    def _inherit_dates(self, info: SentenceInfo, attributions: list[Attribution]) -> None:
        """"sagte der Diplomat" after "Nebensia sagte am Donnerstag": the same day."""
        for a in attributions:
            if a.date is not None or not a.agent.person:
                continue
            for prev in reversed(self.sentences[: info.sentence.index]):
                if prev.sentence.paragraph != info.sentence.paragraph:
                    break
                dated = [p.date for p in prev.own_attributions if p.agent.person == a.agent.person and p.date]
                if dated:
                    a.date = dated[0]
                    break

    # -- regex hits ------------------------------------------------------------------------

    @functools.cached_property
    def lower(self) -> str:
        """Lower case with umlauts kept (German Konjunktiv "hätten" is not "hatten")."""
        lowered = self.text.lower()
        return lowered if len(lowered) == len(self.text) else self.folded

    @functools.cached_property
    def _prefilter(self) -> tuple[dict[str, list[int]], list[tuple[int, int]]]:
        """One pass (lexicon.TRIGGER_WORDS): positions of trigger words by category, and the
        spans of the date keywords that timex.find_phrases searches around."""
        found: dict[str, list[int]] = {c: [] for c in lx.TRIGGER_STEMS}
        date_keywords: list[tuple[int, int]] = []
        text = self.folded
        for stem, start, end in lx.TRIGGER_WORDS.find(text, self.word_starts):
            if stem in lx.WHOLE_WORD_STEMS and end < len(text) and (text[end].isalnum() or text[end] == "_"):
                continue  # "so" inside "Soldaten"
            for category in lx.STEM_CATEGORIES[stem]:
                found[category].append(start)
            if stem in _DATE_KEYWORDS:
                date_keywords.append((start, end))
        return found, date_keywords

    @functools.cached_property
    def _triggers(self) -> dict[str, list[int]]:
        return self._prefilter[0]

    @functools.cached_property
    def _date_keywords(self) -> list[tuple[int, int]]:
        return self._prefilter[1]

    def triggered(self, category: str, start: int, end: int) -> bool:
        """May a pattern of `category` match in start..end? (False means: certainly not.)"""
        hits = self._triggers[category]
        i = bisect.bisect_left(hits, start)
        return i < len(hits) and hits[i] < end

    # `rx` is one of the module-level patterns (lexicon and the like): answers are kept
    # per document by the pattern's identity, as the rules ask the same of a sentence or
    # clause repeatedly (hashing a pattern would hash its whole compiled code).

    def _cannot_match(self, rx: re.Pattern, start: int, end: int, lower: bool) -> bool:
        """The prefilter's word: a pattern with trigger stems cannot match without one."""
        category = lx.CATEGORY_OF.get(id(rx))
        return category is not None and not lower and not self.triggered(category, start, end)

    def all(self, rx: re.Pattern, start: int, end: int, lower: bool = False) -> list[tuple[int, int]]:
        """Matches of `rx` within start..end."""
        if self._cannot_match(rx, start, end, lower):
            return []
        key = (id(rx), start, end, lower)
        if key not in self._all:
            self._all[key] = [m.span() for m in rx.finditer(self.lower if lower else self.folded, start, end)]
        return list(self._all[key])

    def first(self, rx: re.Pattern, start: int, end: int, lower: bool = False) -> tuple[int, int] | None:
        if self._cannot_match(rx, start, end, lower):
            return None
        key = (id(rx), start, end, lower)
        if key not in self._first:
            m = rx.search(self.lower if lower else self.folded, start, end)
            self._first[key] = m.span() if m else None
        return self._first[key]

    def has(self, rx: re.Pattern, start: int, end: int, lower: bool = False) -> bool:
        return self.first(rx, start, end, lower) is not None

    # -- lookups -------------------------------------------------------------------------

    def mentions_in(self, start: int, end: int) -> list[ActorMention]:
        i = bisect.bisect_left(self._starts, start)
        j = bisect.bisect_left(self._starts, end)
        if self._ends is not None:  # those that end by `end` come first
            return self.mentions[i : bisect.bisect_right(self._ends, end, i, j)]
        return [m for m in self.mentions[i:j] if m.end <= end]

    def dates_in(self, start: int, end: int) -> list[DatePhrase]:
        i = bisect.bisect_left(self._date_starts, start)
        j = bisect.bisect_left(self._date_starts, end)
        return self.dates[i:j]

    def clause_of(self, info: SentenceInfo, pos: int) -> tuple[int, int]:
        return info.clauses[self.clause_index(info, pos)]

    @staticmethod
    def clause_index(info: SentenceInfo, pos: int) -> int:
        """Index of the clause holding pos (the last clause for a position past the end, or
        between two clauses)."""
        clauses = info.clauses
        i = bisect.bisect_right(info._clause_starts, pos) - 1
        if i >= 0 and pos < clauses[i][1]:
            return i
        return len(clauses) - 1

    def words_between(self, start: int, end: int) -> list[str]:
        return _WORD.findall(self.folded, start, end)

    def governing_preposition(self, start: int) -> str | None:
        """The preposition a mention depends on: "mit seinem italienischen Amtskollegen ..." -> "mit",
        "innerhalb der sogenannten Minsk-Gruppe" -> "innerhalb"."""
        if start not in self._governing:
            self._governing[start] = self._governing_preposition(start)
        return self._governing[start]

    def _governing_preposition(self, start: int) -> str | None:
        lo = max(0, start - 60)
        window = self.folded[lo:start]
        stop = _LAST_STOP.search(window)  # the last punctuation mark before the mention
        if stop is not None:
            cut = stop.start()
            window, lo = window[cut + 1 :], lo + cut + 1
        original = self.text[lo:start]  # same length: folding keeps offsets
        adjectives = 0
        for w, o in zip(reversed(window.split()), reversed(original.split())):
            if w == "an":  # a German preposition, an English article
                if self.language == "de":
                    return w
                continue
            if w in lx.DETERMINER_WORDS:
                continue
            if w in lx.PREPOSITION_WORDS:
                return w
            # German attributive adjectives are lower case ("sogenannten"); nouns are not.
            if adjectives < 2 and o[:1].islower() and w.endswith(_ADJECTIVE_ENDINGS):
                adjectives += 1
                continue
            return None
        return None

    def is_genitive_attribute(self, m: ActorMention) -> bool:
        """"die Minsk-Gruppe der OSZE", "unter Vermittlung Russlands": the actor qualifies a noun."""
        if m not in self._genitive:
            self._genitive[m] = self._is_genitive_attribute(m)
        return self._genitive[m]

    def _is_genitive_attribute(self, m: ActorMention) -> bool:
        if self.language == "de" and m.kind == "name" and m.surface.endswith("s"):
            prev = _PREV_WORD.search(self.text, max(0, m.start - 40), m.start)
            if prev is not None and prev.group(1)[:1].isupper() and not self._in_mention(prev.start(1)):
                return True  # a genitive name right after a noun
        link = lx.GENITIVE_LINK.search(self.folded, max(0, m.start - 10), m.start)
        if link is None:
            return False
        before = self.mentions_in(max(0, m.start - 80), link.start())
        return bool(before) and before[-1].end >= link.start() - 1

    def _in_mention(self, pos: int) -> bool:
        i = bisect.bisect_right(self._starts, pos)
        return any(m.start <= pos < m.end for m in self.mentions[max(0, i - 3) : i])

    def valid_for(self, info: SentenceInfo, pos: int, attribution: Attribution | None) -> ValidTime:
        """The claim's valid date: the date phrase nearest `pos` in its sentence, else the
        source's date, else the document date."""
        phrases = self.dates_in(info.start, info.end)
        phrase = min(phrases, key=lambda d: abs(d.start - pos)) if phrases else None
        if phrase is None and attribution is not None:
            phrase = attribution.date
        key = id(phrase)
        valid = self._valid.get(key)
        if valid is None:  # ValidTime is frozen: one per phrase is enough
            if phrase is None:
                valid = resolve(None, None, self.published)
            else:
                valid = resolve(phrase.relation, phrase.text, self.published, order=phrase.order)
            self._valid[key] = valid
        return valid

    def attribution_at(self, info: SentenceInfo, pos: int) -> Attribution | None:
        covering = [a for a in info.attributions if a.cover[0] <= pos < a.cover[1]]
        return min(covering, key=lambda a: a.rank) if covering else None

    # -- clauses ---------------------------------------------------------------------------

    def _clauses(self, s: Sentence) -> list[tuple[int, int]]:
        """Comma segments, with lists of actors ("Putin, Trump und Macron") kept in one."""
        parts = raw_clauses(self.text, s.start, s.end)
        merged: list[tuple[int, int]] = []
        for part in parts:
            if merged and self._continues_list(merged[-1], part):
                merged[-1] = (merged[-1][0], part[1])
            else:
                merged.append(part)
        return merged

    def _continues_list(self, prev: tuple[int, int], part: tuple[int, int]) -> bool:
        before = self.mentions_in(prev[0], prev[1])
        after = self.mentions_in(part[0], part[1])
        if not before or not after:
            return False
        last, first = before[-1], after[0]
        if not (last.actor_id and first.actor_id and last.kind in AGENT_KINDS and first.kind in AGENT_KINDS):
            return False
        if self.governing_preposition(last.start) is not None:
            return False  # "... in Karabakh, Armenian officials said": a place ends the clause
        tail_ok = not self.folded[before[-1].end : prev[1]].strip()
        head_ok = lx.LIST_LINK.match(self.folded[part[0] : after[0].start]) is not None
        return tail_ok and head_ok

    # -- attribution -------------------------------------------------------------------------

    def _attributions(self, info: SentenceInfo) -> list[Attribution]:
        if not self.triggered("speech", info.start, info.end):
            return []
        found: list[Attribution] = []
        clauses = info.clauses
        whole = (info.start, info.end)
        done: set[int] = set()  # clauses whose speech verb was found (one per clause)
        for m in lx.ATTRIBUTION.finditer(self.folded, info.start, info.end):
            span, kind = m.span(), m.lastgroup
            if kind == "verb":
                ci = self.clause_index(info, span[0])
                if ci in done:
                    continue
                c0, c1 = clauses[ci]
                agent_m = self._agent_near(span[0], span[1], c0, c1)
                elided = agent_m is None and self._subject_elided(c0, span[0])
                if elided:
                    agent_m = self._sentence_subject(info, c0 if ci > 0 else span[0])
                if agent_m is None:
                    continue
                done.add(ci)
                agent, agent_span = agent_m
                date = next(iter(self.dates_in(c0, c1)), None)
                co = self._coordinated(agent.mention, c0)
                if self._attribution_only(c0, c1, agent_span, span):
                    # "Wie X mitteilte, ...", "Sarif sagte, ...", "X ..., teilte aber mit, ..."
                    if ci == 0 or elided:
                        cover = (clauses[ci + 1][0] if ci + 1 < len(clauses) else c1, info.end)
                        found.append(Attribution(agent, cover, span, "leading", date, co))
                    else:  # "..., sagte der türkische Außenminister."
                        found.append(Attribution(agent, (info.start, c0), span, "trailing", date, co))
                else:  # "Armenia said two soldiers were killed"
                    found.append(Attribution(agent, (max(span[1], agent_span[1]), info.end), span, "inline", date, co))
            else:
                agent = self._source_agent(kind, m.group(), span, info)
                if agent is not None:
                    found.append(Attribution(agent, whole, span, "source", None))
        return self._trim_covers(info, found)


    def _source_agent(self, kind: str, cue: str, span: tuple[int, int], info: SentenceInfo) -> Agent | None:
        """Who a source phrase names (ATTRIBUTION kinds other than "verb")."""
        if kind == "own":  # "nach eigenen Angaben": the subject's own account
            mentions = self.mentions_in(info.start, info.end)
            subject = next((x for x in mentions if x.kind in AGENT_KINDS and x.actor_id), None)
            return _agent(subject) if subject is not None else None
        if kind == "after":  # "X zufolge"
            found = self._agent_before(span[0], info.start)
            return found[0] if found is not None else None
        if kind == "adjective":  # "nach armenischen Angaben": the adjective's actor
            adjective = next((x for x in self.mentions_in(*span) if x.kind == "adjective" and x.actor_id), None)
            if adjective is not None:
                return _agent(adjective)
            # else a plain adjective ("nach offiziellen Angaben aus Stepanakert"): the agent follows
        elif cue == "so" and not _AFTER_COMMA.search(self.folded[max(0, span[0] - 3) : span[0]]):
            return None  # "so" is a source only as ", so der Sprecher"
        found = self._agent_after(span[1], info.end)  # "laut X", "according to X"
        return found[0] if found is not None else None

    def _trim_covers(self, info: SentenceInfo, found: list[Attribution]) -> list[Attribution]:
        """A source speaks up to the next source in the sentence, not over it."""
        verbs = sorted(a.verb[0] for a in found if a.kind in ("inline", "leading"))
        out = []
        for a in found:
            if a.kind in ("inline", "leading"):
                nxt = next((v for v in verbs if v > a.verb[0]), None)
                if nxt is not None:
                    clause = self.clause_of(info, nxt)
                    a.cover = (a.cover[0], max(a.cover[0], clause[0]))
            elif a.kind == "trailing":
                prev = [x.verb[1] for x in found if x.kind in ("trailing", "inline") and x.verb[1] < a.verb[0] and x is not a]
                if prev:
                    a.cover = (self.clause_of(info, max(prev))[1], a.cover[1])
            out.append(a)
        return out

    def _coordinated(self, mention: ActorMention | None, floor: int) -> tuple[ActorMention, ...]:
        """Actors coordinated before the agent: "Both [Armenia] and Azerbaijan said"."""
        if mention is None:
            return ()
        out: list[ActorMention] = []
        cursor = mention
        for m in reversed(self.mentions_in(floor, mention.start)):
            if m.actor_id is None or m.kind not in AGENT_KINDS:
                break
            if not lx.LIST_LINK.match(self.folded[m.end : cursor.start]) or not self.folded[m.end : cursor.start].strip():
                break
            out.insert(0, m)
            cursor = m
        return tuple(out)

    def _attribution_only(self, c0: int, c1: int, agent_span: tuple[int, int], verb: tuple[int, int]) -> bool:
        """Does the clause say nothing but who said it (plus fillers, dates, media names)?"""
        skip = [agent_span, verb] + [(m.start, m.end) for m in self.mentions_in(c0, c1)]
        skip += [(d.start, d.end) for d in self.dates_in(c0, c1)]
        rest = 0
        for w in _WORD.finditer(self.folded, c0, c1):
            if w.group() in lx.FILLER_WORDS:
                continue
            start = w.start()
            if any(a <= start < b for a, b in skip):
                continue  # part of the agent, the verb, a mention or a date
            rest += 1
            if rest > 2:
                return False  # more than a word or two beside the source
        return True

    def _subject_elided(self, clause_start: int, verb_start: int) -> bool:
        """A speech verb sharing the sentence's subject: "Azerbaijan ..., but says 93 ...",
        "... and said 93 ...", "Die Regierung ... nannte keine Zahlen, teilte aber mit, ..."."""
        if _COORDINATED_VERB.search(self.folded, max(clause_start, verb_start - 12), verb_start):
            return True
        # German verb-first: "..., teilte aber mit, ..." (a subject after the verb would be
        # its own: ", sagte der Sprecher")
        verb_first = clause_start > 0 and not self.folded[clause_start:verb_start].strip(" ,;")
        verb_end = _WORD_END.match(self.folded, verb_start).end()
        return verb_first and _ELIDED_SUBJECT_AFTER.match(self.folded, verb_end) is not None

    def _sentence_subject(self, info: SentenceInfo, end: int) -> tuple[Agent, tuple[int, int]] | None:
        """The actor opening the sentence, as the subject of a later coordinated verb."""
        mentions = self.mentions_in(info.start, end)
        first = mentions[0] if mentions else None
        if first is None or not _ARTICLE_ONLY.fullmatch(self.folded, info.start, first.start):
            return None  # not at the start (an article may precede it)
        if first.actor_id and first.kind in AGENT_KINDS and self.governing_preposition(first.start) is None:
            return _agent(first), (first.start, first.end)
        return None

    def _agent_near(self, v0: int, v1: int, c0: int, c1: int) -> tuple[Agent, tuple[int, int]] | None:
        before = self._agent_before(v0, c0)
        if before is not None:
            return before
        return self._agent_after(v1, c1)

    def _agent_before(self, pos: int, floor: int) -> tuple[Agent, tuple[int, int]] | None:
        window = max(floor, pos - 150)
        gap_ok = lambda end: not _PUNCT.search(self.folded, end, pos) and len(self.words_between(end, pos)) <= 4
        for m in reversed(self.mentions_in(window, pos)):
            if m.actor_id and m.kind in AGENT_KINDS and gap_ok(m.end):
                if self.governing_preposition(m.start) is None and not self.is_genitive_attribute(m):
                    return _agent(m), (m.start, m.end)
            break
        window = max(floor, pos - 45)
        ana = None
        for ana in lx.ANAPHOR.finditer(self.folded, window, pos):
            pass
        if ana is not None and gap_ok(ana.end()):
            agent = self._antecedent(ana.start(), ana.group())
            if agent is not None:
                return agent, ana.span()
        return None

    def _agent_after(self, pos: int, ceiling: int) -> tuple[Agent, tuple[int, int]] | None:
        limit = min(ceiling, pos + 70)
        ana = lx.ANAPHOR.match(self.folded, pos + 1, limit) if pos < len(self.folded) else None
        # a mention may start with the article the cue ended on ("nach Angaben [des ...]")
        for m in [m for m in self.mentions_in(max(0, pos - 4), limit) if m.end > pos]:
            if m.start < pos:
                m_start = pos
            else:
                m_start = m.start
            if _PUNCT.search(self.folded, pos, m_start) or len(self.words_between(pos, m_start)) > 5:
                break
            if ana is not None and ana.start() < m.start:
                break
            if m.actor_id and m.kind in AGENT_KINDS:
                return _agent(m), (m.start, m.end)
        if ana is not None:
            agent = self._antecedent(ana.start(), ana.group())
            if agent is not None:
                return agent, ana.span()
        return None

    def subject_pronoun(self, start: int, end: int) -> ActorMention | None:
        """"Er"/"He" opening a clause: the person it refers to."""
        ana = lx.ANAPHOR.match(self.folded, start, end)
        if ana is None:
            return None
        agent = self._antecedent(ana.start(), ana.group())
        return agent.mention if agent is not None else None

    def _antecedent(self, pos: int, anaphor: str) -> Agent | None:
        """The person (or, for "it", the actor) an anaphor refers to: the nearest one before."""
        i = bisect.bisect_left(self._starts, pos)
        for m in reversed(self.mentions[max(0, i - 40) : i]):
            if m.actor_id and m.person:
                return _agent(m)
        return None


@dataclass
class Draft:
    """A claim report before it gets its index (the pipeline numbers drafts in text order)."""

    kind: str
    subject: dict
    value: dict
    claimed_by: str
    speaker: str | None
    speaker_person: str | None
    valid: ValidTime
    sentence: SentenceInfo
    pos: int  # where the claim is expressed (orders reports within a sentence)
    part_of: "Draft | None" = None


def claimant(attribution: Attribution | None, default: str = "PRESS") -> tuple[str, str | None, str | None]:
    """(claimed_by, speaker, speaker_person) for a statement under `attribution`."""
    if attribution is None:
        return default, None, None
    a = attribution.agent
    return a.actor_id, a.surface, a.person


def _agent(m: ActorMention) -> Agent:
    return Agent(actor_id=m.actor_id, surface=m.surface, person=m.person, mention=m)
