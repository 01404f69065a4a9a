"""Sentence splitting: where a sentence ends and where a full stop does not end one."""

from tracker.extract.segment import sentences


def _split(text: str) -> list[str]:
    return [text[s.start : s.end] for s in sentences(text)]


def test_sentences_end_at_a_stop_before_a_capital_or_a_figure():
    assert _split("Die Kämpfe gehen weiter. 20 Menschen starben! Wer zählt? Niemand.") == [
        "Die Kämpfe gehen weiter.",
        "20 Menschen starben!",
        "Wer zählt?",
        "Niemand.",
    ]


def test_abbreviations_and_initials_do_not_end_a_sentence():
    text = "Gen. Smith met Prof. Jones and Sept. talks began. Mr. A. B. Ross said so. The U.S. Army left."
    assert _split(text) == [
        "Gen. Smith met Prof. Jones and Sept. talks began.",
        "Mr. A. B. Ross said so.",
        "The U.S. Army left.",
    ]


def test_a_day_before_a_month_is_no_sentence_end_but_other_numbers_are():
    assert _split("Am 27. September begannen die Kämpfe. Es gab 27. Dann kam der 3. Oktober.") == [
        "Am 27. September begannen die Kämpfe.",
        "Es gab 27.",
        "Dann kam der 3. Oktober.",
    ]


def test_words_just_longer_than_any_abbreviation_end_a_sentence():
    # five letters or digits before the stop: too long for an abbreviation
    assert _split("They met in Sochi. Talks began. It was in 12345. Then Corps. Next one.") == [
        "They met in Sochi.",
        "Talks began.",
        "It was in 12345.",
        "Then Corps.",
        "Next one.",
    ]
    # the same words one letter shorter, where the word list says so, do not
    assert _split("It was Corp. Next one. See St. Petersburg.") == ["It was Corp. Next one.", "See St. Petersburg."]


def test_a_quotation_stays_in_one_sentence_with_its_attribution():
    text = "„Wir ziehen uns nicht zurück. Niemals.“, sagte der Sprecher. Danach war es still."
    assert _split(text) == ["„Wir ziehen uns nicht zurück. Niemals.“, sagte der Sprecher.", "Danach war es still."]


def test_each_line_is_a_paragraph():
    found = sentences("Erster Absatz. Noch ein Satz.\n\n  Zweiter Absatz.  \n")
    assert [(s.paragraph, s.index) for s in found] == [(0, 0), (0, 1), (1, 2)]
