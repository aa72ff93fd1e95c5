"""Which source sentences an answer quotes: the closest to the question among the first passages, one
sentence per fact (verbatim copies and, optionally, paraphrases skipped), in reading order. Shared by
the extractive and the quoting answerers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.core.types import Hit
from rag.retrieve.sentences import is_question_sentence, Sentence
from rag.verify.citations import cite


def _same_text(text: str) -> str:
    # A sentence syndicated verbatim into two passages is one sentence.
    return " ".join(text.lower().split())


def passages_of(chosen: Sequence[Sentence], hits: Sequence[Hit]) -> list[Hit]:
    """The passages ``chosen`` sentences come from, in passage order."""
    return [hits[n - 1] for n in sorted({s.n for s in chosen})]


def select_sentences(scored: Sequence[Sentence], max_sentences: int = 3, from_passages: int = 3,
                     same: Callable[[Sentence, Sentence], bool] | None = None) -> list[Sentence]:
    """The sentences closest to the question among the first ``from_passages`` passages, in reading
    order (passage, then position); a sentence syndicated verbatim into two passages counts once, and
    one that asks a question is never chosen. With ``same``, a sentence that says the same as one
    already chosen (another outlet's rewrite of the event) is skipped too, so that the next one, often
    the reason or the detail asked for, is shown instead of the event told twice."""
    best: list[Sentence] = []
    seen: set[str] = set()
    for s in sorted((s for s in scored if s.n <= from_passages and not is_question_sentence(s.text)),
                    key=lambda s: -s.score):
        key = _same_text(s.text)
        if key not in seen and not (same and any(same(s, b) for b in best)):
            seen.add(key)
            best.append(s)
        if len(best) == max_sentences:
            break
    return sorted(best, key=lambda s: (s.n, s.index))


def extractive_answer(scored: Sequence[Sentence], max_sentences: int = 3, from_passages: int = 3) -> str:
    """No-LLM answer: the sentences closest to the question among the top passages, each cited."""
    return " ".join(cite(s.text, (s.n,)) for s in select_sentences(scored, max_sentences, from_passages))
