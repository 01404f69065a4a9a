"""Numbers as said: digits in German and English notation, number words, vague words.

All matching runs on the folded text (lower case, no accents, same offsets). A number
comes with the qualifier in front of it ("fast", "more than") and its verbatim wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.domain.text import alternation, finditer_after

# Qualifier phrases (folded) in front of a number, longest first within the alternation.
_QUALIFIERS = {
    "nearly": ["fast", "beinahe", "nahezu", "knapp", "annahernd", "nearly", "almost", "close to", "just under", "nigh on"],
    "more_than": ["mehr als", "uber", "ueber", "more than", "over", "upwards of", "in excess of", "gut", "well over"],
    "at_least": ["mindestens", "wenigstens", "zumindest", "at least", "no fewer than", "no less than", "a minimum of"],
    "approximately": [
        "rund", "etwa", "ungefahr", "circa", "ca.", "zirka", "schatzungsweise", "an die", "about", "around",
        "some", "roughly", "approximately", "an estimated", "estimated", "approx.",
    ],
    # "fewer than 10" is below 10: up to, the nearest of the vocabulary's qualifiers
    "up_to": [
        "bis zu", "hochstens", "maximal", "up to", "as many as", "at most", "weniger als", "fewer than", "less than",
    ],
}
_QUALIFIER_OF = {phrase: q for q, phrases in _QUALIFIERS.items() for phrase in phrases}

_UNITS_DE = {
    "null": 0, "ein": 1, "eins": 1, "eine": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6,
    "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwolf": 12, "dreizehn": 13, "vierzehn": 14,
    "funfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19,
}
_TENS_DE = {
    "zwanzig": 20, "dreissig": 30, "dreißig": 30, "vierzig": 40, "funfzig": 50, "sechzig": 60, "siebzig": 70,
    "achtzig": 80, "neunzig": 90,
}
_UNITS_EN = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}
_TENS_EN = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
# Vague quantity words: reported with count None, never turned into a number.
VAGUE = (
    # "einige hundert", "several hundred": no count (before the single words they start with)
    "(?:einige|einigen|mehrere|mehreren|ein paar|several|a few) (?:hundert|tausend|dutzend|hundred|thousand|dozen)|"
    "dutzende|dutzenden|hunderte|hunderten|tausende|tausenden|mehrere|mehreren|zahlreiche|zahlreichen|etliche|"
    "etlichen|dozens|hundreds|thousands|several|scores|numerous"
)

_DIGITS = r"\d{1,3}(?:[.,']\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?"
_MULTIPLIER = r"(?:\s*(?:millionen|million|mio\.?|milliarden|billion|tausend|thousand))?"
# Candidate number words: any word ending in a German number root ("zweihundertfünfzig",
# "einundzwanzig") or an English one ("twenty-one"); parse_*_word decides.
_GERMAN_ROOTS = "eins|zwei|zwo|drei|vier|funf|sechs|sieben|acht|neun|zehn|elf|zwolf|zig|ssig|ßig|hundert|tausend"
_ENGLISH = "|".join(sorted([*_UNITS_EN, *_TENS_EN], key=len, reverse=True))
_WORD = rf"[a-zß]*(?:{_GERMAN_ROOTS})|(?:{_ENGLISH})(?:-[a-z]+)?"
_QUALIFIER_RE = alternation(sorted((re.escape(p) for p in _QUALIFIER_OF), key=len, reverse=True))

# "ein Zivilist", "one soldier": "one" counts only before a singular person noun
_ONE = (
    r"(?:one|a single|ein|eine|einen|einem|einer)(?= (?:civilian|soldier|serviceman|person|child|man|woman|fighter|"
    r"zivilist|soldat|mensch|person|kind|mann|frau|kampfer)\b)"
)

_NUMBER = (
    rf"(?:(?P<qual>{_QUALIFIER_RE})\s+)?"
    rf"(?:(?P<digits>{_DIGITS}){_MULTIPLIER}(?P<mult_end>)|(?P<vague>{VAGUE})|(?P<one>{_ONE})|(?P<word>{_WORD})"
    r"(?:\s+(?P<word2>hundert|hundred|thousand|tausend|dutzend|dozen))?|(?P<dozen>a dozen|ein dutzend))"
    r"(?![\w])"
)
NUMBER = re.compile(rf"(?<![\w.,])(?P<number>{_NUMBER})")
# The second half of NUMBER's search (tracker.domain.text.finditer_after): after a character
# that may precede a number.
_NUMBER_AFTER = re.compile(rf"[^\w.,](?P<number>{_NUMBER})")


_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")  # "2.300", "2,300"
_SEPARATOR = re.compile(r"[.,]")
_DECIMAL = re.compile(r"\d+[.,]\d+")  # "1,5", "2.5"


@dataclass(slots=True)
class NumberMention:
    start: int  # start of the wording (qualifier included)
    end: int
    num_start: int  # start of the number itself
    count: int | None
    qualifier: str
    vague: bool
    year_like: bool  # a bare 4-digit number that reads as a year (1992, 2010)


def parse_digits(token: str, multiplier: str = "") -> int | None:
    """'2.300' / '2,300' -> 2300; '1,5 Millionen' / '1.5 million' -> 1500000; '2.5' -> None."""
    token = token.replace("'", "")
    if _GROUPED.fullmatch(token):
        value = float(_SEPARATOR.sub("", token))
    elif _DECIMAL.fullmatch(token):
        value = float(token.replace(",", "."))
    else:
        value = float(token)
    m = multiplier.strip().rstrip(".")
    factor = {"millionen": 10**6, "million": 10**6, "mio": 10**6, "milliarden": 10**9, "billion": 10**9,
              "tausend": 1000, "thousand": 1000}.get(m, 1)
    value *= factor
    return int(value) if value == int(value) else None  # "2.5 people" is not a count


def parse_german_word(word: str) -> int | None:
    """Number words up to 999,999: 'zwölf', 'einundzwanzig', 'zweihundertfünfzig', 'hundert'."""
    word = word.replace("ß", "ss")
    if word in _UNITS_DE:
        return _UNITS_DE[word]
    if word in _TENS_DE:
        return _TENS_DE[word]
    if "tausend" in word:
        head, _, tail = word.partition("tausend")
        h = parse_german_word(head) if head else 1
        t = parse_german_word(tail) if tail else 0
        return None if h is None or t is None else h * 1000 + t
    if "hundert" in word:
        head, _, tail = word.partition("hundert")
        h = _UNITS_DE.get(head) if head else 1
        t = parse_german_word(tail) if tail else 0
        return None if h is None or t is None else h * 100 + t
    if "und" in word:
        unit, _, tens = word.partition("und")
        if unit in _UNITS_DE and _UNITS_DE[unit] < 10 and tens in _TENS_DE:
            return _UNITS_DE[unit] + _TENS_DE[tens]
    return None


def parse_english_word(word: str, second: str | None = None) -> int | None:
    """'two', 'twenty-one', 'a hundred' is not handled (no count word), 'two hundred'."""
    if "-" in word:
        tens, _, unit = word.partition("-")
        value = _TENS_EN.get(tens, 0) + _UNITS_EN.get(unit, 0) if tens in _TENS_EN and unit in _UNITS_EN else None
    else:
        value = _UNITS_EN.get(word, _TENS_EN.get(word))
    if value is None:
        return None
    if second in ("hundred", "hundert"):
        return value * 100
    if second in ("thousand", "tausend"):
        return value * 1000
    return value


# German "ein/eine" only count before a singular person noun ("ein Soldat"): handled by
# the casualty rules, so they are not numbers here.
_NOT_NUMBERS = frozenset({"ein", "eine", "one", "null"})


def find_numbers(folded: str, start: int, end: int) -> list[NumberMention]:
    out: list[NumberMention] = []
    for m in finditer_after(NUMBER, _NUMBER_AFTER, folded, start, end):
        qualifier = _QUALIFIER_OF.get(m.group("qual") or "", "exact")
        if m.group("digits"):
            token = m.group("digits")
            multiplier = folded[m.end("digits") : m.start("mult_end")]
            count = parse_digits(token, multiplier)
            if count is None:
                continue
            year_like = not multiplier.strip() and len(token) == 4 and token.isdigit() and 1800 <= int(token) <= 2100
            out.append(NumberMention(m.start("number"), m.end(), m.start("digits"), count, qualifier, False, year_like))
        elif m.group("vague"):
            out.append(NumberMention(m.start("number"), m.end(), m.start("vague"), None, "approximately", True, False))
        elif m.group("dozen"):  # "a dozen": about twelve
            at = m.start("dozen")
            out.append(NumberMention(m.start("number"), m.end(), at, 12, "approximately", False, False))
        elif m.group("one"):
            out.append(NumberMention(m.start("number"), m.end(), m.start("one"), 1, qualifier, False, False))
        else:
            word = m.group("word")
            if word in _NOT_NUMBERS:
                continue
            second = m.group("word2")
            dozens = second in ("dutzend", "dozen")
            count = parse_german_word(word)
            if count is None:
                count = parse_english_word(word, None if dozens else second)
            elif second and not dozens:
                count = count * (100 if second in ("hundert", "hundred") else 1000)
            if count is not None and dozens:  # "zwei Dutzend", "two dozen": about 24
                count, qualifier = count * 12, "approximately" if qualifier == "exact" else qualifier
            if count is not None:
                out.append(NumberMention(m.start("number"), m.end(), m.start("word"), count, qualifier, False, False))
    return out
