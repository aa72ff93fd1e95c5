"""Fetching feeds and pages over HTTP(S): conditional, bounded, polite.

``Fetcher.fetch(url)`` returns the body of a URL or raises ``FetchError`` saying why not, with a hint:

- **conditional**: with a cache directory, each URL's last good body and its ETag / Last-Modified are
  kept (``rag.ingest.fetch_cache``); the next fetch sends If-None-Match / If-Modified-Since and a 304 answer
  reuses the cached body, so an unchanged feed costs one small request and reads exactly as before;
- **bounded**: ``fetch_timeout`` to connect and between two pieces of the response, ``fetch_deadline``
  for the whole fetch (redirects included; a server that drips bytes is cut off), ``fetch_max_bytes``
  per response (reading stops beyond it), ``fetch_max_redirects`` (a loop is an error at once);
- **polite**: a User-Agent naming newsrag, ``fetch_host_delay`` seconds between two requests to one host
  (longer when robots.txt asks for a Crawl-delay, up to 30 s), and robots.txt honoured for every URL.
  robots.txt is fetched through the same client (conditionally too) once per host per Fetcher, that is
  per re-index run; a robots.txt that is missing, unreachable or unreadable allows everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import time
from types import TracebackType
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from rag.core.errors import FetchError
from rag.core.settings import Settings
from rag.ingest.fetch_cache import CachedResponse, FetchCache
from rag.ingest.web import decode_bytes

_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
           "text/xml;q=0.9, text/html;q=0.9, application/json;q=0.8, */*;q=0.5")
_MAX_CRAWL_DELAY = 30.0
_HINT_LATER = "the site may be down or overloaded: it is tried again on the next run"


@dataclass(frozen=True)
class Fetched:
    """A fetched body. ``not_modified``: the server answered 304 and ``body`` is the cached copy;
    ``stale``: the server could not be reached and ``body`` is the copy from an earlier run."""

    url: str
    final_url: str
    body: bytes
    content_type: str | None
    not_modified: bool = False
    stale: bool = False
    fetched_at: str = ""


@dataclass
class FetchStats:
    """What a Fetcher did: requests sent (robots.txt included), 304 answers, body bytes downloaded."""

    requests: int = 0
    not_modified: int = 0
    downloaded: int = 0


def _media_type(value: str | None) -> str | None:
    """``text/html`` of ``text/html; charset=utf-8``; None when absent."""
    media = (value or "").split(";", 1)[0].strip().lower()
    return media or None


def _from_cache(url: str, entry: CachedResponse, final_url: str, **flags: bool) -> Fetched:
    return Fetched(url=url, final_url=final_url, body=entry.body, content_type=_media_type(entry.content_type),
                   fetched_at=entry.fetched_at, **flags)


class Fetcher:
    """Fetches URLs for one re-index run; close it (or use it as a context manager) when done."""

    def __init__(self, settings: Settings, cache_dir: Path | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.cache = FetchCache(cache_dir) if cache_dir is not None else None
        self.stats = FetchStats()
        self._client = httpx.Client(headers={"User-Agent": settings.fetch_user_agent, "Accept": _ACCEPT},
                                    follow_redirects=False, transport=transport)
        self._robots: dict[str, RobotFileParser | None] = {}
        self._crawl_delay: dict[str, float] = {}
        self._last_request: dict[str, float] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    # ------------------------------------------------------------------------------------ public

    def fetch(self, url: str) -> Fetched:
        """The body of ``url`` (following redirects), or FetchError with the reason and a hint."""
        return self._fetch(url, check_robots=True)

    def cached(self, url: str) -> Fetched | None:
        """The copy of ``url`` kept from an earlier good fetch (``stale``), or None."""
        entry = self.cache.get(url) if self.cache else None
        return _from_cache(url, entry, url, stale=True) if entry else None

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of the URL's host lets newsrag's User-Agent fetch it."""
        parts = urlsplit(url)
        if parts.path == "/robots.txt":
            return True
        site = f"{parts.scheme}://{parts.netloc}".lower()
        if site not in self._robots:
            self._robots[site] = self._load_robots(site)
        robots = self._robots[site]
        return robots is None or robots.can_fetch(self.settings.fetch_user_agent, url)

    # ------------------------------------------------------------------------------------ internals

    def _load_robots(self, site: str) -> RobotFileParser | None:
        try:
            text = decode_bytes(self._fetch(f"{site}/robots.txt", check_robots=False).body)
        except (FetchError, ValueError):
            return None  # missing, unreachable or unreadable: everything is allowed
        robots = RobotFileParser(f"{site}/robots.txt")
        robots.parse(text.splitlines())
        delay = robots.crawl_delay(self.settings.fetch_user_agent)
        if delay:
            self._crawl_delay[urlsplit(site).netloc] = min(float(delay), _MAX_CRAWL_DELAY)
        return robots

    def _fetch(self, url: str, check_robots: bool) -> Fetched:
        deadline = time.monotonic() + self.settings.fetch_deadline
        visited: list[str] = []
        current = url
        while True:
            try:
                parts = urlsplit(current)
                valid = parts.scheme in ("http", "https") and bool(parts.hostname) and bool(httpx.URL(current))
            except (ValueError, httpx.InvalidURL):
                valid = False
            if not valid:
                raise FetchError(url, f"not a valid http(s) URL: {current}", "give an address starting with "
                                 "http:// or https:// and a host name")
            if current in visited:
                raise FetchError(url, "redirect loop: " + " -> ".join([*visited, current]),
                                 "the server sends this address round in a circle: open it in a browser to check")
            if len(visited) > self.settings.fetch_max_redirects:
                raise FetchError(url, f"more than {self.settings.fetch_max_redirects} redirects (last {current})",
                                 "give the final address instead, or raise NEWSRAG_FETCH_MAX_REDIRECTS")
            visited.append(current)
            if check_robots and not self.allowed(current):
                raise FetchError(url, f"robots.txt of {parts.netloc} disallows {parts.path or '/'} for newsrag",
                                 "the site asks robots not to fetch this address: leave it out of the sources")
            result = self._request(url, current, deadline)
            if isinstance(result, Fetched):
                return result
            current = urljoin(current, result)

    def _wait_turn(self, host: str) -> None:
        delay = max(self.settings.fetch_host_delay, self._crawl_delay.get(host, 0.0))
        wait = self._last_request.get(host, float("-inf")) + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def _request(self, url: str, current: str, deadline: float) -> Fetched | str:
        """One GET: a Fetched, or the Location to follow."""
        host = urlsplit(current).netloc.lower()
        entry = self.cache.get(current) if self.cache else None
        self._wait_turn(host)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._too_slow(url)
        self.stats.requests += 1
        try:
            with self._client.stream("GET", current, headers=entry.validators() if entry else {},
                                     timeout=min(self.settings.fetch_timeout, remaining)) as response:
                if response.has_redirect_location:
                    return response.headers["location"]
                if response.status_code == 304 and entry is not None:
                    self.stats.not_modified += 1
                    return _from_cache(url, entry, current, not_modified=True)
                self._check_status(url, response)
                body = self._read(url, response, deadline)
        except httpx.TimeoutException as e:
            if time.monotonic() >= deadline:
                raise self._too_slow(url) from e
            what = "no connection" if isinstance(e, httpx.ConnectTimeout) else "the server stalled: nothing received"
            raise FetchError(url, f"{what} for {self.settings.fetch_timeout:g} s", _HINT_LATER, transient=True) from e
        except httpx.RemoteProtocolError as e:
            raise FetchError(url, f"the server broke off the response ({e})", _HINT_LATER, transient=True) from e
        except httpx.HTTPError as e:
            raise FetchError(url, f"cannot fetch from {host}: {e or type(e).__name__}",
                             "check the address and the network; " + _HINT_LATER, transient=True) from e
        finally:
            self._last_request[host] = time.monotonic()
        content_type = response.headers.get("content-type")
        if self.cache is not None:
            self.cache.put(current, body, content_type, response.headers.get("etag"),
                           response.headers.get("last-modified"))
        return Fetched(url=url, final_url=current, body=body, content_type=_media_type(content_type))

    def _check_status(self, url: str, response: httpx.Response) -> None:
        code = response.status_code
        if 200 <= code < 300:
            return
        reason = f"HTTP {code} {response.reason_phrase}".rstrip()
        if code in (404, 410):
            raise FetchError(url, reason, "the address does not exist (any more): check it or drop it")
        if code in (401, 403):
            raise FetchError(url, reason, "the site refuses access to this address: leave it out of the sources")
        transient = code >= 500 or code == 429
        raise FetchError(url, reason, _HINT_LATER if transient else "check the address", transient=transient)

    def _read(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        limit = self.settings.fetch_max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(url, f"{int(declared):,} bytes announced")
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise self._too_large(url, "stopped reading there")
            parts.append(chunk)
            if time.monotonic() > deadline:
                raise self._too_slow(url)
        self.stats.downloaded += size
        return b"".join(parts)

    def _too_large(self, url: str, detail: str) -> FetchError:
        return FetchError(url, f"larger than the {self.settings.fetch_max_bytes:,}-byte limit ({detail})",
                          "raise NEWSRAG_FETCH_MAX_BYTES if this page or feed really is that big")

    def _too_slow(self, url: str) -> FetchError:
        return FetchError(url, f"not complete within {self.settings.fetch_deadline:g} s (cut off)",
                          "the server sends too slowly; it is tried again on the next run (or raise "
                          "NEWSRAG_FETCH_DEADLINE)",
                          transient=True)
