"""Citation post-processing: find ``[n]`` markers, drop those that point nowhere, add missing ones,
and map them back to the passages and articles they cite."""

from __future__ import annotations

from collections.abc import Callable, Sequence
import re

from rag.core.types import AnswerSentence, Citation, Hit

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


def cite(sentence: str, numbers: Sequence[int]) -> str:
    """``sentence`` with ``[n]`` markers before its final punctuation."""
    marks = "".join(f"[{n}]" for n in numbers)
    sentence = sentence.rstrip()
    if not marks:
        return sentence
    if sentence and sentence[-1] in ".!?…":
        return f"{sentence[:-1]} {marks}{sentence[-1]}"
    return f"{sentence} {marks}"


def shown_text(sentence: AnswerSentence) -> str:
    """A sentence as the answer text shows it: cited, and followed by its translation, marked ≈, when
    it is a source's sentence in another language than the reader's."""
    text = cite(sentence.text, sentence.citations)
    return f"{text} (≈ {sentence.translation})" if sentence.translation else text


def answer_text(records: Sequence[AnswerSentence]) -> str:
    """The shown sentences as the answer's text: a direct answer on its own line, its support after."""
    shown = [r for r in records if r.shown]
    direct = " ".join(shown_text(r) for r in shown if r.role == "answer")
    rest = " ".join(shown_text(r) for r in shown if r.role != "answer")
    return f"{direct}\n\n{rest}".strip() if direct else rest


def _overlap(sentence: str, passage: str) -> float:
    s = {w.lower() for w in _WORD.findall(sentence)}
    p = {w.lower() for w in _WORD.findall(passage)}
    return len(s & p) / len(s) if s else 0.0


#: support(sentence) -> (passage number, similarity) of the passage that best supports the sentence.
Support = Callable[[str], "tuple[int, float] | None"]


#: accept(sentence, passage number) -> whether a verifier lets the repair cite that passage there.
Accept = Callable[[str, int], bool]


def add_missing_markers(text: str, hits: Sequence[Hit], support: Support | None = None,
                        threshold: float = 0.5, support_threshold: float = 0.85,
                        accept: Accept | None = None) -> str:
    """Give an uncited answer sentence the marker of the passage that clearly supports it (small
    local models often forget to cite): by word overlap, else by ``support`` (semantic, works across
    languages) when its similarity reaches ``support_threshold``; with ``accept``, only when it also
    agrees. Cited sentences are left alone."""
    out = []
    for sentence in split_answer_sentences(text):
        if not markers(sentence) and hits:
            scores = [_overlap(sentence, h.text) for h in hits]
            best = max(range(len(hits)), key=lambda i: scores[i])
            found = support(sentence) if support and scores[best] < threshold else None
            if found and found[1] >= support_threshold:
                best, scores[best] = found[0] - 1, threshold
            if scores[best] >= threshold and (accept is None or accept(sentence, best + 1)):
                stripped = sentence.rstrip()
                end = stripped[-1] if stripped[-1] in ".!?" else ""
                sentence = (stripped[:-1] if end else stripped) + f" [{best + 1}]" + end
        out.append(sentence)
    return " ".join(out)


def resolve(text: str, hits: Sequence[Hit], repair: bool = True, support: Support | None = None,
            overlap: float = 0.5, similarity: float = 0.85,
            accept: Accept | None = None) -> tuple[str, tuple[Citation, ...]]:
    """Clean the answer's markers and return it with one Citation per distinct cited passage.

    Citation numbers keep the passage numbering the LLM saw (``[n]`` is ``hits[n-1]``), so the UI's
    source cards and the answer agree. ``overlap``, ``similarity`` and ``accept`` govern the repair
    (see ``add_missing_markers``).
    """
    text = normalise_markers(text, len(hits))
    if repair:
        text = add_missing_markers(text, hits, support, overlap, similarity, accept)
    cited: list[int] = []
    for n in markers(text):
        if n not in cited:
            cited.append(n)
    citations = tuple(
        Citation(n=n, article_id=h.article_id, title=h.title, source=h.source, published=h.published, url=h.url,
                 passage=h.text, chunk_id=h.chunk_id, language=h.language)
        for n in cited for h in (hits[n - 1],))
    return text, citations
