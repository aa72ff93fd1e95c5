"""Reading URLs: a feed or a page fetched over HTTP(S) into articles, with feed items' pages followed.

``UrlIngester(fetcher, follow_links, summary_chars)`` is the ``read_url`` that ``rag.ingest.readers.iter_inputs``
hands URL sources to. The bytes are read by the same readers as files (``rag.ingest.readers.read_document``:
same formats, same decoding of odd or invalid encodings), plus two checks that matter for downloads:

- a URL that names a feed (``.xml``, ``.rss``, ``.atom``, ``.rdf``, ``.feed``, a last path segment ``feed``,
  ``rss`` or ``atom``, or a feed Content-Type) but serves an HTML page is an error, not an article: such a
  page is a moved feed's landing page, a login or an error page;
- a feed whose XML ends before its root element closes (``</rss>``, ``</feed>``, ``</rdf:RDF>``) is an
  error: it was cut off, and reading the items before the cut would index a partial feed.

Articles get ``origin`` = the URL named; a page's ``url`` is that URL, a feed item's its own link.

**Following links.** A feed item whose text is shorter than ``summary_chars`` counts as a summary: with
``follow_links`` its linked page is fetched (robots.txt honoured, like every fetch) and the page's main
text replaces the summary when it is longer. A page that cannot be had (robots.txt, 404, too large, not
HTML, no main text) leaves the item with its summary and an ``IngestWarning``; after a passing failure
(network, time-out, 5xx) the page's copy from an earlier run is used instead, so the article indexed
then is not replaced by its summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
import json
from pathlib import PurePosixPath
import re
from urllib.parse import urljoin, urlsplit

from rag.core.errors import FetchError, IngestError, IngestWarning
from rag.core.types import Article
from rag.ingest.fetch import Fetched, Fetcher
from rag.ingest.readers import Document, document_kind, read_document
from rag.ingest.sources import Source
from rag.ingest.web import is_json_feed

_FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".feed"}
_FEED_SEGMENTS = {"feed", "rss", "atom"}
_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_FEED_END = re.compile(rb"</(?:[\w.-]+:)?(?:rss|feed|rdf)\s*>(?:\s|<!--.*?-->)*$", re.I | re.S)
_ALTERNATE = re.compile(rb"<link\b[^>]*\btype\s*=\s*[\"']application/(?:rss|atom)\+xml[\"'][^>]*>", re.I)
_HREF = re.compile(rb"\bhref\s*=\s*[\"']([^\"']+)[\"']", re.I)


def _suffix(url: str) -> str:
    return PurePosixPath(urlsplit(url).path).suffix.lower()


def names_a_feed(url: str, content_type: str | None = None) -> bool:
    """Whether the URL (or the Content-Type it was served with) says it is a feed."""
    segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].lower()
    return _suffix(url) in _FEED_SUFFIXES or segment in _FEED_SEGMENTS or content_type in _FEED_TYPES


def _announced_feed(page: bytes, base: str) -> str | None:
    """The feed address an HTML page announces (``<link rel="alternate" type="application/rss+xml">``)."""
    tag = _ALTERNATE.search(page[:65536])
    href = _HREF.search(tag.group(0)) if tag else None
    return urljoin(base, href.group(1).decode("latin-1").strip()) if href else None


def _is_json_feed(data: bytes) -> bool:
    try:
        return is_json_feed(json.loads(data))
    except ValueError:
        return False


class UrlIngester:
    """Reads URL sources through a Fetcher: ``ingester(source)`` yields Articles and IngestErrors."""

    def __init__(self, fetcher: Fetcher, follow_links: bool = True, summary_chars: int = 1000) -> None:
        self.fetcher = fetcher
        self.follow_links = follow_links
        self.summary_chars = summary_chars

    def __call__(self, source: Source) -> Iterator[Article | IngestError]:
        """Every article at ``source.location`` (a URL), or the IngestError saying why there is none."""
        url = source.location
        try:
            fetched = self.fetcher.fetch(url)
        except FetchError as e:
            yield e
            return
        body = fetched.body
        if not body.strip():
            yield IngestError(url, "empty response", "the server sent nothing: check the address")
            return
        doc = Document(url, body, suffix=_suffix(url), content_type=fetched.content_type, outlet=source.outlet,
                       url=url)
        kind = document_kind(doc)
        problem = self._check(url, fetched, kind)
        if problem is not None:
            yield problem
            return
        is_feed = kind == "feed" or (kind == "json" and _is_json_feed(body))
        for item in read_document(replace(doc, kind=kind)):
            if isinstance(item, Article):
                item = replace(item, origin=url)
                if is_feed and self.follow_links and len(item.text) < self.summary_chars:
                    item, note = self._follow(item)
                    if note is not None:
                        yield note
            yield item

    def _check(self, url: str, fetched: Fetched, kind: str | None) -> IngestError | None:
        if kind == "html" and names_a_feed(url, fetched.content_type):
            feed = _announced_feed(fetched.body, fetched.final_url)
            return IngestError(url, f"expected a feed, got an HTML page ({fetched.content_type or 'no type'})",
                               f"the page announces the feed {feed}: list that address instead" if feed else
                               "the feed may have moved or need a login: open the address in a browser")
        if kind == "feed" and not _FEED_END.search(fetched.body.rstrip(b"\x00 \t\r\n")):
            return IngestError(url, "truncated feed: the XML ends before its closing </rss>, </feed> or </rdf:RDF>",
                               "the download was cut short or the server sends a broken feed; it is tried again "
                               "on the next run")
        return None

    def _follow(self, item: Article) -> tuple[Article, IngestWarning | None]:
        """The item with its linked page's text, and a warning when the page could not be used."""
        link = item.url
        if not link or urlsplit(link).scheme not in ("http", "https"):
            return item, None
        note: IngestWarning | None = None
        try:
            page: Fetched | None = self.fetcher.fetch(link)
        except FetchError as e:
            page = self.fetcher.cached(link) if e.transient else None
            if page is None:
                return item, IngestWarning(link, f"kept the feed's summary: {e.reason}", e.hint)
            note = IngestWarning(link, f"{e.reason}; used the page as fetched on {page.fetched_at}", e.hint)
        assert page is not None
        if page.content_type is not None and page.content_type not in _HTML_TYPES:
            return item, IngestWarning(link, f"kept the feed's summary: the link is not an HTML page "
                                       f"({page.content_type})", "nothing to do: the summary is indexed")
        parsed = next(iter(read_document(Document(link, page.body, kind="html", url=link))))
        if isinstance(parsed, IngestError):
            return item, IngestWarning(link, f"kept the feed's summary: {parsed.reason}", parsed.hint)
        if len(parsed.text) <= len(item.text):
            return item, note
        return replace(item, text=parsed.text, authors=item.authors or parsed.authors,
                       published=item.published or parsed.published, language=item.language or parsed.language), note
