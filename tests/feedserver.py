"""A real HTTP server on 127.0.0.1 (in a thread) that serves feeds for tests.

Each path has a Route whose attributes the test changes between polls: the
body, the status, validators (ETag/Last-Modified, honoured or ignored), delays
and slow drips for timeouts, redirects, Retry-After. Every request is logged
with its headers and time, so tests can prove what the poller sent.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    conditional: bool = True  # answer 304 when the request's validators match
    delay: float = 0.0  # seconds before any response byte (read timeouts)
    drip: float | None = None  # seconds between body chunks (slow bodies, deadlines)
    drip_chunk: int = 64
    location: str | None = None  # redirect target for 3xx statuses
    send_length: bool = True  # Content-Length header


@dataclass
class Request:
    path: str
    at: float
    headers: dict[str, str]


class FeedServer:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.log: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="feedserver", daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, **attrs) -> Route:
        route = Route(**attrs)
        self.routes[path] = route
        return route

    def requests(self, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.log.append(Request(h.path, time.time(), {k.lower(): v for k, v in h.headers.items()}))
        route = self.routes.get(h.path)
        if route is None:
            self._send(h, 404, b"not found", {"Content-Type": "text/plain"})
            return
        if route.delay:
            time.sleep(route.delay)
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.location:
            headers["Location"] = route.location
        if route.status == 200 and route.conditional and self._not_modified(h, route):
            self._send(h, 304, b"", {k: v for k, v in headers.items() if k in ("ETag", "Last-Modified")})
            return
        self._send(h, route.status, route.body, headers, route)

    @staticmethod
    def _not_modified(h, route: Route) -> bool:
        inm, ims = h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since")
        if route.etag and inm is not None:
            return inm == route.etag
        return bool(route.last_modified and ims == route.last_modified)

    @staticmethod
    def _send(h, status: int, body: bytes, headers: dict, route: Route | None = None) -> None:
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            if route is None or route.send_length:
                h.send_header("Content-Length", str(len(body)))
            else:
                h.send_header("Connection", "close")
            h.end_headers()
            if route is not None and route.drip:
                for i in range(0, len(body), route.drip_chunk):
                    h.wfile.write(body[i : i + route.drip_chunk])
                    h.wfile.flush()
                    time.sleep(route.drip)
            elif body:
                h.wfile.write(body)
            if route is not None and not route.send_length:
                h.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (size cap, deadline): that is the test's point


def http_date(moment: datetime | None = None) -> str:
    return format_datetime(moment or datetime(2025, 7, 3, 12, 0, tzinfo=timezone.utc), usegmt=True)


def rss(items: list[dict], title: str = "Sample feed", language: str = "en") -> bytes:
    """An RSS 2.0 document; each item: guid, title, link, description, pubDate (all optional)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>http://example.org/</link>",
        f"<description>{escape(title)}</description><language>{language}</language>",
    ]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "description", "pubDate"):
            if item.get(key) is not None:
                parts.append(f"<{key}>{escape(str(item[key]))}</{key}>")
        if item.get("guid") is not None:
            permalink = "true" if str(item["guid"]).startswith("http") else "false"
            parts.append(f'<guid isPermaLink="{permalink}">{escape(str(item["guid"]))}</guid>')
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")
