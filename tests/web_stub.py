"""A loopback web server for the fetch tests and the live-archive benchmark: real feeds and pages from
``../shared/data/ingest`` under ``/data/``, conditional requests, and the ways the web goes wrong.

- ``/data/<path>``: a file of ``../shared/data/ingest``, with ETag and Last-Modified; a matching
  If-None-Match or If-Modified-Since gets 304. ``/private/<name>`` serves the same pages, but the
  ``/robots.txt`` served here disallows ``/private/``.
- ``stub.files[path] = (body, content_type)``: more documents (or another robots.txt), served the same
  way (``loopback_feed`` writes a small RSS feed whose summary-only items link to pages here).
- ``/broken/...``: 404, 500, a redirect loop, an HTML page at a feed address, a truncated feed, a feed
  cut off mid-body, pages over a size limit (announced or not), a server that stalls mid-body, one that
  drips bytes, binary bytes, an empty body; ``/hops/N`` redirects N times; ``stub.status[path] = code``
  makes any path fail.

Every request is recorded (``stub.requests``). The server runs in a thread on 127.0.0.1 and a free port;
it stops on ``close()`` and in any case after ``lifetime`` seconds. ``python tests/web_stub.py [PORT]``
serves it in the foreground for an hour (for trying ``scripts/reindex.py`` by hand).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
import hashlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import threading
import time
from typing import Any

INGEST = Path(__file__).resolve().parents[2] / "shared" / "data" / "ingest"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
_TYPES = {".html": "text/html", ".xml": "application/rss+xml", ".rss": "application/rss+xml",
          ".atom": "application/atom+xml", ".json": "application/feed+json", ".txt": "text/plain"}
BIG_PAGE = "trafilatura/html/edition.cnn.com-royal.html"  # 1.39 MB: over the tests' 1 MB limit
HTML_PAGE = "trafilatura/html/reuters.com.parasite.html"
SMALL_FEED = "rss-parser/heraldsun.rss"
# A French page in windows-1252 that declares no charset: invalid UTF-8, decoded by guess like a file.
MOJIBAKE = ("<html><head><title>Fête de la musique à Québec</title></head><body><article><h1>Fête de la musique "
            "à Québec</h1><p>Des milliers de spectateurs ont assisté samedi soir aux concerts gratuits donnés "
            "dans les rues du Vieux-Québec, malgré une averse en début de soirée.</p><p>Les organisateurs "
            "évoquent une édition réussie et prévoient déjà d'étendre la fête à d'autres quartiers l'été "
            "prochain.</p></article></body></html>").encode("cp1252")


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    status: int
    at: float

    @property
    def conditional(self) -> bool:
        return "if-none-match" in self.headers or "if-modified-since" in self.headers


@dataclass
class WebStub:
    """The server's state: extra documents, forced statuses, and the requests it got."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _server: Any = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def since(self, mark: int) -> list[Request]:
        """The requests after the first ``mark`` ones."""
        return self.requests[mark:]

    def start(self, lifetime: float = 600.0) -> WebStub:
        stub = self

        class Handler(_Handler):
            state = stub

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        timer = threading.Timer(lifetime, self.close)
        timer.daemon = True
        timer.start()
        return self

    def close(self) -> None:
        self.stop.set()  # stalled handlers give up at once
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WebStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    state: WebStub
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _record(self, status: int) -> None:
        self.state.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}, status,
                                           time.monotonic()))

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain", length: int | None = None,
              headers: dict[str, str] | None = None) -> None:
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is not None or body:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _document(self, body: bytes, content_type: str, mtime: float) -> None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        modified = formatdate(int(mtime), usegmt=True)
        since = self.headers.get("If-Modified-Since")
        unchanged_since = bool(since) and parsedate_to_datetime(since).timestamp() >= int(mtime)
        if self.headers.get("If-None-Match") == etag or ("If-None-Match" not in self.headers and unchanged_since):
            self._record(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, body, content_type, headers={"ETag": etag, "Last-Modified": modified})

    def _slow(self, body: bytes, content_type: str, declared: int | None, pause: float, step: int) -> None:
        """Send ``body`` ``step`` bytes at a time, ``pause`` s apart, then stall until the stub closes."""
        self._record(200)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if declared is not None:
            self.send_header("Content-Length", str(declared))
        self.end_headers()
        try:
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                if self.state.stop.wait(pause):
                    return
            self.state.stop.wait(30)
        except OSError:
            pass  # the client hung up: what the test wanted

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        if path in self.state.status:
            self._send(self.state.status[path], b"forced failure")
        elif path in self.state.files:
            body, content_type = self.state.files[path]
            self._document(body, content_type, 1_700_000_000)
        elif path == "/robots.txt":
            self._document(ROBOTS, "text/plain", 1_700_000_000)
        elif path.startswith(("/data/", "/private/")):
            self._shared(path)
        elif path.startswith("/hops/"):
            left = int(path.rsplit("/", 1)[1])
            target = f"/hops/{left - 1}" if left > 0 else f"/data/{SMALL_FEED}"
            self._send(302, headers={"Location": target})
        else:
            self._broken(path)

    def _shared(self, path: str) -> None:
        relative = path.split("/", 2)[2] if path.startswith("/data/") else f"trafilatura/html/{path.split('/')[-1]}"
        file = (INGEST / relative).resolve()
        if INGEST.resolve() not in file.parents or not file.is_file():
            self._send(404, b"not found")
            return
        self._document(file.read_bytes(), _TYPES.get(file.suffix, "application/octet-stream"), file.stat().st_mtime)

    def _broken(self, path: str) -> None:
        feed = (INGEST / SMALL_FEED).read_bytes()
        if path == "/broken/loop-a":
            self._send(302, headers={"Location": "/broken/loop-b"})
        elif path == "/broken/loop-b":
            self._send(301, headers={"Location": self.state.url("/broken/loop-a")})
        elif path == "/broken/error.xml":
            self._send(500, b"internal error")
        elif path == "/broken/html-feed.xml":
            self._send(200, (INGEST / HTML_PAGE).read_bytes(), "text/html; charset=utf-8")
        elif path == "/broken/truncated.rss":
            self._send(200, feed[: len(feed) * 2 // 3], "application/rss+xml")
        elif path == "/broken/cut.rss":  # announces the whole feed, sends half, hangs up
            self._send(200, feed[: len(feed) // 2], "application/rss+xml", length=len(feed))
        elif path == "/broken/big.html":
            self._send(200, (INGEST / BIG_PAGE).read_bytes(), "text/html")
        elif path == "/broken/big-unannounced.html":  # no Content-Length: only counting can stop it
            self._record(200)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            with contextlib.suppress(OSError):  # the client hangs up at its limit
                self.wfile.write((INGEST / BIG_PAGE).read_bytes())
        elif path == "/broken/stall.xml":
            self._slow(feed[: len(feed) // 2], "application/rss+xml", len(feed), 0.0, len(feed))
        elif path == "/broken/drip.xml":
            self._slow(feed, "application/rss+xml", None, 0.05, 8)
        elif path == "/broken/binary.html":
            self._send(200, bytes(range(256)) * 16, "text/html")
        elif path == "/broken/mojibake.html":
            self._send(200, MOJIBAKE, "text/html")
        elif path == "/broken/empty.xml":
            self._send(200, b"", "application/rss+xml", length=0)
        else:
            self._send(404, b"not found")


def loopback_feed(stub: WebStub, full_text: str) -> str:
    """Serve ``/news/feed.xml``: two summary-only items linking to real pages here (one of them under
    ``/private/``, which robots.txt disallows) and one item carrying ``full_text``; returns its URL."""
    items = [
        ("Thousands of UK academics 'treated as second-class citizens'",
         "/data/trafilatura/html/theguardian.com.academics.html",
         "Thousands of academics are on insecure contracts, a report finds.", "Mon, 20 Jan 2020 08:00:00 +0000"),
        ("'Parasite' scores historic upset at SAG awards", "/private/reuters.com.parasite.html",
         "The South Korean film won the top prize of the Screen Actors Guild awards.",
         "Mon, 20 Jan 2020 06:00:00 +0000"),
        ("California rolling blackouts, explained", "/data/trafilatura/html/nytimes.com.blackouts.html",
         full_text, "Sun, 16 Aug 2020 12:00:00 +0000"),
    ]
    body = "".join(f"<item><title>{title}</title><link>{stub.url(link)}</link><pubDate>{date}</pubDate>"
                   f"<description><![CDATA[{text}]]></description></item>" for title, link, text, date in items)
    xml = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Loopback News</title>'
           f"<link>{stub.url('/')}</link><language>en</language>{body}</channel></rss>")
    stub.files["/news/feed.xml"] = (xml.encode("utf-8"), "application/rss+xml")
    return stub.url("/news/feed.xml")


if __name__ == "__main__":
    import sys

    server = WebStub(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0).start(lifetime=3600)
    try:
        print(loopback_feed(server, " ".join(["A long item that carries its full text."] * 30)), flush=True)
        print(f"serving {INGEST} on {server.url('/')} (Ctrl-C stops)", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.stop.wait()
    finally:
        server.close()
