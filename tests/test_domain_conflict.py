"""Relevance to the tracked conflict, at document and at sentence level."""

import pytest

from tracker.domain.conflict import ConflictRegistry


@pytest.fixture(scope="module")
def conflicts():
    return ConflictRegistry.load()


@pytest.mark.parametrize(
    "text",
    [
        "Heavy fighting was reported in Nagorno-Karabakh on Sunday.",
        "Der Karabach-Konflikt flammte wieder auf.",
        "Der Karabachkonflikt ist ungelöst.",
        "Artillery hit Stepanakert overnight.",  # a place plus fighting vocabulary
        "Armenia and Azerbaijan accused each other of shelling border villages.",
        "Schwere Gefechte zwischen Armenien und Aserbaidschan.",
    ],
)
def test_relevant_texts(conflicts, text):
    result = conflicts.relevance(text)
    assert result.relevant and result.conflict_id == "nagorno-karabakh", result
    assert result.score > 0 and result.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Located right next to an Armenian church, the restaurant serves Central Asian cuisine.",
        "Armenien ist ein Land im Südkaukasus mit alten Klöstern.",
        "Azerbaijan hosted a Formula One race in Baku.",
        "Ganja was legalised in several states.",  # a place name alone is not evidence
        "A gunman killed five people at Fort Lauderdale airport in Florida.",
        "Armenia's football team beat Azerbaijan's in a friendly.",  # both parties, no fighting
    ],
)
def test_irrelevant_texts(conflicts, text):
    assert not conflicts.relevance(text).relevant


def _sentences(text):
    """Crude sentence spans for the test: split on '. '."""
    spans, start = [], 0
    for part in text.split(". "):
        spans.append((start, start + len(part)))
        start += len(part) + 2
    return spans


def test_sentence_scoping_inside_one_relevant_text(conflicts):
    from tracker.domain.text import fold

    text = (
        "Fighting continued in Nagorno-Karabakh. The clashes killed 12 soldiers. "
        "In Florida, a gunman killed five people at an airport. In Syria, 30 people were killed in air strikes"
    )
    folded = fold(text)
    mentions = conflicts.actors.find_actors(text, folded=folded)
    terms = conflicts.find_terms(text, folded=folded)
    paragraphs = [_sentences(text)]
    linked = conflicts.linked_sentences("nagorno-karabakh", paragraphs, folded=folded, mentions=mentions, terms=terms)
    assert [[link.linked for link in row] for row in linked] == [[True, True, False, False]]
    assert linked[0][3].elsewhere and linked[0][2].other_incident


def test_an_unlinked_paragraph_does_not_count(conflicts):
    from tracker.domain.text import fold

    text = "Armenia said the fighting went on.\n\nThe marathon drew 30,000 runners."
    folded = fold(text)
    paragraphs = [[(0, 34)], [(36, len(text))]]
    linked = conflicts.linked_sentences(
        "nagorno-karabakh",
        paragraphs,
        folded=folded,
        mentions=conflicts.actors.find_actors(text),
        terms=conflicts.find_terms(text),
    )
    assert [[link.linked for link in row] for row in linked] == [[True], [False]]


def test_another_conflict_is_added_by_a_file(conflicts):
    extra = {"id": "test-war", "names": ["Ruritania"], "parties": ["ARM"]}
    reg = ConflictRegistry([extra], actors=conflicts.actors)
    assert reg.relevance("Fighting in Ruritania").conflict_id == "test-war"
    with pytest.raises(ValueError):
        ConflictRegistry([{"id": "x", "names": ["X"], "parties": ["NOPE"]}], actors=conflicts.actors)
