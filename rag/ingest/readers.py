"""Reading news articles: JSON Lines, JSON / JSON Feed, plain text, HTML pages, RSS/Atom feeds.

``iter_inputs`` walks files and directories (and hands URLs to a URL reader, ``rag.ingest.urls``) and
yields an ``Article`` for every article it finds and an ``IngestError`` for every input it had to skip,
so one bad line never stops an import. ``read_document`` reads one ``Document`` (bytes from a file or a
URL). The web formats are parsed in ``rag.ingest.web``, records become Articles in ``rag.ingest.records``;
this module finds the inputs, tells their formats apart and checks the article objects of the JSON formats.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
from typing import Any
import unicodedata

from rag.core.errors import IngestError
from rag.core.types import Article
from rag.ingest.records import clean_text, HINT_SCHEMA, NEWLINE, to_article
from rag.ingest.sources import as_sources, Source
from rag.ingest.web import (
    decode_bytes,
    detect_language,
    has_bom,
    is_json_feed,
    normalize_date,
    parse_feed,
    parse_html,
    parse_json_feed,
    Record,
)

__all__ = ["clean_text", "detect_language", "Document", "document_kind", "iter_inputs", "load_articles",
           "normalize_date", "read_document", "UrlReader"]

#: Reads one URL source into articles and errors (``rag.ingest.urls.UrlIngester`` is one).
UrlReader = Callable[[Source], Iterable[Article | IngestError]]

_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".txt": "text", ".text": "text",
               ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html", ".xhtml": "html",
               ".xml": "feed", ".rss": "feed", ".atom": "feed", ".rdf": "feed", ".feed": "feed"}
# An HTTP Content-Type says the format when the URL's name does not.
_MEDIA_TYPES = {"text/html": "html", "application/xhtml+xml": "html", "application/rss+xml": "feed",
                "application/atom+xml": "feed", "application/rdf+xml": "feed", "application/xml": "feed",
                "text/xml": "feed", "application/json": "json", "application/feed+json": "json",
                "application/x-ndjson": "jsonl", "application/jsonl": "jsonl", "text/plain": "text",
                "text/markdown": "text"}
# Documentation that lives next to data; only skipped while walking a directory, never when named.
_SKIP_PREFIXES = ("readme", "license", "licence", "sources", "changelog", "copying")
_MARKUP = re.compile(r"(?:\s|<\?xml.*?\?>|<!--.*?-->)*<(!doctype\s+html|html|head|body|rss|feed|rdf:rdf)\b",
                     re.I | re.S)
_HTML_TAG = re.compile(r"<(p|div|article|title|meta|span|a)\b", re.I)


@dataclass(frozen=True)
class Document:
    """Bytes to read as articles. ``where`` names them in origins and errors (a path or a URL); ``suffix``
    (the file's or the URL path's extension, lower-case) and ``content_type`` (HTTP's media type) hint at
    the format, which the content can overrule; ``kind`` forces it. ``outlet`` becomes the ``source`` of
    articles that name none of their own (web formats only derive one from a host name or feed title).
    ``url``: the address the bytes were fetched from; a page or text read from it takes it as its url
    (and its id), rather than a canonical URL the page may declare."""

    where: str
    data: bytes
    suffix: str = ""
    content_type: str | None = None
    kind: str | None = None
    outlet: str | None = None
    url: str | None = None


# -------------------------------------------------------------------------------------- formats


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _from_object(obj: Any, where: str, outlet: str | None = None) -> Article | IngestError:
    """One article object of the FORMATS.md schema, with type checks that name the field."""
    if not isinstance(obj, dict):
        return IngestError(where, f"expected a JSON object (an article), got {_json_type(obj)}", HINT_SCHEMA)
    for name in ("title", "text"):
        value = obj.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return IngestError(where, f"missing or empty field '{name}'", HINT_SCHEMA)
        if not isinstance(value, str):
            return IngestError(where, f"field '{name}' must be a string, got {_json_type(value)}", HINT_SCHEMA)
    for name in ("url", "source", "published", "language"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            return IngestError(where, f"field '{name}' must be a string or null, got {_json_type(obj[name])}",
                               "see FORMATS.md for the type of each field")
    if obj.get("id") is not None and (isinstance(obj["id"], bool) or not isinstance(obj["id"], (str, int))):
        return IngestError(where, f"field 'id' must be a string, got {_json_type(obj['id'])}",
                           "use a string id, or leave 'id' out to derive one from the url")
    authors = obj.get("authors")
    if authors is not None and (not isinstance(authors, list) or not all(isinstance(a, str) for a in authors)):
        return IngestError(where, "field 'authors' must be a list of strings",
                           'write it as "authors": ["First Author", "Second Author"]')
    return to_article(obj, where, outlet=outlet)


def _web_article(rec: Record, origin: str, outlet: str | None) -> Article | IngestError:
    """A record of a web format: its source is derived (host, feed title), so a given outlet wins."""
    return to_article({**rec, "source": outlet} if outlet else rec, origin, derive_title=True)


def _read_jsonl(doc: Document) -> Iterator[Article | IngestError]:
    data = doc.data
    if has_bom(data) and not data.startswith(codecs.BOM_UTF8):
        data = decode_bytes(data).encode("utf-8")
    for number, raw in enumerate(data.split(b"\n"), 1):
        where = f"{doc.where}:{number}"
        raw = (raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw).strip()
        if not raw:
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as e:
            yield IngestError(where, f"line is not UTF-8 (bad byte at column {e.start + 1})",
                              "JSON Lines must be UTF-8: re-save the file as UTF-8")
            continue
        except json.JSONDecodeError as e:
            yield IngestError(where, f"invalid JSON: {e.msg} at column {e.colno}",
                              "fix or delete this line: each line must be one complete JSON object")
            continue
        yield _from_object(obj, where, doc.outlet)


def _decode(doc: Document) -> str | IngestError:
    try:
        text = decode_bytes(doc.data)
    except ValueError as e:
        return IngestError(doc.where, str(e), "convert the file to UTF-8 text, or skip it")
    controls = sum(1 for ch in text[:8192] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
    if controls > len(text[:8192]) / 20:
        return IngestError(doc.where, "binary file, not text", "skip it or convert it to UTF-8 text")
    return text


def _read_json(doc: Document) -> Iterable[Article | IngestError]:
    path, outlet = doc.where, doc.outlet
    text = _decode(doc)
    if isinstance(text, IngestError):
        return [text]
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data" and text.lstrip().startswith("{"):  # JSON Lines under a .json name
            return _read_jsonl(Document(path, text.encode("utf-8"), outlet=outlet))
        return [IngestError(path, f"invalid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                            "fix the file (one article per line belongs in a .jsonl file)")]
    empty = IngestError(path, "no articles in this JSON file", "add items or remove the file")
    if is_json_feed(obj):
        return [_web_article(rec, f"{path}#item {n}", outlet) for n, rec in enumerate(parse_json_feed(obj), 1)
                ] or [empty]
    if isinstance(obj, list):
        return [_from_object(item, f"{path}#item {n}", outlet) for n, item in enumerate(obj, 1)] or [empty]
    if isinstance(obj, dict) and "title" in obj and "text" in obj:
        return [_from_object(obj, path, outlet)]
    return [IngestError(path, "JSON is neither a JSON Feed nor a list of articles",
                        "use a JSON Feed, a JSON array of article objects, or JSON Lines (.jsonl)")]


def _read_text(doc: Document) -> Iterable[Article | IngestError]:
    text = _decode(doc)
    if isinstance(text, IngestError):
        return [text]
    lines = NEWLINE.sub("\n", text).lstrip("\ufeff").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip())  # the file is not blank: checked
    title = lines[start].strip()
    if doc.suffix in (".md", ".markdown"):
        title = title.lstrip("#").strip()
    body = "\n".join(lines[start + 1:])
    if not clean_text(body):
        return [IngestError(doc.where, "a headline but no body text",
                            "put the headline on the first line and the article text after it")]
    return [to_article({"title": title, "text": body, "url": doc.url}, doc.where, outlet=doc.outlet)]


def _read_web(doc: Document, kind: str) -> Iterable[Article | IngestError]:
    try:
        if kind == "html":
            page = parse_html(doc.data)
            return [_web_article({**page, "url": doc.url} if doc.url else page, doc.where, doc.outlet)]
        records = parse_feed(doc.data)
    except ValueError as e:
        if kind == "feed" and _sniff(doc.data) == "html" and doc.kind != "feed":
            return _read_web(doc, "html")
        hint = ("check that this is a saved article page, not an index or error page" if kind == "html"
                else "check that the file is an RSS, Atom or RDF feed")
        return [IngestError(doc.where, str(e), hint)]
    return [_web_article(rec, f"{doc.where}#item {n}", doc.outlet) for n, rec in enumerate(records, 1)]


_READERS: dict[str, Callable[[Document], Iterable[Article | IngestError]]] = {
    "jsonl": _read_jsonl, "json": _read_json, "text": _read_text,
    "html": lambda doc: _read_web(doc, "html"), "feed": lambda doc: _read_web(doc, "feed")}


# ----------------------------------------------------------------------------------- dispatch


def _sniff(data: bytes) -> str | None:
    """Format from the content alone: 'json' (JSON Lines too), 'html', 'feed', or None."""
    head = data[:4096].removeprefix(codecs.BOM_UTF8).decode("latin-1").lstrip()
    if head.startswith(("{", "[")):
        return "json"
    match = _MARKUP.match(head)
    if match:
        return "feed" if match.group(1).lower() in ("rss", "feed", "rdf:rdf") else "html"
    return "html" if head.startswith("<") and _HTML_TAG.search(head) else None


def document_kind(doc: Document) -> str | None:
    """The format a document is read as: ``doc.kind`` if forced, else its extension or media type,
    overruled by the content when they mislead (.txt holding HTML, .xml holding a web page); None when
    nothing tells (read as text)."""
    if doc.kind:
        return doc.kind
    kind = _EXTENSIONS.get(doc.suffix) or _MEDIA_TYPES.get(doc.content_type or "")
    if kind in ("text", "feed", None):
        sniffed = _sniff(doc.data)
        if kind is None or (kind == "text" and sniffed in ("html", "feed")) or (kind == "feed" and sniffed == "html"):
            return sniffed
    return kind


def read_document(doc: Document) -> Iterator[Article | IngestError]:
    """Every article in one document, and an IngestError (naming ``doc.where``) for each bad part.
    Never raises: a parser failing on untrusted bytes becomes an IngestError too."""
    if not doc.data.strip():
        yield IngestError(doc.where, "empty file", "add content or remove the file")
        return
    if b"\x00" in doc.data[:8192] and not has_bom(doc.data):
        yield IngestError(doc.where, "binary file, not text", "skip it or convert it to UTF-8 text")
        return
    kind = document_kind(doc) or "text"
    try:
        yield from _READERS[kind](doc)
    except Exception as e:  # parsers fed untrusted bytes may raise anything; one file must not stop the rest
        yield IngestError(doc.where, f"could not parse as {kind} ({type(e).__name__}: {e})", "check or skip this file")


def _read_file(path: Path, named: bool, outlet: str | None) -> Iterator[Article | IngestError]:
    where = str(path)
    try:
        if not named and path.suffix.lower() not in _EXTENSIONS:
            with path.open("rb") as f:  # an unknown file met in a directory: only content can qualify it
                head = f.read(4096)
            if (b"\x00" in head and not has_bom(head)) or _sniff(head) is None:
                return
        data = path.read_bytes()
    except OSError as e:
        yield IngestError(where, f"cannot read file: {e.strerror or e}", "check that it exists and is readable")
        return
    yield from read_document(Document(where, data, suffix=path.suffix.lower(), outlet=outlet))


def _files(root: Path) -> Iterator[tuple[Path, bool]]:
    if not root.is_dir():
        yield root, True
        return
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        found += [Path(folder) / name for name in names
                  if not name.startswith(".") and not name.lower().startswith(_SKIP_PREFIXES)]
    for path in sorted(found, key=lambda p: p.relative_to(root).parts):
        yield path, False


def _iterate(sources: list[Source], read_url: UrlReader | None) -> Iterator[Article | IngestError]:
    seen_files: set[Path] = set()
    for source in sources:
        if source.is_url:
            if read_url is None:
                yield IngestError(source.location, "cannot fetch URLs here", "index URLs with scripts/reindex.py")
            else:
                yield from read_url(source)
            continue
        for path, named in _files(Path(source.location)):
            if path.resolve() not in seen_files:
                seen_files.add(path.resolve())
                yield from _read_file(path, named, source.outlet)


def iter_inputs(paths: Iterable[str | Path | Source] | str | Path,
                read_url: UrlReader | None = None) -> Iterator[Article | IngestError]:
    """Yield every article in the given files, directories and URLs, and an IngestError for each skipped input.

    Directories are walked recursively in sorted order, skipping hidden entries, README/LICENSE/SOURCES
    files and files whose extension and content are not an article format. Formats: .jsonl/.ndjson,
    .json (list of articles or JSON Feed), .txt/.md (headline on the first line), .html/.htm (main text
    via trafilatura), .xml/.rss/.atom/.rdf/.feed (one article per entry); content sniffing overrides a
    misleading extension. Bad content never raises; a path that does not exist raises IngestError now,
    before anything is read. A file reached twice is read once; repeated article ids are yielded as they
    come (what to do with them is the indexer's policy). URLs (``http://``, ``https://``) go to
    ``read_url`` (without one, each is an IngestError). A ``Source`` with an outlet gives that outlet to
    its articles that name none.
    """
    sources = as_sources([paths] if isinstance(paths, (str, Path)) else paths)
    for source in sources:
        if not source.is_url and not Path(source.location).exists():
            raise IngestError(source.location, "no such file or directory", "check the path (relative paths start "
                              "from the current directory)")
    return _iterate(sources, read_url)


def load_articles(paths: Iterable[str | Path | Source] | str | Path,
                  read_url: UrlReader | None = None) -> tuple[list[Article], list[IngestError]]:
    """All articles and all errors of ``iter_inputs(paths, read_url)``, as two lists in input order."""
    articles: list[Article] = []
    errors: list[IngestError] = []
    for item in iter_inputs(paths, read_url):
        (articles if isinstance(item, Article) else errors).append(item)  # type: ignore[arg-type]
    return articles, errors
