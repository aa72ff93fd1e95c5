"""What to index: files, folders and URLs, and the ``--sources FILE`` that lists them.

A sources file has one entry a line: a path or an http(s) URL, then optionally the outlet name to give
its articles when they name none (``https://example.org/feed.xml  Example Daily``). A path holding spaces
is written in double quotes. ``#`` starts a comment at the start of a line or after a space; blank
lines are ignored; relative paths are relative to the sources file's folder. Bad lines (an unknown URL
scheme, a missing path, an unclosed quote, an entry listed twice) are errors naming ``file:line``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
import re
from urllib.parse import urlsplit

from rag.core.errors import IngestError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_COMMENT = re.compile(r"(^|\s)#.*$")
_HINT = "write one entry a line: a path or an http(s) URL, then optionally the outlet name"


@dataclass(frozen=True)
class Source:
    """One input: ``location`` is a path or a URL; ``outlet`` names the outlet of its articles that name none."""

    location: str
    outlet: str | None = None

    @property
    def is_url(self) -> bool:
        return is_url(self.location)


def is_url(location: str | Path) -> bool:
    """True for text that starts like a URL (``scheme://``), whatever the scheme."""
    return isinstance(location, str) and bool(_SCHEME.match(location.strip()))


def as_sources(inputs: Iterable[str | Path | Source]) -> list[Source]:
    """Command-line paths, URLs and Source records as Source records."""
    return [item if isinstance(item, Source) else Source(str(item)) for item in inputs]


def _parse_line(line: str, folder: Path) -> Source | str | None:
    """A Source, None for a blank or comment line, or the reason the line is bad."""
    text = _COMMENT.sub("", line).strip()
    if not text:
        return None
    if text.startswith('"'):
        end = text.find('"', 1)
        if end < 0:
            return "unclosed double quote"
        location, rest = text[1:end], text[end + 1:]
        if rest and not rest[0].isspace():
            return "expected a space between the quoted path and the outlet name"
    else:
        location, *more = text.split(None, 1)
        rest = more[0] if more else ""
    outlet = " ".join(rest.split()) or None
    if not location:
        return "empty location"
    if is_url(location):
        try:
            parts = urlsplit(location)
            host = parts.hostname
        except ValueError as e:
            return f"not a valid URL ({e}): {location}"
        if parts.scheme.lower() not in ("http", "https"):
            return f"unsupported URL scheme {parts.scheme!r} (only http and https)"
        if not host:
            return f"URL without a host: {location}"
        return Source(location, outlet)
    path = Path(location).expanduser()
    path = path if path.is_absolute() else folder / path
    if not path.exists():
        return f"no such file or directory: {path}"
    return Source(str(path), outlet)


def load_sources(path: str | Path) -> list[Source]:
    """The entries of a sources file, in order; IngestError naming ``file:line`` for every bad line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise IngestError(str(path), f"cannot read the sources file: {reason}", "check the --sources path") from e
    sources: list[Source] = []
    first_seen: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        parsed = _parse_line(line, path.parent)
        if isinstance(parsed, str):
            problems.append((number, parsed))
        elif parsed is not None:
            if parsed.location in first_seen:
                problems.append((number, f"{parsed.location} is listed twice (first on line "
                                         f"{first_seen[parsed.location]})"))
                continue
            first_seen[parsed.location] = number
            sources.append(parsed)
    if problems:
        (number, reason), rest = problems[0], problems[1:]
        more = "".join(f"\n  {path}:{n}: {why}" for n, why in rest)
        raise IngestError(f"{path}:{number}", reason + more, _HINT)
    if not sources:
        raise IngestError(str(path), "the sources file lists nothing to index", _HINT)
    return sources
