"""Actors (states, organisations, the press) and the people who speak for them.

The data lives in `tracker/data/actors.yaml`. All aliases of all actors are compiled into
one trie-shaped regex over the folded text (see `text.fold`), so finding actors costs one
regex pass per document, not one per alias.

Mentions are composed in three steps:
1. plain mentions: names, adjectives, capitals, demonyms, people, role phrases, media;
2. role nouns joined to an actor beside them: "der türkische Außenminister",
   "das Außenministerium in Eriwan", "Russlands Präsident", "US-Präsident";
3. a person named right after a role phrase joins it ("US-Präsident Donald Trump"), and a
   role phrase without a name is resolved to a person named earlier in the same text who
   held that office ("der türkische Außenminister" after "Çavuşoğlu").
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import importlib.resources
import re
from dataclasses import dataclass
from typing import NamedTuple

import yaml
from .dates import DocumentDate, parse_edtf, period_bounds
from .text import WordStartPositions, WordStarts, alternation, fold, fold_accents

# Kinds of plain mentions that can act as a speaker or holder of a position.
AGENT_KINDS = frozenset({"name", "capital", "person", "role", "role_phrase", "demonym", "media"})

_DE_ADJ_ENDINGS = ("", "e", "en", "em", "er", "es")
_ROLE_DE_SUFFIXES = ("", "s", "n", "en", "es")
_ARTICLE_BEFORE = re.compile(r"(?:^|(?<=\W))(der|die|das|den|dem|des|the)\s+$")
# Between an actor and its role noun: a space or hyphen, maybe one modifier
# ("Turkey's former foreign minister", "der neue armenische Regierungschef" has none).
_LEFT_GAP = re.compile(
    r"(?:-|\s+(?:(?:former|ex|ehemalig\w*|fruher\w*|einstig\w*|damalig\w*|then|outgoing|incoming|"
    r"scheidend\w*|kunftig\w*|designiert\w*|neue\w*|new|top)[\s-]+)?)$"
)
_STAFF_ROLES = frozenset({"spokesperson", "officials"})  # who speak for an institution
_OFFICE_OF = re.compile(r"\s+(?:for|of|at|des|der)\s+(?:the\s+)?")  # "a spokesman for [the ministry]"
_COORDINATION = re.compile(r"\s*(?:,|und|and|oder|or|sowie)\s*")
_RIGHT_GAP = re.compile(r"^\s+(?:(?:in|von|aus|des|der|of|from|for)\s+(?:the\s+)?)?$")
_NOT_IN_OFFICE_BEFORE = re.compile(
    # folded forms: "frühere" is "fruhere" here
    "(?:"
    + alternation([
        "former", "ex", r"ehemalig\w*", r"fruher\w*", r"einstig\w*", r"damalig\w*", "then", "late", r"verstorben\w*",
        r"designiert\w*", r"kunftig\w*", "incoming", "outgoing", r"scheidend\w*",
    ])
    + r")[\s-]+(?:\w+\s+){0,3}$"
)
_ELECT_AFTER = re.compile(r"^-?\s?elect\b")


@dataclass(frozen=True)
class Office:
    role: str
    start: str | None
    end: str | None
    note: str | None = None

    def bounds(self) -> tuple[dt.date | None, dt.date | None]:
        """Earliest possible start and latest possible end (a month-only date is stretched)."""
        return _term_bounds(self.start, self.end)

    def label(self) -> str:
        return f"{self.start or '?'}..{self.end or ''}"


@dataclass(frozen=True)
class Person:
    name: str
    actor_id: str
    aliases: tuple[str, ...]
    offices: tuple[Office, ...]

    def roles(self) -> set[str]:
        return {o.role for o in self.offices}


@dataclass(frozen=True)
class Actor:
    id: str
    type: str
    label: str
    people: tuple[Person, ...] = ()


@dataclass(frozen=True)
class _Form:
    actor_id: str | None  # None for a bare role noun
    kind: str
    person: str | None = None
    role: str | None = None
    exact: str | None = None  # original spelling when the form is case-sensitive


def load_data_yaml(text: str):
    """A packaged data file (actors, conflicts): safe loading, with libyaml where PyYAML
    has it (the actor registry parses in a tenth of the time; the objects are the same)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class ActorMention(NamedTuple):
    """An actor named in a text; `start`/`end` are offsets into that text.

    A named tuple, not a pydantic model or a frozen dataclass: immutable and hashable
    like those, but a document yields dozens of these and a tuple is built several
    times faster.
    """

    actor_id: str | None  # None only for a bare role noun ("der Minister")
    start: int
    end: int
    surface: str
    person: str | None = None
    role: str | None = None
    kind: str = "name"
    not_in_office: bool = False  # "former", "ehemalige", "President-elect": no office claimed


class ActorRegistry:
    """All known actors, their aliases and office terms."""

    def __init__(self, data: dict):
        self.roles: dict[str, dict] = data.get("roles", {})
        self.actors: dict[str, Actor] = {}
        self.people: dict[str, Person] = {}
        self._person_by_alias: dict[str, Person] = {}
        self._forms: dict[str, _Form] = {}
        self._role_forms: dict[str, str] = {}
        for entry in data["actors"]:
            self._add_actor(entry)
        for role_id, spec in self.roles.items():
            for form in spec.get("de", []):
                for suffix in _ROLE_DE_SUFFIXES:
                    self._role_forms.setdefault(fold(form + suffix), role_id)
            for form in spec.get("en", []):
                for suffix in ("", "s"):
                    self._role_forms.setdefault(fold(form + suffix), role_id)
        self._actor_words = WordStarts(self._forms, r"(?!\w)")
        self._role_words = WordStarts(self._role_forms, r"(?!\w)")
        self.word_lists = (self._actor_words, self._role_words)  # for a SharedScan

    # -- loading --------------------------------------------------------------------

    @classmethod
    @functools.cache
    def load(cls) -> "ActorRegistry":
        """The packaged registry (parsed once per process)."""
        raw = importlib.resources.files("tracker.data").joinpath("actors.yaml").read_text("utf-8")
        return cls(load_data_yaml(raw))

    def _add_form(self, form: str, spec: _Form, case_sensitive: set[str]) -> None:
        if spec.exact is None and fold_accents(form) in case_sensitive:
            spec = _Form(spec.actor_id, spec.kind, spec.person, spec.role, fold_accents(form))
        # The first registration wins: a role phrase or person beats a later generic form.
        self._forms.setdefault(fold(form), spec)

    def _add_actor(self, entry: dict) -> None:
        actor_id = entry["id"]
        case_sensitive = {fold_accents(f) for f in entry.get("case_sensitive", [])}
        add = functools.partial(self._add_form, case_sensitive=case_sensitive)
        people = []
        for p in entry.get("people", []):
            offices = tuple(
                Office(o["role"], _iso(o.get("start")), _iso(o.get("end")), o.get("note")) for o in p.get("offices", [])
            )
            for office in offices:
                if office.role not in self.roles:
                    raise ValueError(f"actors.yaml: {p['name']} has unknown role {office.role!r}")
            person = Person(p["name"], actor_id, tuple(p.get("aliases", [])), offices)
            people.append(person)
            self.people[person.name] = person
            for alias in (person.name, *person.aliases):
                self._person_by_alias[fold(alias)] = person
                add(alias, _Form(actor_id, "person", person=person.name))
        for phrase, role in (entry.get("role_phrases") or {}).items():
            if role not in self.roles:
                raise ValueError(f"actors.yaml: role phrase {phrase!r} has unknown role {role!r}")
            add(phrase, _Form(actor_id, "role_phrase", role=role))
        for media in entry.get("media", []):
            add(media, _Form(actor_id, "media"))
        for abbreviation in entry.get("abbreviations", []):
            add(abbreviation, _Form(actor_id, "name"))
        de, en = entry.get("de") or {}, entry.get("en") or {}
        for name in de.get("names", []):
            add(name, _Form(actor_id, "name"))
            add(name + "s", _Form(actor_id, "name"))  # genitive: Armeniens
        for name in en.get("names", []):
            add(name, _Form(actor_id, "name"))
            add(name + "'s", _Form(actor_id, "name"))
        for stem in de.get("adjectives", []):
            for ending in _DE_ADJ_ENDINGS:
                add(stem + ending, _Form(actor_id, "adjective"))
        for adjective in (*de.get("adjectives_fixed", []), *en.get("adjectives", [])):
            add(adjective, _Form(actor_id, "adjective"))
        for capital in de.get("capitals", []):
            add(capital + "s", _Form(actor_id, "capital"))  # genitive: "des Kremls", "Moskaus"
        for lang in (de, en):
            for demonym in lang.get("demonyms", []):
                add(demonym, _Form(actor_id, "demonym"))
            for capital in lang.get("capitals", []):
                add(capital, _Form(actor_id, "capital"))
            for region in lang.get("region", []):
                add(region, _Form(actor_id, "region"))
        self.actors[actor_id] = Actor(actor_id, entry.get("type", "state"), entry.get("label", actor_id), tuple(people))

    # -- lookups --------------------------------------------------------------------

    def person(self, name: str) -> Person | None:
        """A person by canonical name or any alias (accent- and case-insensitive)."""
        return self.people.get(name) or self._person_by_alias.get(fold(name))

    def role_label(self, role: str | None) -> str:
        return self.roles.get(role, {}).get("label", role or "office") if role else "office"

    def is_institution(self, role: str | None) -> bool:
        return bool(role and self.roles.get(role, {}).get("institution"))

    def office_held(self, person: str, date: str | DocumentDate, role: str | None = None) -> bool | None:
        """Did `person` hold an office (of `role`, if given) at some time within `date`?

        None when the person, the date or the terms are unknown.
        """
        p = self.person(person)
        value = date.value if isinstance(date, DocumentDate) else date
        if p is None or not value:
            return None
        offices = [o for o in p.offices if role is None or o.role == role]
        if not offices:
            return None
        first, last = _period(value)
        for office in offices:
            start, end = office.bounds()
            if (start is None or start <= last) and (end is None or end >= first):
                return True
        return False

    def holders(self, actor_id: str, role: str, date: str | DocumentDate | None) -> list[Person]:
        """People of `actor_id` who held `role` at some time within `date`."""
        value = date.value if isinstance(date, DocumentDate) else date
        if not value:
            return []
        return [
            p
            for p in (self.actors[actor_id].people if actor_id in self.actors else ())
            if self.office_held(p.name, value, role)
        ]

    # -- finding mentions -----------------------------------------------------------

    def find_actors(
        self,
        text: str,
        *,
        folded: str | None = None,
        document_date: DocumentDate | None = None,
        include_generic: bool = False,
        plain: list[ActorMention] | None = None,
        starts: WordStartPositions | None = None,
    ) -> list[ActorMention]:
        """Every actor named in `text`, in order, with person and role where the text gives them.

        `plain` may pass in `plain_mentions(text)` already computed for the same text, and
        `starts` a SharedScan's word starts in the folded text (over `word_lists`).
        """
        folded = fold(text) if folded is None else folded
        plain = self.plain_mentions(text, folded=folded, starts=starts) if plain is None else plain
        roles = [(start, end, self._role_forms[word]) for word, start, end in self._role_words.find(folded, starts)]
        plain, roles = _drop_overlaps(plain, roles)
        composed = self._compose(text, folded, plain, roles)
        resolved = self._resolve_people(composed, document_date)
        return [m for m in resolved if include_generic or m.actor_id is not None]

    def plain_mentions(
        self, text: str, *, folded: str | None = None, starts: WordStartPositions | None = None
    ) -> list[ActorMention]:
        """Names, adjectives, capitals, people, role phrases: one regex pass, no composition.

        Enough to see which actors a text names at all (relevance); `find_actors` adds
        roles and the people behind them.
        """
        folded = fold(text) if folded is None else folded
        forms, out = self._forms, []
        for word, start, end in self._actor_words.find(folded, starts):
            form = forms[word]
            surface = text[start:end]
            if form.exact is not None and fold_accents(surface) != form.exact:
                continue
            kind = form.kind
            out.append(  # positional: a document has dozens of these
                ActorMention(
                    "PRESS" if kind == "media" else form.actor_id, start, end, surface, form.person, form.role, kind,
                    kind == "person" and _not_in_office(folded, start, end),
                )
            )
        return out

    def _compose(self, text, folded, plain, roles) -> list[ActorMention]:
        """Join role nouns to the actor beside them, then a following person name."""
        ends = [m.end for m in plain]
        starts = [m.start for m in plain]
        used: set[int] = set()  # ids of plain mentions absorbed into a composite
        composites: list[ActorMention] = []
        for r_start, r_end, role in roles:
            actor = None
            start, end = r_start, r_end
            k = bisect.bisect_right(ends, r_start) - 1
            left = plain[k] if k >= 0 else None
            if (
                left is not None
                and left.kind in ("adjective", "name", "region")
                and r_start - left.end <= 20
                and _LEFT_GAP.match(folded, left.end, r_start)
            ):
                actor, start = left, left.start
            if actor is None and role != "side":  # "both sides in Karabakh" is not Karabakh's side
                right = _next_mention(plain, starts, r_end)
                if right is not None and right.kind in ("name", "capital", "region"):
                    gap_text = folded[r_end : right.start]
                    gap_m = _RIGHT_GAP.match(gap_text)
                    # Without a preposition only a genitive may follow ("Präsident Aserbaidschans").
                    if gap_m and (gap_text.strip() or right.surface.endswith("s") or right.kind == "region"):
                        actor, end = right, right.end
            if actor is not None:
                used.add(id(actor))
                if actor.kind == "adjective" and k >= 1:
                    # "die armenischen und aserbaidschanischen Außenminister": both hold the role
                    first = plain[k - 1]
                    if first.kind == "adjective" and _COORDINATION.fullmatch(folded, first.end, actor.start):
                        used.add(id(first))
                        composites.append(
                            ActorMention(
                                actor_id=first.actor_id, start=first.start, end=first.end,
                                surface=first.surface, role=role, kind="role",
                            )
                        )
            art = _ARTICLE_BEFORE.search(folded, max(0, start - 5), start)
            if art is not None and actor is not None:
                start = art.start(1)
            composites.append(
                ActorMention(
                    actor_id=actor.actor_id if actor is not None else None,
                    start=start,
                    end=end,
                    surface=text[start:end],
                    role=role,
                    kind="role" if actor is not None else "generic_role",
                    not_in_office=_not_in_office(folded, start, end)
                    or ((start, end) != (r_start, r_end) and _not_in_office(folded, r_start, r_end)),
                )
            )
        mentions = sorted([m for m in plain if id(m) not in used] + composites, key=lambda m: (m.start, -m.end))
        # A person right after a role phrase is the holder of that role.
        merged: list[ActorMention] = []
        for m in mentions:
            prev = merged[-1] if merged else None
            office = self._office_of_institution(text, folded, prev, m)
            if office is not None:
                merged[-1] = office
                continue
            if (
                prev is not None
                and m.kind == "person"
                and prev.kind in ("role", "generic_role", "role_phrase")
                and prev.person is None
                and folded[prev.end : m.start] == " "
                and (prev.actor_id in (None, m.actor_id))
            ):
                merged[-1] = prev._replace(
                    actor_id=m.actor_id,
                    end=m.end,
                    surface=text[prev.start : m.end],
                    person=m.person,
                    kind="role" if prev.kind == "generic_role" else prev.kind,
                    not_in_office=prev.not_in_office or m.not_in_office,
                )
                continue
            merged.append(m)
        return merged

    def _office_of_institution(self, text, folded, prev, m) -> ActorMention | None:
        """An office named with its institution: "an Armenian military spokeswoman", "a
        spokesman for the Azerbaijani defence ministry" (the office, the institution's actor)."""
        if prev is None or prev.person is not None or _STAFF_ROLES.isdisjoint((prev.role, m.role)):
            return None
        if m.kind == "generic_role" and prev.kind == "role" and prev.actor_id and self.is_institution(prev.role):
            if folded[prev.end : m.start] == " ":
                return prev._replace(end=m.end, surface=text[prev.start : m.end], role=m.role)
        if prev.kind == "generic_role" and m.kind == "role" and m.actor_id and m.person is None:
            if self.is_institution(m.role) and _OFFICE_OF.fullmatch(folded, prev.end, m.start):
                return prev._replace(actor_id=m.actor_id, end=m.end, surface=text[prev.start : m.end], kind="role")
        return None

    def _resolve_people(self, mentions: list[ActorMention], document_date: DocumentDate | None) -> list[ActorMention]:
        """Fill in the person behind a role phrase and the role behind "counterpart"."""
        out: list[ActorMention] = []
        for i, m in enumerate(mentions):
            update = {}
            role = m.role
            if role == "counterpart":
                role = self._counterpart_role(mentions, i)
                update["role"] = role
            if m.person is None and m.actor_id is not None and role and not self.is_institution(role):
                person = self._earlier_holder(out, m.actor_id, role)
                if person is None:
                    holders = self.holders(m.actor_id, role, document_date)
                    person = holders[0].name if len(holders) == 1 else None
                if person is not None:
                    update["person"] = person
            out.append(m._replace(**update) if update else m)
        return out

    def _earlier_holder(self, earlier: list[ActorMention], actor_id: str, role: str) -> str | None:
        for prev in reversed(earlier):
            if prev.person and prev.actor_id == actor_id:
                p = self.people.get(prev.person)
                if p is not None and role in p.roles():
                    return p.name
        return None

    def _counterpart_role(self, mentions: list[ActorMention], i: int) -> str | None:
        """'sein türkischer Kollege': the role of the nearest other office-holder nearby."""
        here = mentions[i]
        candidates = sorted(
            (m for j, m in enumerate(mentions) if j != i and abs(m.start - here.start) < 250),
            key=lambda m: abs(m.start - here.start),
        )
        for m in candidates:
            if m.role and m.role != "counterpart" and not self.is_institution(m.role):
                return m.role
            if m.person and m.actor_id != here.actor_id:
                p = self.people.get(m.person)
                if p is not None and len(p.roles()) == 1:
                    return next(iter(p.roles()))
        return None

    # -- anachronisms ---------------------------------------------------------------

    def anachronisms(self, text_or_mentions: str | list[ActorMention], document_date: DocumentDate | None) -> list[str]:
        """Warnings for people named in an office they did not hold at the document's date.

        Only mentions that name the office ("der türkische Außenminister", "sein Kollege
        Çavuşoğlu", "US-Präsident Trump") count; a bare name claims no office. With a
        month-precision date a warning needs the whole month outside every term.
        """
        if document_date is None or not document_date.value:
            return []
        mentions = (
            self.find_actors(text_or_mentions, document_date=document_date)
            if isinstance(text_or_mentions, str)
            else text_or_mentions
        )
        warnings: list[str] = []
        seen: set[tuple[str, str]] = set()
        for m in mentions:
            if not m.person or not m.role or m.not_in_office or self.is_institution(m.role):
                continue
            person = self.people.get(m.person)
            if person is None or (person.name, m.role) in seen:
                continue
            terms = [o for o in person.offices if o.role == m.role]
            if not terms or self.office_held(person.name, document_date, m.role) is not False:
                continue
            seen.add((person.name, m.role))
            first, _ = period_bounds(document_date.value)
            nearest = min(terms, key=lambda o: _distance(o, first))
            warnings.append(
                f"names {person.name} as {self.role_label(m.role)} of {person.actor_id}, an office held "
                f"{nearest.label()}, but the document is dated {document_date.value}"
            )
        return warnings


@functools.lru_cache(maxsize=4096)
def _period(value: str) -> tuple[dt.date, dt.date]:
    return period_bounds(value)


@functools.lru_cache(maxsize=4096)
def _term_bounds(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    return (_period(start)[0] if start else None, _period(end)[1] if end else None)


def _iso(value) -> str | None:
    """YAML turns 2018-05-08 into a date; keep EDTF strings."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    parse_edtf(text)
    return text


def _distance(office: Office, day: dt.date) -> int:
    start, end = office.bounds()
    if start and day < start:
        return (start - day).days
    if end and day > end:
        return (day - end).days
    return 0


def _not_in_office(folded: str, start: int, end: int) -> bool:
    return bool(
        _NOT_IN_OFFICE_BEFORE.search(folded, max(0, start - 40), start) or _ELECT_AFTER.match(folded, end)
    )


def _next_mention(mentions: list[ActorMention], starts: list[int], pos: int) -> ActorMention | None:
    """The first mention starting at or after pos, if it starts within 12 characters."""
    i = bisect.bisect_left(starts, pos)
    if i < len(mentions) and mentions[i].start - pos <= 12:
        return mentions[i]
    return None


def _drop_overlaps(plain: list[ActorMention], roles: list[tuple[int, int, str]]):
    """Where an actor alias and a role noun overlap, the longer one wins ("UN-Botschafter").

    Both lists are sorted and non-overlapping within themselves, so one sweep suffices.
    """
    drop_plain: set[int] = set()
    drop_roles: set[int] = set()
    j = 0
    for i, (r_start, r_end, _) in enumerate(roles):
        while j < len(plain) and plain[j].end <= r_start:
            j += 1
        k = j
        while k < len(plain) and plain[k].start < r_end:
            if (r_end - r_start) > (plain[k].end - plain[k].start):
                drop_plain.add(k)
            else:
                drop_roles.add(i)
            k += 1
    if not drop_plain and not drop_roles:
        return plain, roles
    return (
        [m for k, m in enumerate(plain) if k not in drop_plain],
        [r for i, r in enumerate(roles) if i not in drop_roles],
    )
