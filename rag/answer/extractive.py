"""The no-LLM answerers: the passage sentences closest to the question (``ExtractiveAnswerer``), and,
for a pasted sentence, the sentences that match it (``LookupAnswerer``). Both quote, so every shown
word is a source's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rag.answer.base import Answerer, Piece
from rag.answer.select import _same_text, passages_of, select_sentences
from rag.core.types import AnswerSentence, Hit, Query
from rag.retrieve.sentences import PassageSentences, Sentence


class ExtractiveAnswerer(Answerer):
    """No LLM: the passage sentences closest in meaning to the question, each cited."""

    name = "extractive"

    def __init__(self, max_sentences: int = 3, from_passages: int = 3, paraphrase: float = 1.0) -> None:
        self.max_sentences, self.from_passages = max_sentences, from_passages
        #: Cosine at which a sentence restates one already chosen (1: only verbatim copies are skipped).
        self.paraphrase = paraphrase

    @property
    def label(self) -> str:
        return "extractive (no LLM)"

    def quoting(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> list[Hit]:
        """The passages of the sentences it quotes."""
        return passages_of(self._chosen(query, sentences), hits)

    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        for s in self._chosen(query, sentences):
            yield AnswerSentence(s.text, (s.n,), "quoted", 1.0, "the source's own words", s.text)

    def _chosen(self, query: Query, sentences: PassageSentences) -> list[Sentence]:
        return select_sentences(sentences.scored(query.searched), self.max_sentences, self.from_passages,
                                sentences.paraphrases(self.paraphrase))


class LookupAnswerer(ExtractiveAnswerer):
    """For a pasted sentence: the passage sentences that match it (plain cosine ≥ ``min_similarity``),
    best match first, each cited: where it comes from, in each language the archive holds it in.

    Not the question-scored extractive pick: its bonus for shared words favours sentences in the
    pasted sentence's own language, and a loosely related English sentence came before the matching
    Indonesian one."""

    def __init__(self, min_similarity: float, max_sentences: int = 3) -> None:
        super().__init__(max_sentences)
        self.min_similarity = min_similarity

    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        seen: set[str] = set()
        for s in sentences.closest(query.searched, 4 * self.max_sentences):
            if s.score < self.min_similarity or len(seen) == self.max_sentences:
                break
            if (key := _same_text(s.text)) not in seen:
                seen.add(key)
                yield AnswerSentence(s.text, (s.n,), "quoted", 1.0, f"matches the pasted sentence ({s.score:.2f})",
                                     s.text)
