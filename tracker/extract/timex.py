"""Date phrases in the text ("am Freitag", "seit Sonntag", "am Tag zuvor", "on 27 September").

Each phrase becomes a `relation` (see tracker.domain.dates) that `dates.resolve` turns into
a ValidTime against the document date. Phrases are found once per document, because
"am Tag zuvor" refers to the phrase before it and the within-document order of weekdays
needs all of them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker.domain.dates import DocumentDate
from tracker.domain.text import alternation, finditer_after, trie_pattern

WEEKDAYS = {
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5, "sonnabend": 5,
    "sonntag": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}
MONTHS = {
    "januar": 1, "jänner": 1, "janner": 1, "februar": 2, "marz": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12, "january": 1, "february": 2,
    "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "december": 12,
}
_WD = alternation(WEEKDAYS)
_MO = alternation(sorted(MONTHS, key=len, reverse=True))
_SINCE = r"(?P<since>seit|since)\s+(?:dem\s+|last\s+)?"

PHRASE = re.compile(
    r"\b(?:"
    # relative to the previous phrase
    r"(?P<dayref>am tag zuvor|tags zuvor|tags davor|am vortag|einen tag (?:zuvor|vorher|davor|fruher)|"
    r"the day before(?! yesterday)|the previous day|a day earlier|a day before|the day prior)"
    # relative to the document date
    r"|(?P<dbefore2>vorgestern|the day before yesterday)"
    r"|(?P<dbefore1>gestern(?:abend|morgen|nachmittag)?|yesterday)"
    r"|(?P<today>heute|today|tonight|this morning|this evening)"
    # explicit calendar dates: "am 27. September 2020", "27 September", "September 27, 2020"
    rf"|(?:{_SINCE})?(?:am\s+|on\s+|vom\s+)?(?P<d1>\d{{1,2}})\.?\s+(?P<m1>{_MO})(?:\s+(?P<y1>\d{{4}}))?"
    rf"|(?:{_SINCE.replace('since>', 'since2>')})?(?:on\s+)?(?P<m2>{_MO})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?"
    # years and spans of years in the past: "im Jahr 2016", "in 2016", "der Krieg von 1988 bis
    # 1994", "1988-1994", "in den 1990er Jahren", "in the early 1990s" ("seit 1994" is not one:
    # "the worst fighting since 1994" says nothing of when a claim holds)
    r"|(?:(?:von|from|zwischen|between)\s+)?(?P<y_from>(?:19|20)\d\d)\s*(?:-|–|bis|to|und|and)\s*"
    r"(?P<y_to>(?:19|20)\d\d)"
    # not a range of figures: "1900 bis 2000 Tote"
    r"(?!\s+(?:menschen|personen|people|tote|soldat\w*|soldiers|zivilist\w*|civilians|dead))"
    r"|(?:im jahre?|in)\s+(?P<year>(?:19|20)\d\d)(?![.,]?\d)"
    r"|(?:(?:in den|in the|anfang der|ende der|mitte der|early|late|mid-)\s*)*"
    r"(?P<decade>(?:19|20)\d0)(?:er(?: jahre\w*)?|s)"
    # weekdays: "am Freitag", "seit Sonntag", "in der Nacht zum Freitag", "on Thursday", "Freitagmorgen"
    rf"|(?:{_SINCE.replace('since>', 'since3>')})?(?:(?:am|vom|on|last|in der nacht (?:zum|zu|auf)(?: den)?)\s+)?"
    rf"(?P<wd>{_WD})(?:morgen|abend|nachmittag|vormittag|mittag|nacht)?s?(?:\s+(?:morning|evening|afternoon|night))?"
    r")\b"
)

# PHRASE as searched (tracker.domain.text.finditer_after): at a window's start, then after a
# non-word character; the phrase is group "phrase". The same matches ("\b" before a word
# character is "(?<!\w)"), as every alternative begins with a word character.
_PHRASE_AT = re.compile(r"\b(?P<phrase>" + PHRASE.pattern.removeprefix(r"\b") + ")")
_PHRASE_AFTER = re.compile(r"\W(?P<phrase>" + PHRASE.pattern.removeprefix(r"\b") + ")")


# Every phrase contains one of these words (at a word start); PHRASE runs only around them
# (a full pass of PHRASE over a text costs several times more than one trie-shaped pass).
# The extractor finds them in its prefilter pass (lexicon.TRIGGER, category "date").
KEYWORDS = tuple(
    w
    for w in (*WEEKDAYS, *MONTHS, "tag", "tags", "vortag", "day", "gestern", "vorgestern", "heute", "yesterday",
              "today", "tonight", "this morning", "this evening", *(str(y) for y in range(1900, 2100)))
    if w.isascii() or "ß" in w  # "jänner" never occurs in folded text
)
# Keywords that count only as a whole word: no phrase holds "Tage", "Tagen", "days" or
# "daylight", which news text is full of (the others may start a longer word:
# "Freitagmorgen", "Fridays", "gestern" in "gesternabend").
WHOLE_WORD_KEYWORDS = frozenset({"tag", "day"})
_KEYWORD = re.compile(
    r"(?<!\w)(?:"
    + trie_pattern(w for w in KEYWORDS if w not in WHOLE_WORD_KEYWORDS)
    + r"|(?:" + trie_pattern(WHOLE_WORD_KEYWORDS) + r")(?!\w))"
)


_SINCE_BEFORE = re.compile(r"\b(?:since|seit)(?: the| den| dem)?\s+$")


@dataclass(slots=True)
class DatePhrase:
    start: int
    end: int
    text: str  # verbatim
    relation: dict
    order: int | None = None  # day offset within the document (see assign_order)


def find_phrases(text: str, folded: str, keywords: list[tuple[int, int]] | None = None) -> list[DatePhrase]:
    """All date phrases of a document, in order, with `days_before_ref` linked to the phrase before.

    `keywords`: the spans of KEYWORDS in `folded` as `_KEYWORD.finditer` finds them, for a
    caller that has them already.
    """
    if keywords is None:
        keywords = [k.span() for k in _KEYWORD.finditer(folded)]
    out: list[DatePhrase] = []
    for m in _matches(folded, keywords):
        g = m.groupdict()
        since = bool(g["since"] or g["since2"] or g["since3"])
        if g["dayref"]:
            ref = next((p.relation for p in reversed(out) if _day_like(p.relation)), None)
            if ref is None:
                continue  # "the day before" what? nothing to anchor it
            ref = {k: v for k, v in ref.items() if k != "since"}
            relation = {"days_before_ref": 1, "ref": ref}
        elif g["dbefore2"]:
            relation = {"days_before_anchor": 2}
        elif g["dbefore1"]:
            relation = {"days_before_anchor": 1}
        elif g["today"]:
            relation = {"days_before_anchor": 0}
        elif g["wd"]:
            relation = {"weekday": WEEKDAYS[g["wd"]]}
        elif g["y_from"] or g["year"] or g["decade"]:
            relation = {"years": _years(g)}
            start = m.start("phrase")
            if relation["years"] is None or _SINCE_BEFORE.search(folded, max(0, start - 12), start):
                continue  # "the worst fighting since the 1990s" does not date a claim
        else:
            day = int(g["d1"] or g["d2"])
            month = MONTHS[g["m1"] or g["m2"]]
            year = g["y1"] or g["y2"]
            relation = {"month": month, "day": day} | ({"year": int(year)} if year else {})
            if not _valid_day(relation):
                continue
        if since:
            relation["since"] = True
        start, end = m.span("phrase")
        out.append(DatePhrase(start, end, text[start:end], relation))
    return out


def _matches(folded: str, keywords: list[tuple[int, int]]):
    """PHRASE matches (as group "phrase"), searched only in windows around the keywords."""
    cursor = 0
    for k_start, k_end in keywords:
        if k_start < cursor:
            continue
        # a phrase may start a few words before its keyword ("in der Nacht zum Freitag",
        # "seit dem 27. September") and end a little after it ("Freitagmorgen", "2020")
        start, end = max(cursor, k_start - 40), min(len(folded), k_end + 30)
        for m in finditer_after(_PHRASE_AT, _PHRASE_AFTER, folded, start, end):
            if m.end() > k_start and m.start("phrase") < k_end:
                yield m
                cursor = m.end()
                break



def assign_order(phrases: list[DatePhrase], published: DocumentDate | None) -> None:
    """Give each phrase a day offset so that a document's own statements can be ordered.

    With a document date known to the day, offsets are exact. Otherwise the reference day
    is taken to be the first weekday the text names outside a "seit/since" phrase (news
    leads name the day of the report first), and other weekdays are placed in the week
    before it: Wednesday (-2) before Thursday (-1) before Friday (0).
    """
    anchor_day = (
        dt.date.fromisoformat(published.value)
        if published is not None and published.precision == "day" and published.value
        else None
    )
    ref_weekday = anchor_day.weekday() if anchor_day else next(
        (p.relation["weekday"] for p in phrases if "weekday" in p.relation and not p.relation.get("since")), None
    )
    for p in phrases:
        p.order = _offset(p.relation, ref_weekday, anchor_day)


def _offset(relation: dict, ref_weekday: int | None, anchor_day: dt.date | None) -> int | None:
    if "weekday" in relation:
        return None if ref_weekday is None else -((ref_weekday - relation["weekday"]) % 7)
    if "days_before_anchor" in relation:
        return -relation["days_before_anchor"]
    if "days_before_ref" in relation:
        base = _offset(relation["ref"], ref_weekday, anchor_day)
        return None if base is None else base - relation["days_before_ref"]
    if "month" in relation and anchor_day is not None:
        year = relation.get("year") or (anchor_day.year - (relation["month"] > anchor_day.month))
        try:
            return (dt.date(year, relation["month"], relation["day"]) - anchor_day).days
        except ValueError:
            return None
    return None


def _years(g: dict) -> list[int] | None:
    """[first, last] of a year phrase; None for a span that runs backwards ("2020-1994")."""
    if g["decade"]:
        return [int(g["decade"]), int(g["decade"]) + 9]
    if g["year"]:
        return [int(g["year"])] * 2
    first, last = int(g["y_from"]), int(g["y_to"])
    return [first, last] if first < last else None


def _day_like(relation: dict) -> bool:
    return any(k in relation for k in ("weekday", "month", "days_before_anchor", "days_before_ref"))


def _valid_day(relation: dict) -> bool:
    try:
        dt.date(relation.get("year", 2000), relation["month"], relation["day"])
        return True
    except ValueError:
        return False
