"""Reading news articles from files: JSON Lines, JSON / JSON Feed, plain text, HTML pages, RSS/Atom feeds.

``iter_inputs`` walks files and directories and yields an ``Article`` for every article it finds and an
``IngestError`` for every input it had to skip, so one bad line never stops an import. The web formats
are parsed in ``rag.ingest_web``; this module dispatches, validates and normalises.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Iterator
import hashlib
import json
import os
from pathlib import Path
import re
from typing import Any
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit

from rag.errors import IngestError
from rag.ingest_web import (
    decode_bytes,
    detect_language,
    has_bom,
    host_of,
    is_json_feed,
    normalize_date,
    parse_feed,
    parse_html,
    parse_json_feed,
    Record,
)
from rag.types import Article

__all__ = ["clean_text", "detect_language", "iter_inputs", "load_articles", "normalize_date"]

_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".txt": "text", ".text": "text",
               ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html", ".xhtml": "html",
               ".xml": "feed", ".rss": "feed", ".atom": "feed", ".rdf": "feed", ".feed": "feed"}
# Documentation that lives next to data; only skipped while walking a directory, never when named.
_SKIP_PREFIXES = ("readme", "license", "licence", "sources", "changelog", "copying")
_MARKUP = re.compile(r"(?:\s|<\?xml.*?\?>|<!--.*?-->)*<(!doctype\s+html|html|head|body|rss|feed|rdf:rdf)\b",
                     re.I | re.S)
_HTML_TAG = re.compile(r"<(p|div|article|title|meta|span|a)\b", re.I)
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff]")
_NEWLINE = re.compile("\r\n|[\r\x0b\x0c\x85\u2028]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_LANG = re.compile(r"[a-z]{2,3}")
_HINT_SCHEMA = "see FORMATS.md: every article needs non-empty \"title\" and \"text\" strings"


# ------------------------------------------------------------------------------- normalisation


def clean_text(text: str) -> str:
    """Control characters out, whitespace collapsed inside lines, paragraphs kept as blank lines."""
    text = _CONTROL.sub("", _NEWLINE.sub("\n", unicodedata.normalize("NFC", text)).replace("\u2029", "\n\n"))
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _clean_line(text: str) -> str:
    return " ".join(_CONTROL.sub("", unicodedata.normalize("NFC", text)).split())


def _url_key(url: str) -> str:
    """The URL as an id basis: scheme, ``www.``, fragment, utm_* tags and a trailing slash don't count."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").removeprefix("www."), parts.port
    except ValueError:
        return url
    if not host:
        return url
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not k.lower().startswith("utm_")))
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    return netloc + parts.path.rstrip("/") + (f"?{query}" if query else "")


def _derive_id(url: str | None, title: str, text: str) -> str:
    basis = _url_key(url) if url else f"{title}\n{text}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def _title_from_text(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= 100 else first[:100].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if _LANG.fullmatch(code) else None


def _article(rec: Record, origin: str, derive_title: bool = False) -> Article | IngestError:
    """Validate and normalise one raw record; feed items may lack a title (RSS allows it)."""
    url = str(rec.get("url") or "").strip() or None
    link = f" ({url})" if url else ""
    title, text = _clean_line(str(rec.get("title") or "")), clean_text(str(rec.get("text") or ""))
    if not text:
        return IngestError(origin, f"no article text{link}", "nothing to index here: add the text or drop the item")
    if not title:
        if not derive_title:
            return IngestError(origin, f"no title{link}", _HINT_SCHEMA)
        title = _title_from_text(text)
    authors = tuple(dict.fromkeys(a for a in (_clean_line(str(x)) for x in rec.get("authors") or []) if a))
    given_id = str(rec.get("id") if rec.get("id") is not None else "").strip()
    return Article(
        id=given_id or _derive_id(url, title, text), title=title, text=text, url=url,
        source=_clean_line(str(rec.get("source") or "")) or host_of(url),
        published=normalize_date(rec.get("published")) or normalize_date(rec.get("published_utc")),
        language=_language(rec.get("language")) or detect_language(f"{title}\n{text}"),
        authors=authors, origin=origin)


# -------------------------------------------------------------------------------------- formats


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _from_object(obj: Any, where: str) -> Article | IngestError:
    """One article object of the FORMATS.md schema, with type checks that name the field."""
    if not isinstance(obj, dict):
        return IngestError(where, f"expected a JSON object (an article), got {_json_type(obj)}", _HINT_SCHEMA)
    for name in ("title", "text"):
        value = obj.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return IngestError(where, f"missing or empty field '{name}'", _HINT_SCHEMA)
        if not isinstance(value, str):
            return IngestError(where, f"field '{name}' must be a string, got {_json_type(value)}", _HINT_SCHEMA)
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
    return _article(obj, where)


def _read_jsonl(path: Path, data: bytes) -> Iterator[Article | IngestError]:
    if has_bom(data) and not data.startswith(codecs.BOM_UTF8):
        data = decode_bytes(data).encode("utf-8")
    for number, raw in enumerate(data.split(b"\n"), 1):
        where = f"{path}:{number}"
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
        yield _from_object(obj, where)


def _decode(path: Path, data: bytes) -> str | IngestError:
    try:
        text = decode_bytes(data)
    except ValueError as e:
        return IngestError(str(path), str(e), "convert the file to UTF-8 text, or skip it")
    controls = sum(1 for ch in text[:8192] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
    if controls > len(text[:8192]) / 20:
        return IngestError(str(path), "binary file, not text", "skip it or convert it to UTF-8 text")
    return text


def _read_json(path: Path, data: bytes) -> Iterable[Article | IngestError]:
    text = _decode(path, data)
    if isinstance(text, IngestError):
        return [text]
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data" and text.lstrip().startswith("{"):  # JSON Lines under a .json name
            return _read_jsonl(path, text.encode("utf-8"))
        return [IngestError(str(path), f"invalid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                            "fix the file (one article per line belongs in a .jsonl file)")]
    empty = IngestError(str(path), "no articles in this JSON file", "add items or remove the file")
    if is_json_feed(obj):
        return [_article(rec, f"{path}#item {n}", True) for n, rec in enumerate(parse_json_feed(obj), 1)] or [empty]
    if isinstance(obj, list):
        return [_from_object(item, f"{path}#item {n}") for n, item in enumerate(obj, 1)] or [empty]
    if isinstance(obj, dict) and "title" in obj and "text" in obj:
        return [_from_object(obj, str(path))]
    return [IngestError(str(path), "JSON is neither a JSON Feed nor a list of articles",
                        "use a JSON Feed, a JSON array of article objects, or JSON Lines (.jsonl)")]


def _read_text(path: Path, data: bytes) -> Iterable[Article | IngestError]:
    text = _decode(path, data)
    if isinstance(text, IngestError):
        return [text]
    lines = _NEWLINE.sub("\n", text).lstrip("\ufeff").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip())  # the file is not blank: checked
    title = lines[start].strip()
    if path.suffix.lower() in (".md", ".markdown"):
        title = title.lstrip("#").strip()
    body = "\n".join(lines[start + 1:])
    if not clean_text(body):
        return [IngestError(str(path), "a headline but no body text",
                            "put the headline on the first line and the article text after it")]
    return [_article({"title": title, "text": body}, str(path))]


def _read_web(path: Path, data: bytes, kind: str) -> Iterable[Article | IngestError]:
    try:
        if kind == "html":
            return [_article(parse_html(data), str(path), derive_title=True)]
        records = parse_feed(data)
    except ValueError as e:
        if kind == "feed" and _sniff(data) == "html":
            return _read_web(path, data, "html")
        hint = ("check that this is a saved article page, not an index or error page" if kind == "html"
                else "check that the file is an RSS, Atom or RDF feed")
        return [IngestError(str(path), str(e), hint)]
    return [_article(rec, f"{path}#item {n}", derive_title=True) for n, rec in enumerate(records, 1)]


_READERS: dict[str, Callable[[Path, bytes], Iterable[Article | IngestError]]] = {
    "jsonl": _read_jsonl, "json": _read_json, "text": _read_text,
    "html": lambda path, data: _read_web(path, data, "html"), "feed": lambda path, data: _read_web(path, data, "feed")}


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


def _kind(path: Path, data: bytes) -> str | None:
    kind = _EXTENSIONS.get(path.suffix.lower())
    if kind in ("text", "feed", None):
        sniffed = _sniff(data)
        # A misleading extension (.txt holding HTML, .xml holding a web page) loses to the content.
        if kind is None or (kind == "text" and sniffed in ("html", "feed")) or (kind == "feed" and sniffed == "html"):
            return sniffed
    return kind


def _read_file(path: Path, named: bool) -> Iterator[Article | IngestError]:
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
    if not data.strip():
        yield IngestError(where, "empty file", "add content or remove the file")
        return
    if b"\x00" in data[:8192] and not has_bom(data):
        yield IngestError(where, "binary file, not text", "skip it or convert it to UTF-8 text")
        return
    kind = _kind(path, data) or "text"
    try:
        yield from _READERS[kind](path, data)
    except Exception as e:  # parsers fed untrusted bytes may raise anything; one file must not stop the rest
        yield IngestError(where, f"could not parse as {kind} ({type(e).__name__}: {e})", "check or skip this file")


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


def _iterate(roots: list[Path]) -> Iterator[Article | IngestError]:
    seen_files: set[Path] = set()
    for root in roots:
        for path, named in _files(root):
            if path.resolve() not in seen_files:
                seen_files.add(path.resolve())
                yield from _read_file(path, named)


def iter_inputs(paths: Iterable[str | Path] | str | Path) -> Iterator[Article | IngestError]:
    """Yield every article in the given files and directories, and an IngestError for each skipped input.

    Directories are walked recursively in sorted order, skipping hidden entries, README/LICENSE/SOURCES
    files and files whose extension and content are not an article format. Formats: .jsonl/.ndjson,
    .json (list of articles or JSON Feed), .txt/.md (headline on the first line), .html/.htm (main text
    via trafilatura), .xml/.rss/.atom/.rdf/.feed (one article per entry); content sniffing overrides a
    misleading extension. Bad content never raises; a path that does not exist raises IngestError now,
    before anything is read. A file reached twice is read once; repeated article ids are yielded as they
    come (what to do with them is the indexer's policy).
    """
    roots = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    for root in roots:
        if not root.exists():
            raise IngestError(str(root), "no such file or directory", "check the path (relative paths start "
                              "from the current directory)")
    return _iterate(roots)


def load_articles(paths: Iterable[str | Path] | str | Path) -> tuple[list[Article], list[IngestError]]:
    """All articles and all errors of ``iter_inputs(paths)``, as two lists in input order."""
    articles: list[Article] = []
    errors: list[IngestError] = []
    for item in iter_inputs(paths):
        (articles if isinstance(item, Article) else errors).append(item)  # type: ignore[arg-type]
    return articles, errors
