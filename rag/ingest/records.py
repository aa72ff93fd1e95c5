"""Raw records -> Articles: the validation and normalisation every input format shares.

A record is a plain dict keyed like ``Article``'s fields, values still raw (``rag.ingest.web`` makes
them from web formats, ``rag.ingest.readers`` from the others). Titles and texts are cleaned, ids derived from
the URL (else the content), dates normalised, languages taken from the record or detected.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit

from rag.core.errors import IngestError
from rag.core.types import Article
from rag.ingest.furniture import strip_furniture
from rag.ingest.web import detect_language, host_of, normalize_date, Record

_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff]")
#: Line breaks other than "\n" (CR LF, CR, VT, FF, NEL, U+2028), all read as "\n".
NEWLINE = re.compile("\r\n|[\r\x0b\x0c\x85\u2028]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_LANG = re.compile(r"[a-z]{2,3}")
HINT_SCHEMA = "see FORMATS.md: every article needs non-empty \"title\" and \"text\" strings"


def clean_text(text: str) -> str:
    """Control characters out, whitespace collapsed inside lines, paragraphs kept as blank lines."""
    text = _CONTROL.sub("", NEWLINE.sub("\n", unicodedata.normalize("NFC", text)).replace("\u2029", "\n\n"))
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_line(text: str) -> str:
    """One line of text: control characters out, whitespace collapsed."""
    return " ".join(_CONTROL.sub("", unicodedata.normalize("NFC", text)).split())


def url_key(url: str) -> str:
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


def derive_id(url: str | None, title: str, text: str) -> str:
    """A stable article id: from the URL (``url_key``) when there is one, else from title and text."""
    basis = url_key(url) if url else f"{title}\n{text}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def title_from_text(text: str) -> str:
    """A headline for an item that has none: its first line, cut at a word near 100 characters."""
    first = text.split("\n", 1)[0]
    return first if len(first) <= 100 else first[:100].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def language_code(value: Any) -> str | None:
    """``fr`` of ``fr-CA``, ``FR`` or ``fr_FR``; None for anything that is not a language code."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if _LANG.fullmatch(code) else None


def to_article(rec: Record, origin: str, derive_title: bool = False,
               outlet: str | None = None) -> Article | IngestError:
    """Validate and normalise one raw record into an Article, or the IngestError saying what is missing.
    Feed items may lack a title (``derive_title``: RSS allows it); ``outlet`` is the source when the
    record names none."""
    url = str(rec.get("url") or "").strip() or None
    link = f" ({url})" if url else ""
    title, whole = clean_line(str(rec.get("title") or "")), clean_text(str(rec.get("text") or ""))
    text = strip_furniture(whole)  # the page's furniture is neither embedded nor quoted
    if not text:
        return IngestError(origin, f"no article text{link}", "nothing to index here: add the text or drop the item")
    title_given = bool(title)
    if not title:
        if not derive_title:
            return IngestError(origin, f"no title{link}", HINT_SCHEMA)
        title = title_from_text(text)
    authors = tuple(dict.fromkeys(a for a in (clean_line(str(x)) for x in rec.get("authors") or []) if a))
    given_id = str(rec.get("id") if rec.get("id") is not None else "").strip()
    return Article(
        # The id reads the text as it came, so that what is dropped as furniture never changes it.
        id=given_id or derive_id(url, title if title_given else title_from_text(whole), whole), title=title, text=text,
        url=url,
        source=clean_line(str(rec.get("source") or "")) or outlet or host_of(url),
        published=normalize_date(rec.get("published")) or normalize_date(rec.get("published_utc")),
        language=language_code(rec.get("language")) or detect_language(f"{title}\n{text}"),
        authors=authors, origin=origin)
