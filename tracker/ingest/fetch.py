"""Fetching a feed's bytes: politely, within limits, and never hanging.

httpx does the HTTP, not feedparser: feedparser's own fetching has no timeout
and reformats the Last-Modified it sends back. Here the ETag and Last-Modified
are echoed exactly as the server sent them, a 304 ends the poll before any
parsing, and every fetch is bounded: connect and read timeouts per operation,
an overall deadline however slowly the bytes arrive, a size cap on the decoded
body (so a gzip bomb stops too), and a limited number of redirects.

The outcome is data (FetchResult), never an exception: what to do next
(back off, honour Retry-After, disable the feed) is the poller's decision.
"""

from __future__ import annotations

import email.utils
import threading
import time
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Literal

import httpx

from .config import FetchSettings, format_duration

VERSION = "0.1.0"
ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
PERMANENT_REDIRECTS = (301, 308)
THROTTLED = (429, 503)

Outcome = Literal["ok", "not_modified", "gone", "throttled", "error"]


def default_user_agent() -> str:
    return f"tracker-feed-poller/{VERSION} (conflict claims tracker; honours ETag, Last-Modified, Retry-After) python-httpx/{httpx.__version__}"


@dataclass
class FetchResult:
    outcome: Outcome
    status: int | None = None  # HTTP status of the final response
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names, for feedparser
    final_url: str | None = None
    moved_to: str | None = None  # where permanent redirects lead: the feed's new address
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None  # seconds the server asked us to wait
    error: str | None = None


class Fetcher:
    """One shared httpx client (its connection pool is thread-safe) for all feeds."""

    def __init__(self, settings: FetchSettings):
        self.settings = settings
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        """Made on first use: making it (TLS certificates, the transport's imports)
        takes 30-300 ms that polls of local files never need."""
        with self._client_lock:
            if self._client is None:
                s = self.settings
                self._client = httpx.Client(
                    timeout=httpx.Timeout(
                        connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=s.connect_timeout
                    ),
                    follow_redirects=True,
                    max_redirects=s.max_redirects,
                    headers={"User-Agent": s.user_agent or default_user_agent(), "Accept": ACCEPT},
                )
            return self._client

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET `url` (http/https) or read it (a local path)."""
        if not url.lower().startswith(("http://", "https://")):
            return read_file(url, self.settings.max_bytes)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        started = time.monotonic()
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                return self._read(response, started)
        except httpx.TooManyRedirects:
            return FetchResult("error", error=f"more than {self.settings.max_redirects} redirects")
        except httpx.ConnectTimeout:
            return FetchResult("error", error=f"connect timeout after {format_duration(self.settings.connect_timeout)}")
        except httpx.ReadTimeout:
            return FetchResult("error", error=f"read timeout: no data for {format_duration(self.settings.read_timeout)}")
        except httpx.TimeoutException as exc:
            return FetchResult("error", error=f"timeout: {type(exc).__name__}")
        except httpx.ConnectError as exc:
            return FetchResult("error", error=f"cannot connect: {_short(exc)}")
        except httpx.HTTPError as exc:
            return FetchResult("error", error=f"{type(exc).__name__}: {_short(exc)}")

    def _read(self, response: httpx.Response, started: float) -> FetchResult:
        s = self.settings
        result = FetchResult(
            "ok",
            status=response.status_code,
            final_url=str(response.url),
            moved_to=_permanent_target(response),
            headers=_feed_headers(response),
        )
        code = response.status_code
        if code == 304:
            result.outcome = "not_modified"
            return result
        if code == 410:
            result.outcome, result.error = "gone", "HTTP 410 Gone: the feed was removed; it is disabled"
            return result
        if code in THROTTLED:
            result.outcome = "throttled"
            result.retry_after = parse_retry_after(response.headers.get("Retry-After"))
            wait = "" if result.retry_after is None else f"; Retry-After {format_duration(round(result.retry_after))}"
            result.error = f"HTTP {code} {response.reason_phrase}{wait}"
            return result
        if not 200 <= code < 300:
            result.outcome, result.error = "error", f"HTTP {code} {response.reason_phrase}".strip()
            return result

        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > s.max_bytes:
            result.outcome = "error"
            result.error = f"body of {int(declared):,} bytes exceeds the limit of {s.max_bytes:,} (fetch.max_bytes)"
            return result
        chunks, size = [], 0
        deadline = started + s.deadline
        # Decoded bytes are counted, so a small gzip that inflates hugely stops too.
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > s.max_bytes:
                result.outcome = "error"
                result.error = f"body exceeds the limit of {s.max_bytes:,} bytes (fetch.max_bytes)"
                return result
            if time.monotonic() > deadline:
                result.outcome = "error"
                result.error = f"deadline of {format_duration(s.deadline)} exceeded after {size:,} bytes (fetch.deadline)"
                return result
            chunks.append(chunk)
        result.body = b"".join(chunks)
        result.etag = response.headers.get("ETag")
        result.last_modified = response.headers.get("Last-Modified")
        return result


def read_file(path: str, max_bytes: int) -> FetchResult:
    """A feed from a local file (samples, tests, offline demos)."""
    try:
        size = Path(path).stat().st_size
        if size > max_bytes:
            return FetchResult("error", error=f"file of {size:,} bytes exceeds the limit of {max_bytes:,} (fetch.max_bytes)")
        body = Path(path).read_bytes()
    except FileNotFoundError:
        return FetchResult("error", error=f"no such file: {path}")
    except OSError as exc:
        return FetchResult("error", error=f"cannot read {path}: {exc.strerror or exc}")
    return FetchResult("ok", body=body, final_url=path)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _permanent_target(response: httpx.Response) -> str | None:
    """The URL reached through the leading run of permanent redirects (301/308):
    a temporary hop after them says nothing about the feed's permanent home."""
    urls = [str(r.url) for r in response.history] + [str(response.url)]
    moved = None
    for i, hop in enumerate(response.history):
        if hop.status_code not in PERMANENT_REDIRECTS:
            break
        moved = urls[i + 1]
    return moved


def _feed_headers(response: httpx.Response) -> dict[str, str]:
    """The headers feedparser uses (charset, base URL, language), lower-cased as it expects."""
    headers = {k: response.headers[k] for k in ("content-type", "content-language") if k in response.headers}
    headers["content-location"] = str(response.url)
    return headers


def _short(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
