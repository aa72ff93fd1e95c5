"""Bytes -> raw records for the web formats (HTML, RSS/Atom/RDF, JSON Feed), and their wild values.

Decoding (BOMs, legacy charsets), dates in any form and language detection live here too: they are
what web sources get wrong most often.

A record is a plain dict keyed like ``Article``'s fields (values still raw: dates unparsed, text not yet
cleaned). ``rag.ingest.readers`` validates and normalises records into Articles and knows about files and
line numbers; nothing here does. Failures are ``ValueError`` with a message meant for the user.
"""

from __future__ import annotations

import codecs
from datetime import datetime, timedelta, timezone
import functools
import io
import re
import time
from typing import Any, ClassVar
from urllib.parse import urlsplit
import warnings

import charset_normalizer
from dateutil import parser as date_parser
import feedparser
from lxml import etree
from lxml import html as lxml_html
import trafilatura
from trafilatura.settings import Document

Record = dict[str, Any]

# UTF-32 first: its little-endian BOM starts with UTF-16's.
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_WORD = re.compile(rb"[A-Za-z\x80-\xff]+")
_XML_ENCODING_DECL = re.compile(rb"\s*<\?xml[^>]*\bencoding\s*=", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
# extensive_search lets htmldate take a footer's "(c) 2024" for the publication date.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}
_BLOCK_TAGS = frozenset("p div section article header footer aside blockquote pre ul ol li dl dt dd table tr "
                        "h1 h2 h3 h4 h5 h6 figure figcaption hr".split())


def has_bom(data: bytes) -> bool:
    """True when the bytes start with a Unicode byte-order mark (UTF-16/32 text holds NUL bytes)."""
    return any(data.startswith(bom) for bom, _ in _BOMS)


def guess_encoding(data: bytes) -> str | None:
    """Best guess at the single-byte (or legacy) encoding of bytes that are not UTF-8; None if hopeless."""
    # Latin-script text keeps most letters in ASCII, so accented letters are sparse inside words;
    # in Cyrillic, Greek or Hebrew single-byte encodings every letter of a word is a high byte.
    # charset_normalizer guesses poorly between Western code pages (cp1257 for Portuguese), while
    # windows-1252 is the web's own fallback, so Latin-looking bytes go there directly.
    words = [w for w in _WORD.findall(data) if max(w) >= 0x80]
    if words:
        share = sum(sum(b >= 0x80 for b in w) / len(w) for w in words) / len(words)
        if share < 0.5:
            try:
                data.decode("cp1252")
                return "cp1252"
            except UnicodeDecodeError:
                pass
    best = charset_normalizer.from_bytes(data).best()
    return best.encoding if best is not None else None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode text: a BOM wins, then UTF-8, then the declared charset, then a guess; else ValueError."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as e:
                raise ValueError(f"starts with a {codec} byte-order mark but is not valid {codec} ({e.reason})") from e
    for codec in ("utf-8", declared) if declared else ("utf-8",):
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown or wrong charset name: guess instead
    encoding = guess_encoding(data)
    if encoding is None:
        raise ValueError("undecodable bytes: not UTF-8 and no other text encoding fits")
    return data.decode(encoding, errors="replace")


def host_of(url: str | None) -> str | None:
    """Host name of a URL, lower-case and without ``www.``; None when there is none."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment, with blank lines between block elements; scripts dropped."""
    if "<" not in markup and "&" not in markup:
        return markup
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]*>", " ", markup)
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _BLOCK_TAGS:
            el.text = "\n\n" + (el.text or "")
            el.tail = "\n\n" + (el.tail or "")
        elif el.tag == "br":
            el.tail = "\n" + (el.tail or "")
    return str(root.text_content())


# ------------------------------------------------------------------------- languages and dates


@functools.cache
def _language_identifier() -> Any:
    from py3langid.langid import _load_identifier  # ~0.5 s to load: only when detection is needed

    return _load_identifier(norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (py3langid on its first ~2000 characters).

    None for empty or very short text (under 20 letters) and when py3langid is unsure (probability
    under 0.3, as for a two-word headline): no language beats a wrong one.
    """
    sample = (text or "")[:2000]
    if sum(ch.isalpha() for ch in sample) < 20:
        return None
    language, probability = _language_identifier().classify(sample)
    return str(language).lower() if probability >= 0.3 else None


class _MultilingualDates(date_parser.parserinfo):  # type: ignore[misc]
    """Month names of the archive's languages (en, fr, id) and neighbours (es, pt, de, it, nl)."""

    MONTHS: ClassVar[list[tuple[str, ...]]] = [tuple(names.split()) for names in (
        "jan january janvier janv januari enero ene janeiro januar gennaio gen",
        "feb february février fevrier févr fevr februari febrero fevereiro fev februar febbraio",
        "mar march mars maret marzo março marco märz maerz mrt",
        "apr april avril avr abril abr aprile",
        "may mai mei mayo maio maggio mag",
        "jun june juin juni junio junho giugno giu",
        "jul july juillet juil juli julio julho luglio lug",
        "aug august août aout agustus agu agt agosto ago",
        "sep sept september septembre septiembre setembro set settembre",
        "oct october octobre oktober okt octubre outubro out ottobre ott",
        "nov november novembre noviembre novembro",
        "dec december décembre decembre déc desember des diciembre dic dezembro dez dezember dicembre")]


_DATE_INFO = _MultilingualDates()
_TZ = {name: timezone(timedelta(hours=hours)) for name, hours in (
    ("EST", -5), ("EDT", -4), ("CST", -6), ("CDT", -5), ("MST", -7), ("MDT", -6), ("PST", -8), ("PDT", -7),
    ("CET", 1), ("CEST", 2), ("BST", 1), ("WIB", 7), ("WITA", 8), ("WIT", 9))}
# Two far-apart defaults: a field the text did not give comes out different in the two parses.
_DEFAULTS = (datetime(2000, 1, 1, 0, 0, 0), datetime(2001, 12, 28, 13, 13, 13))


def _format_date(dt: datetime, has_time: bool) -> str | None:
    if not 1900 <= dt.year <= 2100:
        return None
    return dt.replace(microsecond=0).isoformat() if has_time else dt.date().isoformat()


def normalize_date(value: str | None) -> str | None:
    """A date in any common form (ISO 8601, RFC 822, '15 juin 2025', ...) as ISO text, else None.

    Date-only input gives ``YYYY-MM-DD``; input with a time gives ``YYYY-MM-DDTHH:MM:SS`` plus its UTC
    offset when it states one (kept, not converted, so the day stays the local publication day).
    Input missing the year, month or day gives None rather than a guessed date.
    """
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        return None
    text = value.strip()
    try:
        return _format_date(datetime.fromisoformat(text.removesuffix("Z") + ("+00:00" if text.endswith("Z") else "")),
                            has_time=len(text) > 10)
    except ValueError:
        pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dateutil warns about time-zone names it does not know
            first, second = (date_parser.parse(text, default=d, fuzzy=True, parserinfo=_DATE_INFO, tzinfos=_TZ)
                             for d in _DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.date() != second.date():
        return None
    return _format_date(first, has_time=first.hour == second.hour)


# ----------------------------------------------------------------------------------------- HTML


def _strip_site_suffix(title: str, sitename: str | None) -> str:
    if sitename:
        for sep in (" - ", " | ", " \u2013 ", " \u2014 ", " : "):
            if title.lower().endswith((sep + sitename).lower()):
                return title[: -len(sep + sitename)].strip()
    return title.strip()


def parse_html(data: bytes) -> Record:
    """Main text and metadata of one HTML page via trafilatura; ValueError when it has no main text."""
    declared = _META_CHARSET.search(data[:8192])
    markup = decode_bytes(data, declared.group(1).decode("ascii") if declared else None)
    doc = trafilatura.bare_extraction(markup, with_metadata=True, date_extraction_params=_DATE_PARAMS)
    lines = [line.strip() for line in ((doc.text if isinstance(doc, Document) else None) or "").split("\n")]
    paragraphs = [line for line in lines if line]
    if not isinstance(doc, Document) or not paragraphs:
        raise ValueError("no main text found in this HTML page (empty, broken, or not an article)")
    title = _strip_site_suffix(doc.title or "", doc.sitename)
    # trafilatura keeps the page's <h1> as the first line; the title already says it.
    if paragraphs[0] in {title, (doc.title or "").strip()} and len(paragraphs) > 1:
        paragraphs = paragraphs[1:]
    site = (doc.sitename or "").strip().lower()
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip() and a.strip().lower() != site]
    return {"title": title, "text": "\n\n".join(paragraphs), "url": doc.url, "published": doc.date,
            "source": host_of(doc.url) or doc.sitename or doc.hostname, "language": doc.language,
            "authors": authors}


# ---------------------------------------------------------------------------------------- feeds


def _detail_text(detail: Any) -> str:
    value = (detail or {}).get("value") or ""
    kind = (detail or {}).get("type") or "text/html"
    return html_to_text(value) if "html" in kind else value


def _entry_record(entry: Any, feed: Any, source: str | None) -> Record:
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    text = _detail_text(max(contents, key=lambda c: len(c.get("value") or ""))) if contents else ""
    if not text.strip():
        text = _detail_text(entry.get("summary_detail") or {"value": entry.get("summary") or ""})
    title = _detail_text(entry.get("title_detail") or {"value": entry.get("title") or ""})
    # dict.get: FeedParserDict maps a missing "updated" to "published" with a DeprecationWarning.
    raw_date = dict.get(entry, "published") or dict.get(entry, "updated") or entry.get("created")
    utc = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")  # feedparser's parse, in UTC
    names = [a.get("name") for a in entry.get("authors") or [] if isinstance(a, dict)]
    authors = [n for n in names if n] or ([entry["author"]] if entry.get("author") else [])
    return {"title": title, "text": text, "url": entry.get("link"),
            "published": raw_date,
            "published_utc": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", utc) if utc else None,
            "language": entry.get("language") or feed.get("language"),
            "source": source or host_of(entry.get("link")), "authors": authors}


def parse_feed(data: bytes) -> list[Record]:
    """One record per entry of an RSS/Atom/RDF feed; ValueError when no entry can be had."""
    headers: dict[str, str] = {}
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        # Without a declared encoding feedparser assumes windows-1252 (it only guesses with chardet,
        # which is not installed): KOI8-R or windows-1255 feeds would come out as Latin gibberish.
        if not _XML_ENCODING_DECL.match(data):
            encoding = guess_encoding(data)
            if encoding:
                headers["content-type"] = f"application/xml; charset={encoding}"
    # A stream, not bytes: feedparser would try bytes as a file name first.
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.entries:
        why = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise ValueError(f"no feed entries found{why}")
    feed = parsed.feed
    source = host_of(feed.get("link")) or (feed.get("title") or "").strip() or None
    return [_entry_record(entry, feed, source) for entry in parsed.entries]


def is_json_feed(obj: Any) -> bool:
    """True for a parsed JSON Feed document (https://jsonfeed.org)."""
    return isinstance(obj, dict) and "items" in obj and "jsonfeed" in str(obj.get("version", ""))


def _json_authors(obj: dict[str, Any]) -> list[str]:
    people: list[Any] = obj["authors"] if isinstance(obj.get("authors"), list) else [obj.get("author")]
    return [p["name"] for p in people if isinstance(p, dict) and isinstance(p.get("name"), str)]


def parse_json_feed(obj: dict[str, Any]) -> list[Record]:
    """One record per item of a JSON Feed (a non-object item gives an empty record, rejected later)."""
    source = host_of(obj.get("home_page_url")) or (str(obj.get("title") or "").strip() or None)
    records: list[Record] = []
    for item in (i if isinstance(i, dict) else {} for i in obj.get("items") or []):
        text = html_to_text(str(item.get("content_html") or "")) if item.get("content_html") else ""
        text = text if text.strip() else str(item.get("content_text") or item.get("summary") or "")
        url = item.get("url") or item.get("external_url")
        records.append({"title": str(item.get("title") or ""), "text": text, "url": url,
                        "published": item.get("date_published") or item.get("date_modified"),
                        "language": item.get("language") or obj.get("language"),
                        "source": source or host_of(url),
                        "authors": _json_authors(item) or _json_authors(obj)})
    return records
