"""Real news that is not about the conflict must yield no claim report at all.

The feeds in ../shared/corpus/news-feeds are read crudely here (tags stripped by regex):
this tests the extractor, not feed parsing.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tracker.extract import extract

FEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "news-feeds"
_ITEM = re.compile(r"<(item|entry)\b.*?</\1>", re.S | re.I)
_FIELD = re.compile(r"<(title|description|summary|content(?::encoded)?)\b[^>]*>(.*?)</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_ENCODING = re.compile(rb"encoding=[\"']([\w.-]+)[\"']")


def _text(fragment: str) -> str:
    fragment = re.sub(r"<!\[CDATA\[(.*?)\]\]>", r"\1", fragment, flags=re.S)
    for _ in range(2):  # entity-escaped HTML inside XML
        fragment = _TAG.sub(" ", html.unescape(fragment))
    return re.sub(r"[ \t]+", " ", fragment).strip()


def _items(path: Path) -> list[str]:
    raw = path.read_bytes()
    m = _ENCODING.search(raw[:200])
    decoded = raw.decode(m.group(1).decode() if m else "utf-8", errors="replace")
    items = []
    for item in _ITEM.finditer(decoded):
        items.append("\n\n".join(_text(f.group(2)) for f in _FIELD.finditer(item.group())))
    return items


def _feed_files():
    if not FEEDS.is_dir():
        return []
    return sorted(p for p in FEEDS.rglob("*") if p.is_file() and p.suffix in (".xml", ".rss", ".atom"))


@pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/corpus/news-feeds is not available")
@pytest.mark.parametrize("path", _feed_files(), ids=lambda p: p.name)
def test_no_claims_in_unrelated_news(path):
    items = _items(path)
    for text in items:
        result = extract(text)
        assert result.reports == [], (text[:300], result.reports)
    whole = "\n\n".join(items)
    assert extract(whole).reports == []


@pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/corpus/news-feeds is not available")
def test_the_feeds_were_actually_read():
    total = sum(len(_items(p)) for p in _feed_files())
    assert total > 500
