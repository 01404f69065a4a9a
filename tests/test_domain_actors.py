"""Actor registry: aliases, inflection, accents, roles, office terms, anachronisms."""

import pytest

from tracker.domain.actors import ActorRegistry
from tracker.domain.dates import DocumentDate


@pytest.fixture(scope="module")
def reg():
    return ActorRegistry.load()


def ids(reg, text, **kw):
    return [m.actor_id for m in reg.find_actors(text, **kw)]


@pytest.mark.parametrize(
    "text,actor",
    [
        ("Armeniens Regierung", "ARM"),
        ("die armenischen Soldaten", "ARM"),
        ("ein aserbaidschanisches Dorf", "AZE"),
        ("Aserbaidschans Armee", "AZE"),
        ("Russlands Rolle", "RUS"),
        ("in Eriwan", "ARM"),
        ("Yerevan said", "ARM"),
        ("in Baku", "AZE"),
        ("the Kremlin said", "RUS"),
        ("Moskau", "RUS"),
        ("Armenians", "ARM"),
        ("Mevlut Cavusoglu", "TUR"),
        ("MEVLÜT ÇAVUŞOĞLU", "TUR"),
        ("Lawrow", "RUS"),
        ("Nebensia", "RUS"),
        ("die OSZE", "OSCE"),
        ("the Minsk Group", "OSCE-MG"),
        ("der UN-Sicherheitsrat", "UNSC"),
        ("the US envoy", "USA"),
        ("Turkey's foreign minister", "TUR"),
    ],
)
def test_aliases_inflection_and_accents(reg, text, actor):
    assert actor in ids(reg, text)


@pytest.mark.parametrize("text", ["let us go", "a roast turkey", "polish the floor", "Unsere Rom-Reise"[:0] + "rom"])
def test_case_sensitive_forms_do_not_match_ordinary_words(reg, text):
    assert ids(reg, text) == []


def test_offsets_point_into_the_original_text(reg):
    text = "Gestern sagte Mevlüt Çavuşoğlu in Ankara etwas."
    for m in reg.find_actors(text):
        assert text[m.start : m.end] == m.surface


@pytest.mark.parametrize(
    "text,actor,role,surface",
    [
        ("sagte der türkische Außenminister.", "TUR", "foreign_minister", "der türkische Außenminister"),
        ("teilte das Außenministerium in Eriwan mit", "ARM", "foreign_ministry", "das Außenministerium in Eriwan"),
        ("said the Armenian defence ministry", "ARM", "defence_ministry", "the Armenian defence ministry"),
        ("Russlands Präsident", "RUS", "president", "Russlands Präsident"),
        ("US-Präsident", "USA", "president", "US-Präsident"),
        ("Frankreichs Präsident", "FRA", "president", "Frankreichs Präsident"),
        ("der russische UN-Botschafter", "RUS", "un_ambassador", "der russische UN-Botschafter"),
        ("Kremlchef", "RUS", "president", "Kremlchef"),
        ("der Präsident Aserbaidschans", "AZE", "president", "der Präsident Aserbaidschans"),
        ("the Azerbaijani prosecutor's office", "AZE", "prosecutor", "the Azerbaijani prosecutor's office"),
    ],
)
def test_role_phrases(reg, text, actor, role, surface):
    [m] = [m for m in reg.find_actors(text) if m.role]
    assert (m.actor_id, m.role, m.surface) == (actor, role, surface)


def test_person_joins_role_and_role_resolves_to_earlier_person(reg):
    text = "Mevlüt Çavuşoğlu sprach. Später sagte der türkische Außenminister, US-Präsident Donald Trump irre."
    ms = reg.find_actors(text)
    fm = next(m for m in ms if m.role == "foreign_minister")
    assert fm.person == "Mevlüt Çavuşoğlu"
    trump = next(m for m in ms if m.actor_id == "USA")
    assert (trump.person, trump.role, trump.surface) == ("Donald Trump", "president", "US-Präsident Donald Trump")


def test_role_without_name_resolves_to_the_office_holder_at_a_known_date(reg):
    [m] = reg.find_actors("der türkische Außenminister", document_date=DocumentDate(value="2020-10-02"))
    assert m.person == "Mevlüt Çavuşoğlu"
    [m] = reg.find_actors("der türkische Außenminister", document_date=DocumentDate(value="2024-01"))
    assert m.person == "Hakan Fidan"


def test_office_held(reg):
    assert reg.office_held("Çavuşoğlu", "2020-10-02") is True
    assert reg.office_held("Cavusoglu", "2025-07") is False
    assert reg.office_held("Mevlüt Çavuşoğlu", "2023-06") is True  # left on 2023-06-04: part of the month
    assert reg.office_held("Trump", "2019") is True
    assert reg.office_held("Trump", "2022-05") is False
    assert reg.office_held("Trump", "2025-07") is True
    assert reg.office_held("Lawrow", "2025-07", role="foreign_minister") is True
    assert reg.office_held("Nobody Known", "2025-07") is None
    assert reg.office_held("Shushan Stepanyan", "2020-10") is None  # no recorded term


def test_anachronism_for_the_seed_date(reg):
    text = "Der russische Außenminister Sergej Lawrow und sein türkischer Kollege Çavuşoğlu telefonierten."
    warnings = reg.anachronisms(text, DocumentDate(value="2025-07", kind="published"))
    assert warnings == [
        "names Mevlüt Çavuşoğlu as foreign minister of TUR, an office held 2015-11-24..2023-06-04, "
        "but the document is dated 2025-07"
    ]
    assert reg.anachronisms(text, DocumentDate(value="2020-10-02")) == []


def test_no_anachronism_for_bare_names_former_officials_or_unknown_dates(reg):
    may = DocumentDate(value="2025-07")
    assert reg.anachronisms("Çavuşoğlu hat ein Buch geschrieben.", may) == []
    assert reg.anachronisms("der frühere türkische Außenminister Mevlüt Çavuşoğlu", may) == []
    assert reg.anachronisms("Turkey's former foreign minister Mevlut Cavusoglu", may) == []
    assert reg.anachronisms("Ex-Außenminister Çavuşoğlu", may) == []
    assert reg.anachronisms("US-Präsident Donald Trump", DocumentDate(value="2022-05")) != []
    assert reg.anachronisms("President-elect Donald Trump", DocumentDate(value="2017-01-06")) == []
    assert reg.anachronisms("der türkische Außenminister Çavuşoğlu", DocumentDate.parse(None)) == []


def test_month_precision_warns_only_when_the_whole_month_is_outside(reg):
    text = "der türkische Außenminister Mevlüt Çavuşoğlu"
    assert reg.anachronisms(text, DocumentDate(value="2023-06")) == []
    assert reg.anachronisms(text, DocumentDate(value="2023-07")) != []
    assert reg.anachronisms(text, DocumentDate(value="2023-06-05")) != []
