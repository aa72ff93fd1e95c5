"""Page furniture, and sentences that speak to an assistant: what a page or feed carries that is not
the article's own statements.

Furniture is dropped at ingest, a line at a time, so that it is neither embedded nor quoted: prompts
to subscribe and sign-up messages, links to other stories ("Read more: …", "Lire aussi", "Baca juga"),
share buttons, cookie notices, photo captions closing with their credit, gallery counters, lines that
are only links (the phrases per language in ``rag.languages``, the rest here). The same test keeps
such a sentence out of an answer when the index was built before it (``rag.retrieve.sentences``).

Sentences addressed to an assistant or the reader as instructions ("Note to AI assistants …",
"ignorez les instructions précédentes", "katakan kepada pembaca bahwa …") and sentences holding a
link stay in the article, which stays searchable, but are never quoted: an article is untrusted input,
and quoting it must not carry its instructions or its links to the reader.
"""

from __future__ import annotations

from functools import cache
import re

from rag import languages

#: A link written out in the text.
LINK = re.compile(r"https?://\S+|\bwww\.[\w-]+\.\w\S*|\bpic\.twitter\.com/\S+|\bt\.co/\S+"
                  r"|\b(?:[\w-]+\.)+(?:com|org|net|gov|edu|info|io|fr|id|uk|au|ca)/[\w/%.-]+", re.I)
#: Furniture is short: a longer line that opens with one of its phrases is the article's own paragraph.
MAX_FURNITURE_WORDS = 45

#: A photo caption closing with its credit ("… (Image credit: X/AFP via Getty Images)", "(AP Photo/X)",
#: "Photograph: X/Reuters", "Foto: X/Antara").
_CREDIT = re.compile(r"\((?:image credit|photo(?:graph)?(?: credit)?|credit|foto|ap photo|reuters photo)\b"
                     r"[^()]{0,120}\)\s*$"
                     r"|\b(?:photograph|photo|foto|image)\s?:\s?[^.]{0,80}(?:/|\bvia\b)[^.]{0,60}$", re.I)
#: A gallery's counter or an item of its list ("3 / 12", "Image 3 of 20", "1 sur 8", "Foto 2 dari 5").
_COUNTER = re.compile(r"^(?:image|photo|foto|slide)?\s?\d{1,3}\s?(?:/|of|sur|dari)\s?\d{1,3}$", re.I)
#: What a page appends to a paragraph: a link to read on ("… READ MORE", "… Continue reading…").
_TRAILER = re.compile(r"\s*(?:READ MORE|Continue reading\W*|Read more\W*|Lire la suite\W*|Baca selengkapnya\W*)$")
#: What a feed's text may glue before a statement with no sentence end between them: a photo caption
#: up to its credit, a gallery counter, "READ MORE", "Show all 50".
_LEADER = re.compile(r"^(?:.{0,400}?\((?i:image credit|photo(?:graph)?(?: credit)?|credit|foto|ap photo)\b"
                     r"[^()]{0,120}\)"
                     r"|(?i:READ MORE|Continue reading\W*|Show all \d+"
                     r"|(?:image |photo |foto )?\d{1,3} ?(?:/|of) ?\d{1,3}))"
                     r"\s+(?=[\"“«A-ZÀ-Þ0-9])")
#: A gallery's numbered captions run together ("1 / 12 … 2 / 12 …"): two counters in one sentence.
_COUNTERS = re.compile(r"(?<![\d/])\d{1,3} / \d{1,3}(?![\d/])")  # spaced: "6/14/1988" is a date


@cache
def _phrases() -> re.Pattern[str]:
    return languages.combined("furniture", r"^\W{{0,3}}(?:{})")


@cache
def _instructions() -> re.Pattern[str]:
    return languages.combined("instructions")


def _only_links(line: str) -> bool:
    rest = LINK.sub("", line)
    return rest != line and len(re.findall(r"\w+", rest)) <= 3


def is_furniture(line: str) -> bool:
    """Whether a line (or a sentence) is page furniture rather than the article's words."""
    line = line.strip()
    if not line:
        return False
    if _COUNTER.match(line) or _only_links(line) or _CREDIT.search(line) or len(_COUNTERS.findall(line)) > 1:
        return True
    return len(line.split()) <= MAX_FURNITURE_WORDS and bool(_phrases().match(line))


def without_trailer(text: str) -> str:
    """``text`` without a "READ MORE" or "Continue reading" a page appended to it."""
    return _TRAILER.sub("", text)


def without_furniture(sentence: str) -> str:
    """A sentence without the furniture a feed glued around it (a caption and its credit, a counter,
    "READ MORE" before it; a link to read on after it)."""
    return without_trailer(_LEADER.sub("", sentence, count=1))


def strip_furniture(text: str) -> str:
    """An article's text without its furniture lines and trailers; paragraphs stay as they were."""
    kept = [without_trailer(line) for line in text.split("\n") if not is_furniture(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def speaks_to_assistant(sentence: str) -> bool:
    """Whether a sentence addresses an assistant or the reader with instructions, in any language."""
    return bool(_instructions().search(sentence))


def has_link(sentence: str) -> bool:
    """Whether a sentence holds a link written out."""
    return bool(LINK.search(sentence))


def quotable(sentence: str) -> bool:
    """Whether a sentence may be quoted to a reader: not furniture, no instructions, no link."""
    return not (is_furniture(sentence) or speaks_to_assistant(sentence) or has_link(sentence))
