"""Proper names in a question: which capitalised words are names, and whether passages mention them.

Dense retrieval blurs names ("Labubu" lands near any auction story), so a question's names serve
first: the exact-name channel (``rag.retrieval.NameChannel``) looks for them verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
import re

from rag import languages

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
