"""A large feed cut into smaller feeds of consecutive entries, so that feedparser
can read it on several cores at once (see WorkerPool.parse_feed).

Each part is made of the feed's own bytes: everything before the first entry
(XML declaration, DOCTYPE, namespace declarations, the channel's elements), a
run of consecutive entries, and everything after the last entry. An entry
depends on nothing that lies between entries, so feedparser reads it in its
part exactly as in the whole feed. The cut is made only where that was checked:

- expat reads the whole body without an error (it is well-formed),
- the body starts in an ASCII-compatible encoding (no UTF-16 or UTF-32), and
  expat reads it (so it is UTF-8 or a single-byte one): a byte "<" or ">" is
  always that character, and a cut never splits one,
- RSS 2.0, RSS 1.0 or Atom 1.0 laid out as usual: every entry a child of the
  one container (channel, rdf:RDF, feed), no entry written as an empty tag,
  and no other element between the first entry and the last.

Anything else is read whole. The caller still checks each part's parse: a
part feedparser flags as ill-formed (an encoding it had to guess, say) sends
the whole feed back to a single parse, so the result never differs from one.
"""

from __future__ import annotations

import xml.parsers.expat

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS1 = "http://purl.org/rss/1.0/"
_ATOM = "http://www.w3.org/2005/Atom"
# The path from the root to an entry, as expat names elements ("namespace local").
_LAYOUTS = {
    "rss": ("rss", "channel", "item"),
    f"{_RDF} RDF": (f"{_RDF} RDF", f"{_RSS1} item"),
    f"{_ATOM} feed": (f"{_ATOM} feed", f"{_ATOM} entry"),
}


class _NotSplittable(Exception):
    pass


def split_feed(body: bytes, parts: int, min_entries: int) -> list[bytes] | None:
    """The feed as `parts` smaller feeds of about equal numbers of consecutive
    entries (each part at least `min_entries`), or None where it cannot be cut
    safely or is too small to be worth it."""
    if parts < 2 or not _ascii_compatible(body):
        return None
    try:
        spans = _entry_spans(body)
    except Exception:  # noqa: BLE001 - ill-formed, an encoding expat lacks, another layout: read it whole
        return None
    parts = min(parts, len(spans) // max(1, min_entries))
    if parts < 2:
        return None
    head, tail = body[: spans[0][0]], body[spans[-1][1] :]
    out = []
    for k in range(parts):
        first, last = len(spans) * k // parts, len(spans) * (k + 1) // parts - 1
        # An entry's part runs to the next part's first entry: white space and
        # comments between entries go with the entry before them.
        end = spans[last + 1][0] if last + 1 < len(spans) else spans[-1][1]
        out.append(head + body[spans[first][0] : end] + tail)
    return out


def _ascii_compatible(body: bytes) -> bool:
    start = body[3:5] if body.startswith(b"\xef\xbb\xbf") else body[:2]
    return start[:1] == b"<" and b"\x00" not in start


def _entry_spans(body: bytes) -> list[tuple[int, int]]:
    """(start, end) byte offsets of each entry element, checked as described above."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    layout: tuple[str, ...] = ()
    depth = entry_depth = 0
    in_container = False  # the element open at entry_depth - 1 is the container
    containers = 0
    spans: list[tuple[int, int]] = []
    opened = 0  # where the entry being read starts
    other_since_entry = False  # an element other than an entry since the last entry
    # feedparser takes any item or entry for an entry, wherever it stands
    entry_like: dict[str, bool] = {}

    def start(name: str, attrs) -> None:
        nonlocal layout, depth, entry_depth, in_container, containers, opened, other_since_entry
        depth += 1
        if depth == 1:
            layout = _LAYOUTS.get(name, ())
            if not layout:
                raise _NotSplittable(f"not a layout that is cut: {name}")
            entry_depth = len(layout)
        if depth == entry_depth and in_container and name == layout[-1]:
            if other_since_entry:
                raise _NotSplittable("an element between two entries")
            opened = parser.CurrentByteIndex
            return
        like = entry_like.get(name)
        if like is None:
            like = entry_like[name] = name.rpartition(" ")[2] in ("item", "entry")
        if like:
            raise _NotSplittable(f"an entry outside the container: {name}")
        if depth == entry_depth and in_container and spans:
            other_since_entry = True
        elif depth == entry_depth - 1 and name == layout[-2]:
            containers += 1
            if containers > 1:
                raise _NotSplittable("more than one container")
            in_container = True

    def end(name: str) -> None:
        nonlocal depth, in_container
        if depth == entry_depth and in_container and name == layout[-1]:
            at = parser.CurrentByteIndex  # where "</item>" starts; after an empty "<item/>"
            if not body.startswith(b"</", at):
                raise _NotSplittable("an entry written as an empty tag")
            spans.append((opened, body.index(b">", at) + 1))
        elif depth == entry_depth - 1 and in_container:
            in_container = False
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.Parse(body, True)
    return spans
