"""Seed articles: plain text files, each one document.

A file may start with ` date YYYY[-MM[-DD]] ` giving the document's date; the
stored text is what follows that prefix, exactly, so claim spans index the
file's text after the prefix. A seed's identity is its file name: editing a
seed and seeding again records a revision of the same document, and seeding
an unchanged file again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..domain.dates import DocumentDate, parse_edtf, split_date_prefix
from ..domain.events import document_id
from .documents import DocumentWriter, WriteResult
from .entries import Candidate

SOURCE = "seed"
DEFAULT_DIR = Path("seeds")


class SeedError(ValueError):
    """A seed file cannot be read; the message names the file."""


@dataclass
class SeedSummary:
    results: list[tuple[str, WriteResult]] = field(default_factory=list)

    def totals(self) -> dict:
        written = [r for _, r in self.results]
        return {
            "files": len(written),
            "new_documents": sum(r.outcome == "new" for r in written),
            "revised_documents": sum(r.outcome == "revised" for r in written),
            "unchanged_documents": sum(r.outcome == "unchanged" for r in written),
            "new_claim_reports": sum(r.claim_reports for r in written),
            "extraction_failures": sum(r.extraction == "failed" for r in written),
        }


def seed_paths(paths: list[str] | None) -> list[Path]:
    """The files to seed: the given files, the *.txt files of given folders,
    or those of ./seeds when nothing is given."""
    given = [Path(p) for p in paths] if paths else [DEFAULT_DIR]
    found: list[Path] = []
    for path in given:
        if path.is_dir():
            files = sorted(path.glob("*.txt"))
            if not files:
                raise SeedError(f"{path}: no *.txt seed files in this folder")
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            raise SeedError(f"{path}: no such file or folder")
    return found


def read_seed(path: Path, published: str | None = None) -> tuple[DocumentDate, str]:
    """The document date (from `published`, else the file's prefix) and the text."""
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeedError(f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})") from None
    except OSError as exc:
        raise SeedError(f"{path}: cannot read: {exc.strerror or exc}") from None
    date, text, _ = split_date_prefix(raw)
    if published is not None:
        try:
            parse_edtf(published)
        except ValueError as exc:
            raise SeedError(f"--published {published!r}: {exc}") from None
        date = DocumentDate(value=published, kind="published")
    if not text.strip():
        raise SeedError(f"{path}: no text after the date prefix")
    return date or DocumentDate(kind="unknown"), text


def seed_candidate(path: Path, fetched_at: str | None = None) -> Candidate:
    published, text = read_seed(path)
    return Candidate(
        document_id=document_id(guid=f"seed:{path.name}"),
        source=SOURCE,
        url=path.as_posix(),
        title=None,
        text=text,
        published=published,
        language=None,  # detected by the extractor
        fetched_at=fetched_at,
    )


def seed_files(writer: DocumentWriter, paths: list[Path]) -> SeedSummary:
    """One append (one transaction) per file, with all its claim reports."""
    candidates = [seed_candidate(p) for p in paths]  # read them all first: a bad file stops before any write
    summary = SeedSummary()
    for path, candidate in zip(paths, candidates):
        summary.results.append((str(path), writer.write(candidate)))
    return summary
