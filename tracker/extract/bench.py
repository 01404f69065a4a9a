"""Extraction speed: documents of about 2,000 characters per second on one core.

The documents are built from the texts below (conflict articles in German and English,
unrelated news in both), so the benchmark needs no files and exercises the full rule
path as well as the early exit for irrelevant text.
"""

from __future__ import annotations

import time

from tracker.domain.dates import DocumentDate

from .pipeline import extract

# Article-like texts (written for this benchmark) with the density of real reporting:
# the seed article has 13 claim reports in 4,700 characters; these have 5 to 7 per
# 2,000 characters, between background sentences that the rules must read and reject.
_RELEVANT_DE = (
    "Sechs Tage nach Beginn der Kämpfe um Berg-Karabach ist keine Entspannung in Sicht. Armenien stehe bereit "
    "für Gespräche innerhalb der Minsk-Gruppe der OSZE, teilte das Außenministerium in Eriwan am Freitag mit. "
    "Bei den Gefechten wurden seit Sonntag fast 200 Menschen getötet, darunter 30 Zivilisten.\n\n"
    "Die Nachbarstaaten machen sich gegenseitig für die Eskalation verantwortlich. Auch am Freitagmorgen hielten "
    "die Gefechte an, aus der Region wurden Explosionen gemeldet. Die Beziehungen zwischen den beiden ehemaligen "
    "Sowjetrepubliken sind seit 1991 angespannt. Damit Aserbaidschan einem Waffenstillstand zustimmen kann, "
    "müsse Armenien seine Truppen abziehen, sagte der türkische Außenminister.\n\n"
    "Wie das Außenministerium in Moskau am Donnerstag mitteilte, telefonierte Sergej Lawrow mit seinem "
    "türkischen Kollegen Mevlüt Çavuşoğlu. Russland gilt historisch als Schutzmacht Armeniens und unterhält "
    "dort einen Militärstützpunkt. Zugleich pflegt Moskau gute Beziehungen zu Aserbaidschan. Am Donnerstag "
    "hatten Russland, Frankreich und die USA an die Konfliktparteien appelliert, die Kampfhandlungen "
    "einzustellen. Die Minsk-Gruppe wird seit 1992 von diesen drei Staaten geleitet; die letzten großen "
    "Verhandlungen waren 2010 gescheitert. Berg-Karabach wird mehrheitlich von Armeniern bewohnt und gilt "
    "völkerrechtlich als Teil Aserbaidschans. "
)
_RELEVANT_EN = (
    "Fighting over Nagorno-Karabakh entered its second week on Sunday with no sign of a truce. Azerbaijan's "
    "prosecutor general's office said 24 civilians had been killed since the fighting began. The Nagorno-Karabakh "
    "defence ministry said another 21 of its servicemen had been killed, bringing the military death toll to "
    "481.\n\nThe region, home to about 150,000 people, broke away from Azerbaijan in a war that ended in 1994. "
    "Both sides accuse each other of shelling residential areas, and independent verification is difficult. "
    "The European Union called on both sides to halt the fighting immediately.\n\n"
    "Putin spoke by phone with Pashinyan on Saturday, the Kremlin said. Russia has a military base in Armenia "
    "and a defence pact with Yerevan, but also sells weapons to Baku. Azerbaijan will only agree to a ceasefire "
    "if Armenian forces withdraw from Nagorno-Karabakh, President Ilham Aliyev told reporters. Turkey has "
    "pledged its full support to Azerbaijan. Analysts say the fighting is the worst since the 1990s, and "
    "diplomats fear a wider regional war drawing in Russia and Turkey. About 3,000 people attended a rally in "
    "Yerevan on Sunday evening. "
)
# Unrelated news: left after the relevance check, as most items of a general feed are.
_UNRELATED = (
    "The central bank left interest rates unchanged on Thursday, citing slowing inflation and a weaker labour "
    "market. Shares in the region rose 1.2 percent, while the euro gained against the dollar. Analysts expect "
    "two more cuts next year. Meanwhile 35,000 runners took part in the city marathon, organisers said. "
)
_UNRELATED_DE = (
    "Die Bundesregierung will den Ausbau der Windkraft beschleunigen. Nach Angaben des Wirtschaftsministeriums "
    "sollen Genehmigungen künftig in sechs Monaten erteilt werden. Auf der Messe in Hannover stellten 350 "
    "Aussteller aus 30 Ländern aus, rund 90.000 Besucher kamen. "
)
KINDS = {"relevant_de": _RELEVANT_DE, "relevant_en": _RELEVANT_EN, "unrelated_en": _UNRELATED, "unrelated_de": _UNRELATED_DE}


def _documents(n_docs: int, size: int = 2000, kinds=tuple(KINDS)) -> list[tuple[str, DocumentDate]]:
    """`n_docs` documents of `size` characters, cycling through `kinds`."""
    docs = []
    for i in range(n_docs):
        base = KINDS[kinds[i % len(kinds)]]
        text = (base * (size // len(base) + 1))[:size]
        # vary the text a little so nothing can be cached by identity
        docs.append((f"{text} ({i})", DocumentDate(value="2020-10-02", kind="published")))
    return docs


def _run(docs) -> tuple[float, int]:
    started = time.process_time()  # CPU time of this process: one core, not wall clock
    reports = sum(len(extract(text, published).reports) for text, published in docs)
    return time.process_time() - started, reports


def bench_extract(n_docs: int = 1000) -> dict:
    """Extract from `n_docs` documents of ~2,000 characters; report throughput (CPU time, one core).

    The main figure is for an even mix of conflict articles (German, English) and
    unrelated news; the relevant-only and unrelated-only rates are reported beside it.
    """
    extract(*_documents(1)[0])  # load the registries outside the timed part
    docs = _documents(n_docs)
    elapsed, reports = _run(docs)
    chars = sum(len(text) for text, _ in docs)
    per_kind = {}
    for kind in KINDS:
        subset = _documents(max(n_docs // 4, 1), kinds=(kind,))
        seconds, _ = _run(subset)
        per_kind[kind] = round(len(subset) / seconds, 1)
    return {
        "docs": n_docs,
        "chars": chars,
        "seconds": round(elapsed, 3),
        "docs_per_s": round(n_docs / elapsed, 1),
        "chars_per_s": round(chars / elapsed),
        "reports": reports,
        "docs_per_s_by_kind": per_kind,
    }


if __name__ == "__main__":  # python -m tracker.extract.bench
    print(bench_extract())
