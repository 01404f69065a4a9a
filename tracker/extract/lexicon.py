"""Vocabulary of the rules, German and English, as compiled regexes over folded text.

Folded means lower case without accents ("getötet" is "getotet", "Kämpfer" "kampfer");
"ß" stays. Keep every word list here so the rule modules read as rules.
"""

from __future__ import annotations

import re

from tracker.domain.conflict import OTHER_INCIDENT
from tracker.domain.text import WordStarts, alternation

from . import timex


def _words(*alternatives: str) -> re.Pattern:
    return re.compile(r"\b(?:" + alternation(alternatives) + r")\b")


def _named(*parts: tuple[str, re.Pattern]) -> re.Pattern:
    r"""One search for several `_words` patterns; `lastgroup` names the one that matched.

    The patterns' leading "\b" is checked once for all: Python's regex engine would
    otherwise enter every group at every position of the text only to fail on it.
    """
    groups = []
    for name, rx in parts:
        assert rx.pattern.startswith(r"\b"), name
        groups.append(f"(?P<{name}>{rx.pattern[2:]})")
    return re.compile(r"\b(?:" + "|".join(groups) + ")")


# --- attribution ---------------------------------------------------------------------
SPEECH_VERB = _words(
    r"sagte\w*", "sagt", "sagen", r"erklarte\w*", "erklart", r"teilte\w*", r"mitteilte\w*", "mitgeteilt",
    r"meldete\w*", "meldet", "gemeldet", r"berichtete\w*", "berichtet", r"betonte\w*", r"sprach\w* von",
    r"bezifferte\w*", "beziffert", r"nannte\w*", "nennt", r"bestatigte\w*", "bestatigt", "gab", "gaben", "angegeben", r"hie(?:ss|ß) es",
    r"verlautete\w*", r"schrieb\w*", r"twitterte\w*", r"warnte\w*", r"behauptete\w*", "behauptet",
    r"raumte\w* ein", r"zahlte\w*", r"befurchtet\w*", r"schatzt\w*", r"schatzte\w*", "said", "says", "told",
    "tells", "stated", "announced", "reported",
    "claimed", "added", "confirmed", "tweeted", "wrote", "warned", "insisted", "estimated", "estimates", "counted",
    "put", "puts", "fears", "feared", "believes",
    r"put the (?:death )?toll",
)
# Prepositional attributions: the agent follows ("laut X", "according to X"), or precedes ("X zufolge").
SOURCE_BEFORE_AGENT = _words(
    "laut", r"nach angaben(?: de[rsmn]| von)?", "according to", "citing", "so", r"nach informationen(?: de[rs])?",
    r"nach (?:einschatzung|schatzung\w*|darstellung|aussage\w*|worten)(?: de[rsmn]| von)?",
    r"(?:in|by) the (?:estimate|assessment|account) of",
)
SOURCE_AFTER_AGENT = _words("zufolge")
ADJECTIVE_SOURCE = _words(
    r"nach \w+(?:en|er) (?:angaben|informationen|darstellung)",
    r"according to \w+ (?:figures|officials|sources|data)",
)
OWN_ACCOUNT = _words(r"nach eigenen angaben", r"by (?:its|their|his|her) own account")
ANAPHOR = _words(
    "er", "he", "she", r"der (?:diplomat|minister|politiker|prasident|regierungschef|sprecher|chef)",
    r"die (?:diplomatin|ministerin|politikerin|prasidentin|sprecherin)",
    r"the (?:diplomat|minister|official|president|premier|spokesman|spokeswoman|envoy|leader)",
)
# Fillers allowed in an attribution-only clause besides the agent, the verb and dates.
FILLER_WORDS = frozenset(
    "am an on der die das den dem des the a in im zudem indes auch also wie as mit reporters journalisten to "
    "statement erklarung mitteilung einer abend morgen later spater es hiess hieß hinzu ein late early fruh dass "
    "that laut so citing".split()
)
KONJUNKTIV = _words(
    "sei", "seien", "habe", "hätten", "hätte", "müsse", "müssten", "wolle", "wollten", "könne", "könnten", "solle",
    "sollten", "dürfe", "werde", "würden", "würde", "stehe", "stünden", "stünde", "gebe", "gäbe", "bekomme", "liege",
    "komme", "gehe", "halte", "lehne", "fordere", "unterstütze", "verlange", "brauche", "trage", "wisse", "wäre",
    "wären",
)

# --- prepositions: a mention after these is not the subject of the clause ---------------
PREPOSITION_WORDS = frozenset(
    "an mit gegen zwischen fur von vom aus nach zu zum zur bei beim um uber in im auf unter durch innerhalb "
    "ausserhalb außerhalb within under via to with against between for from on upon of by at into toward towards about "
    "over among than als".split()
)
DETERMINER_WORDS = frozenset(
    "der die das den dem des ein eine einen einem einer sein seine seinen seinem seiner ihr ihre ihren ihrem ihrer "
    "the a an his her their its beide beiden both".split()
)
CONTACT_EXCLUDED_PREPOSITION = _words(
    "uber", "zu", "zum", "zur", "in", "im", "nach", "aus", "von", "vom", "an", "auf", "gegen", "fur", "um",
    "about", "on", "over", "in", "at", "to", "from", "of", "into", "against", "for", "regarding",
)
GENITIVE_LINK = re.compile(r"\s+(?:der|des|of|of the)\s+$")
LIST_LINK = re.compile(r"^\s*(?:,|und|and|sowie|oder|or)?\s*(?:der|die|das|den|dem|des|the)?\s*$")
PARTY_GROUP = _words(
    # spelt out, not "(?:die |beide |beiden )?konfliktparteien": an alternative that opens
    # with a group is tried at every position, one with a letter only where that letter is
    "die konfliktparteien", "beide konfliktparteien", "beiden konfliktparteien", "konfliktparteien",
    r"beide seiten", "both sides", "both parties", "the warring sides",
    "the warring parties", "the parties to the conflict", r"die beiden nachbarstaaten", r"die kriegsparteien",
)

# --- casualties ------------------------------------------------------------------------
# "lost"/"verloren" count the dead, unless what was lost follows ("lost their jobs").
_LOST_NOT_LIVES_EN = (
    r"\s+(?:their|his|her|its|the)\s+(?:jobs?|homes?|houses?|livelihoods?|land|property|seats?|power)\b"
)
_LOST_NOT_LIVES_DE = (
    r"\s+(?:ihre?n?|seine?n?|die|den|das)\s+"
    r"(?:arbeit|jobs?|arbeitsplatze?|hauser|haus|zuhause|heimat|wohnung\w*|macht)\b"
)
KILLED = _words(
    r"getotet\w*", r"tote[nrs]?", r"todesopfer\w*", r"gefallene\w*", "gefallen", "fielen", r"ums leben",
    "starben", "gestorben", r"umgekommen\w*", "tod", r"leichen?", r"killed", "dead", "died", r"deaths?",
    "fatalities", r"death toll", r"lost their lives", "perished", "slain", "todlich verletzt",
    r"totenzahl", r"opferzahl", r"todeszahl",
    rf"lost(?!{_LOST_NOT_LIVES_EN})", rf"verlor\w*(?!{_LOST_NOT_LIVES_DE})",
)
WOUNDED = _words(
    r"verletzt\w*", r"verwundet\w*", r"schwerverletzt\w*", r"wounded", r"injured", r"injuries", r"hurt",
)
MISSING = _words(r"vermisst\w*", r"missing", r"unaccounted for")
CIVILIANS = _words(
    r"zivilist\w*", r"zivilperson\w*", r"zivilbevolkerung", r"einwohner\w*", r"bewohner\w*", r"kinder\w*", "kind",
    r"frauen", r"civilians?", r"children", r"child", r"residents?", r"women", r"inhabitants", r"zivile\w*",
    "civilian",
)
MILITARY = _words(
    r"soldat\w*", r"militars", r"armeeangehorig\w*", r"militarangehorig\w*", r"kampfer\w*", r"separatist\w*",
    r"soldiers?", r"servicem[ae]n", "troops", r"fighters?", r"military personnel", r"service ?members?",
    r"militants?", r"conscripts?", r"wehrpflichtig\w*", r"offizier\w*", "officers", r"militarische\w*",
    r"military", r"soldiers'?", r"rekrut\w*", r"sicherheitskrafte\w*", r"mercenar\w*", r"soldner\w*",
    r"forces", r"streitkrafte\w*", r"truppen",
)
# "17 Tote in den eigenen Reihen": among one's own forces
MILITARY_CONTEXT = _words(r"in den eigenen reihen", r"in (?:its|their) (?:own )?ranks", r"an der front", r"at the front")
PEOPLE = _words(
    r"menschen", r"personen", r"people", r"persons", r"leute", r"opfer[n]?", r"victims", r"journalist\w*",
    r"reporter\w*", r"helfer\w*", r"aid workers?", r"sanitater\w*", r"medics?", r"arzte\w*", r"doctors?",
)
# After a number: units and nouns that make it something other than people harmed.
NOT_PEOPLE_AFTER = re.compile(
    r"\s*(?:%|-?prozent|percent|per cent|prozentpunkte|euro|eur\b|dollar|usd|\$|rubel|manat|dram|lira|"
    r"km|kilomet\w*|meilen|miles|meter\w*|metres?|uhr|o'clock|stunden?|hours?|minuten|minutes|sekunden|"
    r"tage[ns]?|days?|wochen|weeks?|monate[ns]?|months?|jahre[ns]?|years?|jahrzehnte\w*|decades?|"
    r"-jahrig\w*|-year\w*|-day\w*|-tag\w*|-stund\w*|-hour\w*|-week\w*|-month\w*|-fach\w*|mal\b|times\b|"
    r"panzer\w*|drohnen?|drones?|tanks?|raketen?|rockets?|missiles?|granaten|geschutze?|flugzeuge?|aircraft|"
    r"dorfer|villages?|orte|stadte|towns?|siedlungen|hauser|houses|gebaude|buildings|"
    r"ha\b|hektar|tonnen|tons|resolution\w*|teilnehmer\w*|laufer\w*|aussteller\w*|besucher\w*|zuschauer\w*|"
    r"gaste\w*|guests?|attendees?|runners?|exhibitors?|visitors?|spectators?|delegates?|delegierte\w*|"
    r"firmen|companies|lander\w*|countries|staaten|states|mitglieder\w*|members?|stimmen|votes|sitze|seats|"
    r"kinds?|sorten|arten|punkte?|points?|tore?|goals?)\b"
)
MONEY_BEFORE = re.compile(r"(?:\$|€|£|usd|eur|us-\$)\s*$")
IDENTIFIER_BEFORE = re.compile(r"\b(?:nr\.?|no\.?|nummer|number|resolution|platz|rang|seite|page|kapitel|artikel|article)\s*$")
PART_OF_BEFORE = re.compile(
    r"\b(?:darunter|unter ihnen|davon|among them|among whom|including|of whom|of them|of which)\s*$"
)
OWN_SIDE = _words(
    r"eigene\w*", r"seine[nmrs]?", r"ihre[nmrs]?", "its", "their", "own", "its own", "their own", "our", r"unsere\w*",
)
ENEMY_SIDE = _words(r"feindlich\w*", r"gegnerisch\w*", r"des gegners", r"enemy", r"the other side", r"der gegenseite")
BOTH_SIDES = _words(r"auf beiden seiten", r"beider seiten", r"beiderseits", r"on both sides", r"on either side", r"both sides'")
INCIDENT = _words(
    r"bei einem \w+", r"bei dem \w+angriff", r"in an? \w+ (?:attack|strike|clash|shelling|explosion)",
    r"when (?:a|an|shells|rockets|missiles)", r"als (?:eine?|granaten|raketen)", r"bei einem angriff",
    r"drohnenangriff\w*", r"raketenangriff\w*", r"in a (?:drone|missile|rocket) strike",
)
CUMULATIVE = _words(
    r"seit beginn\w*", r"seit dem beginn", r"seit ausbruch", r"seit sonntag", r"seit \w+tag", r"bislang", "bisher",
    r"insgesamt", r"mittlerweile", r"inzwischen", r"since the (?:start|beginning|outbreak)", r"since \w+day",
    r"so far", r"in total", r"to date", r"death toll", r"totenzahl", r"since (?:the )?fighting", r"since the war",
    r"since fighting", r"seit den", r"im (?:gesamten )?krieg", r"in the (?:\w+[- ])?(?:day |week )?war",
    r"bringing", r"total", r"gesamtzahl\w*", r"gesamtbilanz", r"overall (?:toll|number|figure|death toll)",
    # a toll that rises is a running total ("stieg auf 350", "rose to 350")
    r"stieg\w* (?:\w+ )?auf", r"gestiegen", r"(?:rose|risen|climbed|increased) to",
)
INCREMENT = _words(r"weitere\w*", r"another", r"further", r"additional", r"more")
DENIAL = _words(
    r"wies\w* .{0,80}zuruck", r"zuruckgewiesen", r"dementiert\w*", r"dementi", r"bestritt\w*", r"bestreitet",
    r"bestritten", r"denied", r"denies", r"dismissed", r"rejected (?:reports|claims)", r"false", r"falsch\w*",
    r"propaganda", r"erfunden", r"fabricated",
)
REPORT_NOUN = _words(r"berichte\w*", r"angaben", r"meldungen", r"behauptung\w*", r"reports?", r"claims?")
# --- ceasefire positions -------------------------------------------------------------------
CEASEFIRE = re.compile(
    r"\b(?:"
    + alternation([
        r"waffenstillstand\w*", r"waffenruhe\w*", r"feuerpause\w*", r"feuereinstellung\w*", r"kampfpause\w*",
        r"(?:einstellung|ende|beendigung|stopp) (?:der|aller) (?:kampfhandlungen|kampfe|gewalt|feindseligkeiten|gefechte)",
        r"(?:kampfhandlungen|kampfe|feindseligkeiten|gefechte|gewalt|militaroperation\w*|operation\w*|offensive\w*|"
        r"angriffe)\b[^.,;]{0,60}?\b(?:einzustellen|einstellen|einstellt|zu beenden|beenden|beendet|zu stoppen|"
        r"stoppen|aussetzen|auszusetzen)",
        r"ceasefire\w*", r"cease-fire\w*", r"truce\w*", "armistice",
        r"(?:halt|stop|end|cease|cessation of|end to|stop to|halt to|suspend)\s+(?:the\s+|all\s+|its\s+|their\s+)?"
        r"(?:military\s+)?(?:fighting|hostilities|violence|clashes|bloodshed|offensive|operations?|attacks)",
        r"(?:fighting|hostilities)\s+(?:to\s+)?(?:stop|end|cease)",
    ])
    + ")"
)
TALKS = _words(
    r"verhandlung\w*", r"\w*verhandlungen", r"gesprach\w*", r"friedensgesprach\w*", r"verhandlungstisch\w*",
    r"vermittlung\w*", r"vermittler\w*", r"vermitteln", r"zu verhandeln", r"verhandeln", r"dialog\w*", r"talks",
    r"negotiat\w*", r"mediat\w*", r"dialogue",
    r"peace process", r"\w+-verhandlungen", r"kompromiss\w*", r"compromises?",  # "zu Kompromissen bereit"
    # a settlement by talks ("schloss eine diplomatische Lösung aus")
    r"(?:diplomatische\w*|politische\w*|friedliche\w*|verhandelte\w*) losung\w*",
    r"(?:diplomatic|political|peaceful|negotiated) (?:solution|settlement)",
)
CALL = _words(
    r"appell\w*", r"rief\w* [^.;!?\n]{0,120}?\bauf", r"ruft\w* [^.;!?\n]{0,120}?\bauf", r"aufgerufen", r"aufruf\w*",
    r"fordert\w*", r"forderung\w*", r"aufgefordert", r"gefordert", r"aufforderung\w*", r"verlangt\w*",
    r"drangt\w*", r"zu drangen", r"drangen auf", r"dringt\w* auf", r"mahnt\w*", r"pladiert\w*",
    r"wolle\w* [^.;!?\n]{0,120}?\berreichen", r"will [^.;!?\n]{0,120}?\berreichen",
    r"setzt\w* sich [^.;!?\n]{0,60}?\bein",
    r"call\w* (?:on|for|upon)", r"calling (?:on|for)", r"urge[sd]?", "urging", r"appeal\w*", r"demand\w*",
    r"press\w* for",
    r"push\w* for", r"want\w* [^.;!?\n]{0,60}?(?:ceasefire|truce)",
)
READY = _words(  # "bereit", not "bereits" (already)
    "bereit", r"bereitschaft", r"bereiterklar\w*", "ready", "willing", "prepared", r"open to", r"offen fur",
    r"bot\w* [^.;!?\n]{0,80}?\ban", "angeboten", r"offer(?:ed|s|ing)? to",
)
REJECT = _words(
    r"lehnt\w* [^.;!?\n]{0,120}?\bab", r"abgelehnt", r"ablehn\w*", r"ablehnung", r"zuruckgewiesen",
    r"wies\w* [^.;!?\n]{0,120}?\bzuruck",
    r"zuruckweis\w*", r"schloss\w* [^.;!?\n]{0,120}?\baus", r"schlie(?:ss|ß)t [^.;!?\n]{0,120}?\baus",
    r"ausgeschlossen",
    r"reject\w*", r"refus\w*", r"ruled out", r"rules out", r"rule out", r"dismiss\w*", r"unwilling", "not ready",
    r"nicht bereit", r"not prepared", r"not willing",
    # A negated agreement is a rejection: "would not accept a ceasefire", "keine Waffenruhe akzeptieren".
    # (Found before the agreement inside it: the leftmost match wins.)
    r"(?:not|never|cannot|won't|wouldn't|can't) (?:accept\w*|agree\w*)",
    r"nicht (?:zu )?(?:akzeptier\w*|zustimm\w*|zugestimmt|einverstanden)",
    r"kein\w* [^.;!?\n]{0,60}?\bakzeptier\w*",
)
# "schloss Verhandlungen nicht aus", "did not rule out": a negated rejection is readiness.
NEGATED_REJECT = _words(
    r"schloss\w* [^.;!?\n]{0,120}?\bnicht (?:\w+ ){0,2}aus",
    r"schlie(?:ss|ß)t [^.;!?\n]{0,120}?\bnicht (?:\w+ ){0,2}aus",
    r"nicht (?:\w+ ){0,2}ausgeschlossen",
    r"(?:not|never) (?:rule|ruled) out", r"did not reject", r"nicht abgelehnt",
)
# Verbs of agreeing; the nouns ("agreement", "Einigung") only with a verb of reaching them,
# so "talks that ended in an agreement" does not make the host a party to it.
AGREE = _words(
    r"vereinbart\w*", r"vereinbarten", r"einigt\w*", "geeinigt", r"stimmt\w* [^.;!?\n]{0,120}?\bzu", r"zugestimmt",
    r"zustimm\w*", r"akzeptiert\w*", r"unterzeichn\w*", r"agree[ds]?", "agreeing", r"accept\w*", "signed",
    r"sign\w* up", r"(?:erzielt\w*|schloss\w*) (?:eine |die )?(?:einigung|vereinbarung)",
    r"(?:reached|struck|concluded) (?:an? |the )?(?:\w+ )?(?:agreement|deal)", "committed to",
)
CONDITION = _words(
    "wenn", "falls", "sofern", "solange", r"unter der bedingung", "vorausgesetzt", r"voraussetzung\w*",
    r"bedingung", r"erst wenn", r"nur wenn", "damit", r"abhangig", "bevor", "ehe", "if", r"only if", "provided",
    r"providing", r"on condition", r"as long as", "unless", "until", r"conditional on", r"precondition\w*",
    r"in exchange for",
)

# --- diplomatic contacts -------------------------------------------------------------------
CONTACT = {
    "phone_call": _words(
        r"telefonat\w*", r"telefoniert\w*", r"telefongesprach\w*", "telefonisch", r"am telefon",
        r"phone (?:call|conversation|talks)", r"telephone (?:call|conversation)", r"by (?:tele)?phone", "phoned",
        r"call with", r"angerufen", r"rief\s+[^.;!?\n,]{0,60}?\s+an",
        # only with an actor as object ("Macron called Pashinyan", "spoke with Aliyev"), see contacts.py
        r"called", r"calls", r"spoke (?:with|to)", r"speaks (?:with|to)",
    ),
    "joint_statement": _words(
        r"gemeinsame\w* erklarung\w*", r"gemeinsam erklart\w*", r"gemeinsame\w* stellungnahme\w*",
        r"joint statement", r"joint declaration", r"joint communique",
    ),
    "press_conference": _words(
        r"pressekonferenz\w*", r"pressebegegnung\w*", r"press conference", r"news conference", r"press briefing",
    ),
    "meeting": _words(
        r"treffen", r"traf", r"trafen", r"getroffen", r"zusammengetroffen", r"zusammenkunft", r"begegnung",
        r"gipfel\w*", r"empfing", r"met", r"meets", r"meeting", r"summit", r"held talks", r"hielten gesprache",
        r"hosted", r"hosts",
        # a virtual meeting is a meeting
        r"video ?conference\w*", r"video call\w*", r"videokonferenz\w*", r"videoschalte\w*", r"videogesprach\w*",
        r"kamen [^.;!?\n]{0,60}?zusammen", r"kam [^.;!?\n]{0,60}?zusammen",
    ),
}
NOT_HAPPENED = _words(
    "nicht", "kein", "keine", r"not", r"no", r"never", r"geplant", r"planned", r"plant\w*", r"plans?", r"will",
    r"wird", r"werden", r"would", r"soll\w*", r"expected to", r"to meet", r"sich treffen wollen", r"wollen",
    r"abgesagt", r"cancel\w*", r"vorgeschlagen", r"proposed",
)
TOPIC = re.compile(
    r"\b(?:uber|zum thema|about|to discuss|discussed|regarding|concerning|on the (?:situation|conflict|fighting|issue))\s+"
)
# "eine gemeinsame Erklärung zu Berg-Karabach": "zu"/"on" only right after the trigger
TOPIC_NEAR = re.compile(r"\s+(?:zu|zur|zum|on)\s+(?!the sidelines\b|the margins\b|am rande\b)")
TOPIC_TAIL = re.compile(r"\s+(?:zu (?:sprechen|beraten|diskutieren|reden|verhandeln))$")
OUTCOME = _words(
    r"vereinbarten", r"einigten sich\w*", r"bekraftigten", r"betonten", r"agreed", r"expressed", r"reaffirmed",
    r"stressed", r"affirmed",
)

# One search per sentence for every kind of attribution (the first alternative wins, so
# "nach eigenen Angaben" is not read as "nach <adjective> Angaben").
ATTRIBUTION = _named(
    ("own", OWN_ACCOUNT), ("adjective", ADJECTIVE_SOURCE), ("before", SOURCE_BEFORE_AGENT),
    ("after", SOURCE_AFTER_AGENT), ("verb", SPEECH_VERB),
)
# Stance cues in one search; a negated rejection comes first ("schloss ... nicht aus").
STANCE = _named(
    ("negated_reject", NEGATED_REJECT), ("rejects", REJECT), ("agreed", AGREE),
    ("calls_for_ceasefire", CALL), ("ready_to_negotiate", READY),
)
CONTACT_ANY = _named(*CONTACT.items())
MEASURE = _named(("killed", KILLED), ("wounded", WOUNDED), ("missing", MISSING))

# --- prefilter ---------------------------------------------------------------------------
# Python's regex engine pays per character and per top-level alternative, so scanning a
# text once per pattern above is slow. Instead one trie-shaped pass finds every word that
# may start a match, by category; a rule skips sentences without its category.
# Stems match as word prefixes. tests/test_extract_lexicon.py checks that they cover every
# match of the patterns they stand for.
TRIGGER_STEMS: dict[str, tuple[str, ...]] = {
    # A stem may sit anywhere inside a match ("not rule out" -> "rule"), so very common
    # words are avoided. "$" marks a stem that must be a whole word ("so", not "Soldaten").
    "casualty": (
        "getotet", "tot", "tod", "gefallen", "fielen", "ums", "starb", "gestorben", "umgekommen", "leiche", "killed",
        "dead", "died", "death", "fatalit", "killing", "lost$", "perish", "slain", "opferzahl", "verlor", "verletz",
        "verwund", "schwerverletz", "wounded", "wounding", "injur", "hurt", "vermisst", "missing", "unaccounted",
    ),
    "position": (
        "waffenstillstand", "waffenruhe", "feuerpause", "feuereinstellung", "kampfpause", "kampfhandlungen", "kampfe",
        "feindseligkeiten", "gefechte", "gewalt", "militaroperation", "operation", "offensive", "angriffe",
        "ceasefire", "cease-fire", "truce", "armistice", "fighting", "hostilities", "violence", "clashes",
        "bloodshed", "attacks", "verhand", "gesprach", "friedens", "vermittl", "vermitteln", "dialog", "talks",
        "negotiat", "mediat", "peace", "losung", "solution", "settlement", "kompromiss", "compromise",
    ),
    "stance": (
        "schloss", "schliesst", "schließt", "lehnt", "abgelehnt", "ablehn", "zuruckgewiesen", "wies", "zuruckweis",
        "ausgeschlossen", "reject", "refus", "ruled", "rule", "dismiss", "unwilling", "vereinbar", "einigt",
        "geeinigt", "stimmt", "zugestimmt", "zustimm", "akzeptier", "unterzeichn", "agree", "accept", "sign",
        "erzielt", "reached", "struck", "concluded", "committed", "appell", "rief", "ruft", "aufgerufen", "aufruf",
        "aufgefordert", "gefordert", "aufforderung",
        "fordert", "forderung", "verlangt", "drangt", "drangen", "dringt", "mahnt", "pladiert", "erreichen", "setzt", "call",
        "urg", "appeal", "demand", "press", "push", "want", "bereit", "ready", "willing", "prepared", "open$",
        "offen$", "bot", "angeboten", "offer",
    ),
    "condition": (
        "wenn", "falls", "sofern", "solange", "vorausgesetzt", "voraussetzung", "bedingung", "damit", "abhangig",
        "bevor", "ehe$", "if$", "provided", "providing", "condition", "long$", "unless", "until", "precondition",
        "exchange",
    ),
    "contact": (
        "telefon", "phone", "telephone", "call", "angerufen", "rief", "gemeinsam", "joint", "pressekonferenz",
        "pressebegegnung", "press",
        "news", "treffen", "traf$", "trafen", "getroffen", "zusammengetroffen", "zusammenkunft", "begegnung",
        "gipfel",
        "empfing", "met$", "meets", "meeting", "summit", "held$", "hielten", "zusammen", "hosted", "hosts",
        "spoke", "speaks", "video", "videokonferenz", "videoschalte", "videogesprach",
    ),
    # The words every date phrase contains (timex.find_phrases searches around them).
    "date": tuple(f"{w}$" if w in timex.WHOLE_WORD_KEYWORDS else w for w in timex.KEYWORDS),
    # Stems for single patterns that the rules search in many sentences and clauses.
    "party_group": ("konfliktpartei", "seiten", "both", "warring", "parties", "nachbarstaaten", "kriegspartei"),
    "both_sides": ("seiten", "beiderseits", "both", "either"),
    "denial": (
        "wies", "zuruckgewiesen", "dementi", "bestrit", "bestreitet", "denied", "denies", "dismissed", "rejected",
        "false", "falsch", "propaganda", "erfunden", "fabricated",
    ),
    "other_incident": (
        "schiesserei", "schießerei", "amok", "schutze", "attentater", "terroranschlag", "krawall", "unruhen",
        "demonstrant", "unfall", "verkehrsunfall", "absturz", "abgesturzt", "erdbeben", "lawine", "hochwasser",
        "uberschwemmung", "unwetter", "hurrikan", "wirbelsturm", "tornado", "brand", "grossbrand", "großbrand",
        "feuerwehr", "corona", "covid", "pandemi", "virus", "kartell", "banden", "polizei", "shooting", "shooter",
        "gunm", "rampage", "riot", "protester", "accident", "crash", "earthquake", "avalanche", "flood", "hurricane",
        "wildfire", "blaze", "cartel", "gang", "police",
    ),
    "speech": (
        "sagt", "sagen", "erklar", "teilte", "mitteilte", "mitgeteilt", "meldet", "gemeldet", "bericht", "betont",
        "sprach", "beziffert", "nannte", "nennt$", "bestatigt", "gab$", "gaben$", "angegeben", "hiess", "hieß", "verlautete", "schrieb",
        "twitterte", "warnte", "behauptet", "raumte", "zahlte", "befurchtet", "schatzt", "said", "says", "told",
        "tells", "stated", "announced", "reported", "claimed", "added", "confirmed", "tweeted", "wrote", "warned",
        "insisted", "estimate", "counted", "fear", "believes", "put$", "puts$", "laut$", "angaben", "informationen",
        "darstellung", "according", "citing", "so$", "zufolge", "account", "figures", "officials", "sources", "data",
        "einschatzung", "schatzung", "aussage", "worten", "assessment",
    ),
}
# Which detailed patterns each category stands for (checked by the coverage test).
TRIGGER_PATTERNS: dict[str, tuple[re.Pattern, ...]] = {
    "casualty": (KILLED, WOUNDED, MISSING),
    "position": (CEASEFIRE, TALKS),
    "stance": (NEGATED_REJECT, REJECT, AGREE, CALL, READY),
    "condition": (CONDITION,),
    "contact": tuple(CONTACT.values()),
    "speech": (SPEECH_VERB, SOURCE_BEFORE_AGENT, SOURCE_AFTER_AGENT, OWN_ACCOUNT, ADJECTIVE_SOURCE),
    "party_group": (PARTY_GROUP,),
    "both_sides": (BOTH_SIDES,),
    "denial": (DENIAL,),
    "other_incident": (OTHER_INCIDENT,),
    "date": (timex.PHRASE,),
}
# The category to ask before searching one of these patterns (Document.first / all).
CATEGORY_OF: dict[int, str] = {id(rx): category for category, rxs in TRIGGER_PATTERNS.items() for rx in rxs}


def _stem_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for category, stems in TRIGGER_STEMS.items():
        for stem in stems:
            index.setdefault(stem.rstrip("$"), set()).add(category)
    # The trie matches the longest stem; it must also carry the categories of its prefixes
    # (whole-word stems only when they are the whole match, see Document._triggers).
    prefix_stems = {stem for stems in TRIGGER_STEMS.values() for stem in stems if not stem.endswith("$")}
    return {
        stem: frozenset(
            c for other, cats in index.items() if stem == other or (stem.startswith(other) and other in prefix_stems)
            for c in cats
        )
        for stem in index
    }


STEM_CATEGORIES = _stem_index()
# Stems that count only as a whole word.
WHOLE_WORD_STEMS = frozenset(
    stem.rstrip("$") for stems in TRIGGER_STEMS.values() for stem in stems if stem.endswith("$")
) - {stem for stems in TRIGGER_STEMS.values() for stem in stems if not stem.endswith("$")}
TRIGGER_WORDS = WordStarts(STEM_CATEGORIES)
TRIGGER = re.compile(TRIGGER_WORDS.pattern)  # the same matches (TRIGGER_WORDS finds them faster)
# A date keyword found by TRIGGER must end where timex's own keyword search ends it: no
# stem of another category may extend one.
assert not [
    (stem, word) for word in timex.KEYWORDS for stem in STEM_CATEGORIES if stem != word and stem.startswith(word)
    and stem not in timex.KEYWORDS
]
