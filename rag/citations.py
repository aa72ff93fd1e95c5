"""Citation post-processing: find ``[n]`` markers, drop those that point nowhere, add missing ones,
and map them back to the passages and articles they cite."""

from __future__ import annotations

import re
from typing import Sequence

from rag.types import Citation, Hit

# [1], [1, 2], [1][2], 【1】 and the "[Passage 1]" / "[source 2]" variants small models like to write.
_MARKER = re.compile(r"[\[【]\s*(?:(?:passage|source|passages|sources)\s*)?(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\s*[\]】]",
                     re.I)
_WORD = re.compile(r"\w{3,}", re.U)


def split_answer_sentences(text: str) -> list[str]:
    """Sentences of an answer, each keeping the citation markers that follow its full stop."""
    pattern = r".+?(?:[.!?。](?:\s*[\[【][^\]】]*[\]】])*|$)(?=\s+|$)"
    return [m.group(0).strip() for m in re.finditer(pattern, text.strip(), re.S) if m.group(0).strip()]


def markers(text: str) -> list[int]:
    """All passage numbers cited in ``text``, in order of appearance, repeats included."""
    return [int(n) for m in _MARKER.finditer(text) for n in re.split(r"\s*[,;]\s*", m.group(1))]


def normalise_markers(text: str, n_passages: int) -> str:
    """Rewrite every marker as plain ``[n]`` and delete those outside 1..n_passages."""

    def fix(m: re.Match[str]) -> str:
        nums = [int(n) for n in re.split(r"\s*[,;]\s*", m.group(1))]
        return "".join(f"[{n}]" for n in nums if 1 <= n <= n_passages)

    return re.sub(r"[ \t]+([.,;:!?])", r"\1", _MARKER.sub(fix, text))


def _overlap(sentence: str, passage: str) -> float:
    s = {w.lower() for w in _WORD.findall(sentence)}
    p = {w.lower() for w in _WORD.findall(passage)}
    return len(s & p) / len(s) if s else 0.0


def add_missing_markers(text: str, hits: Sequence[Hit], threshold: float = 0.5) -> str:
    """Give an uncited answer sentence the marker of the passage it overlaps most, when the overlap is
    clear (small local models often forget to cite). Sentences that already cite are left alone."""
    out = []
    for sentence in split_answer_sentences(text):
        if not markers(sentence) and hits:
            scores = [_overlap(sentence, h.text) for h in hits]
            best = max(range(len(hits)), key=lambda i: scores[i])
            if scores[best] >= threshold:
                stripped = sentence.rstrip()
                end = stripped[-1] if stripped[-1] in ".!?" else ""
                sentence = (stripped[:-1] if end else stripped) + f" [{best + 1}]" + end
        out.append(sentence)
    return " ".join(out)


def resolve(text: str, hits: Sequence[Hit], repair: bool = True) -> tuple[str, tuple[Citation, ...]]:
    """Clean the answer's markers and return it with one Citation per distinct cited passage.

    Citation numbers keep the passage numbering the LLM saw (``[n]`` is ``hits[n-1]``), so the UI's
    source cards and the answer agree.
    """
    text = normalise_markers(text, len(hits))
    if repair:
        text = add_missing_markers(text, hits)
    cited: list[int] = []
    for n in markers(text):
        if n not in cited:
            cited.append(n)
    citations = tuple(
        Citation(n=n, article_id=h.article_id, title=h.title, source=h.source, published=h.published, url=h.url,
                 passage=h.text, chunk_id=h.chunk_id, language=h.language)
        for n in cited for h in (hits[n - 1],))
    return text, citations
