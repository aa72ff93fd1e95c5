"""Proper names in a question: which capitalised words are names, and whether passages mention them.

Dense retrieval blurs names ("Labubu" lands near any auction story), so a question's names serve
twice: the exact-name channel (``rag.retrieve.channels.NameChannel``) looks for them verbatim, and when no
passage found mentions one of them, the archive has nothing on it and the pipeline says so instead of
answering from passages about something else.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
import re

from rag import languages
from rag.core.types import Hit, Query
from rag.index.chunking import count_tokens

_NAME = re.compile(r"\b(?:[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+)*|\d[\d,.]{2,})")
#: Where a sentence opens: a capitalised word there may be an ordinary word.
_OPENING = r"(?:^|[.!?:;]\s+|\n\s*)[\"“'‘(]*"


def names_in(question: str, limit: int = 3) -> list[str]:
    """Proper names and numbers in the question, longest first: what must appear verbatim."""
    not_names = languages.not_names()
    found: list[str] = []
    for m in _NAME.finditer(question):
        words = [w for w in m.group(0).split() if w not in not_names]
        name = " ".join(words).strip(".,'’")
        if len(name) >= 3 and name not in found:
            found.append(name)
    return sorted(found, key=len, reverse=True)[:limit]


def _opens_sentence(name: str, text: str) -> bool:
    return re.search(_OPENING + re.escape(name) + r"\b", text, re.M) is not None


def common_words(text: str, names: Sequence[str], passages: Sequence[str]) -> set[str]:
    """The ``names`` found in ``text`` that are ordinary words capitalised only because they open a
    sentence there ("Dozens killed in …", "Read …"): single words that ``passages`` (the nearest chunks)
    write in lower case more often than capitalised inside a sentence.

    The archive decides rather than a word list, so it works in any language and for any name: a
    real name at the head of a question ("Hegseth said …") is capitalised mid-sentence in the
    passages, and one they lack entirely is kept (the document filter then looks for it)."""
    common: set[str] = set()
    for name in names:
        if " " in name or not name[:1].isupper() or name.isupper() or not _opens_sentence(name, text):
            continue
        word = re.escape(name)
        lower = sum(len(re.findall(rf"\b{re.escape(name.lower())}\b", p)) for p in passages)
        capital = sum(len(re.findall(rf"\b{word}\b", p)) for p in passages)
        opening = sum(len(re.findall(_OPENING + word + r"\b", p, re.M)) for p in passages)
        if lower > capital - opening:
            common.add(name)
    return common


def _words(text: str) -> list[str]:
    return [re.sub(r"'s$", "", w) for w in re.findall(r"[\w']+", languages.fold(text.replace("’", "'")).lower())]


def _mentioned(word: str, vocabulary: set[str]) -> bool:
    """Whether the passages' ``vocabulary`` holds ``word`` or a form of it: the stem of a demonym
    ("Italian" → "Italy"), a transliteration ("Gaddafi" / "Qaddafi"), a plural."""
    if word in vocabulary:
        return True
    stem = word[:max(4, len(word) - 3)]
    return any(w.startswith(stem) or (abs(len(w) - len(word)) <= 2 and _close(word, w)) for w in vocabulary)


def _close(a: str, b: str) -> bool:
    m = SequenceMatcher(None, a, b)
    return m.quick_ratio() >= 0.8 and m.ratio() >= 0.8


def unmentioned(query: Query, hits: Sequence[Hit]) -> list[str]:
    """The question's names that no passage of ``hits`` mentions (an empty list when all are, or when it
    cannot be told).

    Only what is surely a rare name is checked: not numbers, weekdays or months, a single word opening
    a sentence (maybe an ordinary word), nor names made only of words the tokenizer knows whole
    ("Italian volcano": a passage on Etna need not say "Italian"). A name counts as mentioned when one
    of its rare words, or a close form of it, is in a passage; a rare acronym ("IHOP", "NTSB", "KPK")
    also when a passage spells it out ("National Transportation Safety Board").
    And only when every passage is in the question's language: across languages names change form
    ("Pékin", "Beijing")."""
    if query.is_lookup or not query.names or not hits:
        return []
    if any(h.language != query.language for h in hits):
        return []
    vocabulary = {w for h in hits for w in _words(f"{h.title} {h.text}")}
    missing = []
    for name in query.names:
        if _ACRONYM.fullmatch(name):
            # One the tokenizer knows whole ("FDA", "NATO") is famous enough to go unsaid or be paraphrased.
            if _rare(name) and name.lower() not in vocabulary and not _spelled_out(name, hits):
                missing.append(name)
            continue
        opening = " " not in name and _opens_sentence(name, query.searched)
        if re.fullmatch(r"[\d,.]+", name) or name.isupper() or opening:
            continue
        rare = [w for w in name.split() if len(w) >= 3 and _rare(w) and not languages.calendar_names().fullmatch(w)]
        if rare and not any(_mentioned(w, vocabulary) for r in rare for w in _words(r)):
            missing.append(name)
    return missing


_ACRONYM = re.compile(r"[A-Z]{3,6}")


def _spelled_out(acronym: str, hits: Sequence[Hit]) -> bool:
    """Whether a passage writes ``acronym`` out: consecutive words, from a capitalised one to a
    capitalised one, whose initials spell it with or without the short words between them ("Food and
    Drug Administration", "Department of Justice", "Perserikatan Bangsa-Bangsa")."""
    for hit in hits:
        words = re.findall(r"[^\W\d_]+", f"{hit.title} {hit.text}")
        for i, first in enumerate(words):
            if first[0] != acronym[0]:
                continue
            initials, capitals = "", ""
            for word in words[i:i + 2 * len(acronym)]:
                initials += word[0].upper()
                capitals += word[0] if word[0].isupper() else ""
                if word[0].isupper() and acronym in (initials, capitals):
                    return True
                if len(capitals) >= len(acronym):
                    break
    return False


def _rare(word: str) -> bool:
    # A word the cl100k vocabulary holds whole is a common word or a famous name ("Italian", "Monday",
    # "Gaza"): a passage may paraphrase it ("Italy's", "Sicily") or leave it implicit. One it splits
    # into pieces ("Labubu", "Hegseth") is rare, and only its own close forms can stand for it.
    return count_tokens(" " + re.sub(r"['’]s$", "", word.strip(".,'’"))) >= 2
