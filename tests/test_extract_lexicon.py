"""The prefilter (one trie pass over the text) must never hide a match of the patterns it
stands for: wherever a pattern matches, a trigger word of its category lies inside the
match (the rules ask the prefilter about whole sentences)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tracker.domain.actors import ActorRegistry
from tracker.domain.conflict import ConflictRegistry
from tracker.domain.dates import DocumentDate
from tracker.domain.text import finditer_after, fold
from tracker.extract import lexicon as lx
from tracker.extract.document import Document

CORPUS_DIR = Path(__file__).parent / "corpus"
SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_d0516d5b3b967395.txt"


# Phrases from the vocabulary that the corpus may not contain.
EXTRA = [
    "200 lost their lives, the death toll rose; three are unaccounted for; a cessation of hostilities",
    "Die Kämpfe sofort einzustellen; eine gemeinsame Erklärung; sie hielten Gespräche und kamen in Wien zusammen.",
    "Er schloss Verhandlungen nicht aus, lehnte eine Waffenruhe ab und stimmte einer Feuerpause zu.",
    "They reached a deal on a truce, called for talks, urged restraint and offered to mediate.",
    "nach eigenen Angaben, X zufolge, nach armenischen Angaben, according to Azerbaijani officials",
    "Es gab zehn Todesopfer und 20 Schwerverletzte; fünf Soldaten fielen; zwei Menschen kamen ums Leben.",
    "Am Tag zuvor, tags davor, einen Tag früher, am Vortag; seit Tagen, am Tage, Tagesordnung; Freitagmorgen, gesternabend.",
    "The day before, the previous day, a day earlier, the day-long talks; for days, in daylight; this morning, this evening, this week.",
]


def _texts() -> list[str]:
    texts = [SEED.read_text("utf-8"), *EXTRA]
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        texts += [item["text"] for item in yaml.safe_load(path.read_text("utf-8"))["items"]]
    return texts


@pytest.mark.parametrize("category", sorted(lx.TRIGGER_PATTERNS))
def test_trigger_stems_cover_every_match(category):
    misses = []
    for text in _texts():
        folded = fold(text)
        starts = [
            m.start()
            for m in lx.TRIGGER.finditer(folded)
            if category in lx.STEM_CATEGORIES[m.group()]
            and not (m.group() in lx.WHOLE_WORD_STEMS and folded[m.end() : m.end() + 1].isalnum())
        ]
        for pattern in lx.TRIGGER_PATTERNS[category]:
            for m in pattern.finditer(folded):
                if not any(m.start() <= s < max(m.end(), m.start() + 1) for s in starts):
                    misses.append(f"{pattern.pattern[:40]}... matched {m.group()!r} without a {category} stem")
    assert not misses, "\n".join(misses[:20])


def test_every_stem_belongs_to_a_known_category():
    assert set(lx.TRIGGER_STEMS) == set(lx.TRIGGER_PATTERNS)
    assert all(stem == fold(stem) for stems in lx.TRIGGER_STEMS.values() for stem in stems)


def test_whole_word_stems_do_not_fire_inside_words():
    doc = Document("Soldaten sowie Sonntag. So sagte er.", DocumentDate(), ActorRegistry.load(), ConflictRegistry.load())
    assert not doc.triggered("speech", 0, 23)
    assert doc.triggered("speech", 24, 36)


def test_prefilter_finds_the_date_keywords_as_timex_does():
    from tracker.extract import timex

    for text in _texts():
        doc = Document(text, DocumentDate(), ActorRegistry.load(), ConflictRegistry.load())
        assert doc._date_keywords == [k.span() for k in timex._KEYWORD.finditer(doc.folded)]


def test_date_keywords_day_and_tag_count_only_as_whole_words():
    from tracker.extract import timex

    # "am Tag zuvor" needs a day before it to count from: "Montag"
    text = fold("Am Montag, seit Tagen, am Tag zuvor, tags davor; for days in daylight, the day before; this week, this morning.")
    found = [text[s:e] for s, e in Document(text, DocumentDate(), ActorRegistry.load(), ConflictRegistry.load())._date_keywords]
    assert found == ["montag", "tag", "tags", "day", "this morning"]
    phrases = ["am montag", "am tag zuvor", "tags davor", "the day before", "this morning"]
    assert [p.text for p in timex.find_phrases(text, text)] == phrases


@pytest.mark.parametrize("group", ["phrase", "number"])
def test_search_after_a_non_word_character_finds_what_the_pattern_finds(group):
    from tracker.extract import numbers, timex

    pattern, first, after = {
        "phrase": (timex.PHRASE, timex._PHRASE_AT, timex._PHRASE_AFTER),
        "number": (numbers.NUMBER, numbers.NUMBER, numbers._NUMBER_AFTER),
    }[group]

    def groups(m):
        return {k: v for k, v in m.groupdict().items() if k != group}

    for text in _texts():
        folded = fold(text)
        for start, end in [(0, len(folded)), (1, len(folded) - 1), (len(folded) // 3, len(folded) // 2)]:
            expected = [(m.span(), groups(m)) for m in pattern.finditer(folded, start, end)]
            found = [(m.span(group), groups(m)) for m in finditer_after(first, after, folded, start, end)]
            assert found == expected
