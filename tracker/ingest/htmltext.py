"""HTML to plain text for feed entries.

Feed summaries and content are HTML fragments as the feed carries them (we
ask feedparser not to sanitise them: nothing here is ever rendered, and every
tag is dropped). Claim quotes and spans index the plain text, so it must read
like the article: block elements become paragraph breaks, <br> a line break,
entities become characters, the contents of script, style and the like vanish,
and runs of spaces collapse. A lone non-breaking space stays: "2\xa0300" is a number.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset(
    "address article aside blockquote caption dd div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "applet"})
# A lone non-breaking space stays (it binds "2\xa0300"); one inside a run of
# other spaces is just more space.
_SPACES = re.compile(r"[ \t\r\f\v\u200b\xa0]{2,}|[\t\r\f\v\u200b]")
# Any line _SPACES could change contains one of these. Checking for them first
# is ~50 times cheaper than the regex on a typical 2,000-character line, where
# it finds nothing to do.
_SPACE_HINTS = ("  ", "\t", "\r", "\f", "\v", "\u200b", "\xa0")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_MARKUP = re.compile(r"[<&]")


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    if not _MARKUP.search(html):
        return normalise_space(html)
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return normalise_space("".join(parser.parts))


def normalise_space(text: str) -> str:
    """One space between words, one blank line between paragraphs, no edges."""
    lines = (_collapse_spaces(line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _collapse_spaces(line: str) -> str:
    if any(hint in line for hint in _SPACE_HINTS):
        return _SPACES.sub(" ", line)
    return line
