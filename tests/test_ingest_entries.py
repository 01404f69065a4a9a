"""Feed entries -> document candidates: ids, plain text, dates with their precision and kind."""

from __future__ import annotations

from feedserver import rss
from hypothesis import given
from hypothesis import strategies as st
from tracker.domain.events import document_id
from tracker.ingest.entries import matches_keywords, parse_feed
from tracker.ingest.htmltext import _SPACES, _collapse_spaces, html_to_text

FETCHED = "2025-07-12T08:00:00.000000Z"


def parse(body: bytes, source: str = "f"):
    return parse_feed(body, {}, source=source, language="de", fetched_at=FETCHED)


def test_html_becomes_readable_plain_text():
    html = (
        "<p>Erster&nbsp;Absatz mit <b>fett</b> und &amp; Zeichen,<br>neue Zeile.</p>"
        "<script>alert(1)</script><style>p{}</style><ul><li>eins</li><li>zwei</li></ul>  Ende  "
    )
    assert html_to_text(html) == "Erster\xa0Absatz mit fett und & Zeichen,\nneue Zeile.\n\neins\n\nzwei\n\nEnde"
    assert html_to_text("  plain   text\n\n\n\nnext  ") == "plain text\n\nnext"


def test_markup_feedparser_is_not_asked_to_sanitise_never_reaches_the_text():
    # parse_feed turns feedparser's sanitiser off (html_to_text drops every tag
    # anyway): script, style and applet contents must still vanish, attributes
    # and relative links leave nothing behind.
    description = (
        '<p onclick="steal()">Vor <a href="/rel">Ort</a>:<script type="text/javascript">var x = "<p>";</script>'
        "<applet code=x.class>Applet-Text</applet><style>p { color: red }</style> 12 Verletzte.</p>"
        '<iframe src="https://ex.org/embed"></iframe><img src="x.png" alt="Bild">'
    )
    (candidate,) = parse(rss([{"guid": "https://ex.org/s", "title": "Titel", "description": description}])).candidates
    assert candidate.text == "Titel\n\nVor Ort: 12 Verletzte."


@given(st.text(alphabet=" \t\r\f\v\u200b\xa0\u2009ab", max_size=30))
def test_skipping_the_space_regex_changes_nothing(line):
    assert _collapse_spaces(line) == _SPACES.sub(" ", line)


def test_ids_from_guid_else_link_else_content():
    body = rss(
        [
            {"guid": "https://ex.org/a", "link": "https://ex.org/a?utm=1", "title": "A", "description": "a"},
            {"guid": "12345", "title": "B", "description": "b"},
            {"link": "https://ex.org/c", "title": "C", "description": "c"},
            {"title": "D", "description": "d"},
        ]
    )
    a, b, c, d = parse(body, source="feed-x").candidates
    assert a.document_id == document_id(guid="https://ex.org/a")
    # An opaque guid is unique only within its feed: the feed's name keeps feeds apart.
    assert b.document_id == document_id(guid="feed-x#12345")
    assert parse(body, source="feed-y").candidates[1].document_id != b.document_id
    assert c.document_id == document_id(link="https://ex.org/c")
    assert d.document_id == document_id(content="D\n\nd")
    assert (a.title, a.text, a.url) == ("A", "A\n\na", "https://ex.org/a?utm=1")


def test_entries_without_anything_and_repeated_ids_are_counted_not_stored():
    body = rss(
        [
            {"guid": "https://ex.org/a", "title": "first", "description": "newest text"},
            {"pubDate": "Sat, 05 Jul 2025 09:30:00 +0200"},  # nothing to store
            {"guid": "https://ex.org/a", "title": "first", "description": "older text"},
        ]
    )
    parsed = parse(body)
    assert (parsed.entries, len(parsed.candidates), parsed.empty, parsed.duplicates) == (3, 1, 1, 1)
    assert parsed.candidates[0].text == "first\n\nnewest text"  # the first occurrence wins


def test_dates_keep_the_publishers_day_and_their_precision():
    body = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">
 <channel rdf:about="x"><title>t</title><link>http://x</link><description>d</description><dc:date>2025-07-11</dc:date></channel>
 <item rdf:about="http://x/1"><title>late evening in Baku</title><link>http://x/1</link>
   <dcterms:issued>2025-07-04T00:30:00+04:00</dcterms:issued></item>
 <item rdf:about="http://x/2"><title>month only</title><link>http://x/2</link><dcterms:issued>2025-07</dcterms:issued></item>
 <item rdf:about="http://x/3"><title>updated only</title><link>http://x/3</link><dc:date>2025-07-09T10:00:00Z</dc:date></item>
 <item rdf:about="http://x/4"><title>no date</title><link>http://x/4</link></item>
</rdf:RDF>"""
    first, month, updated, undated = parse(body).candidates
    # 00:30 in Baku is still 3 July in UTC, but the article's "today" is the 4th.
    assert first.published.model_dump() == {"value": "2025-07-04", "precision": "day", "kind": "published"}
    assert month.published.model_dump() == {"value": "2025-07", "precision": "month", "kind": "published"}
    assert updated.published.model_dump() == {"value": "2025-07-09", "precision": "day", "kind": "updated"}
    assert undated.published.model_dump() == {"value": "2025-07-11", "precision": "day", "kind": "feed"}


def test_rfc822_dates_and_unknown_dates():
    body = rss(
        [
            {"guid": "https://ex.org/1", "title": "t", "pubDate": "Sat, 05 Jul 2025 23:30:00 -0500"},
            {"guid": "https://ex.org/2", "title": "t"},
            {"guid": "https://ex.org/3", "title": "t", "pubDate": "Mon, 01 Jan 2029 10:00:00 GMT"},
        ]
    ).replace(b"<language>en</language>", b"")
    first, undated, future = parse(body).candidates
    assert first.published.model_dump() == {"value": "2025-07-05", "precision": "day", "kind": "published"}
    assert undated.published.model_dump() == {"value": None, "precision": None, "kind": "unknown"}
    assert future.warnings == ("publication date 2029-01-01 lies after the fetch (2025-07-12)",)


def test_ill_formed_feeds_are_read_with_the_problem_recorded():
    body = b"<rss><channel><item><title>one</title><description>text &nbsp; here</description></item>"
    parsed = parse(body)
    assert parsed.problem.startswith("ill-formed feed, read anyway: ")
    assert [c.text for c in parsed.candidates] == ["one\n\ntext here"]
    garbage = parse(b"\x00\xff not a feed at all")
    assert garbage.candidates == [] and garbage.problem.startswith("ill-formed feed, read anyway")


def test_keywords_ignore_case_and_accents():
    (candidate,) = parse(rss([{"guid": "https://ex.org/1", "title": "Kämpfe in Berg-Karabach", "description": "Eriwan meldet ..."}])).candidates
    assert matches_keywords(candidate, None)
    assert matches_keywords(candidate, ["karabach"]) and matches_keywords(candidate, ["KAMPFE"])
    assert not matches_keywords(candidate, ["Aserbaidschan", "Baku"])
