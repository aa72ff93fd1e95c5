"""The ``Answerer`` interface every answerer implements, and what it yields (``Piece``: text, a checked
sentence, or a ``Gloss`` of the sentence before).

An answerer writes; it never decides whether to answer (``rag.decide`` does, before it is asked) beyond
its own judgement (``answerable``), which the decline rules read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rag.core.types import AnswerSentence, Hit, Query
from rag.retrieve.sentences import PassageSentences
from rag.verify.verifier import Verdict


@dataclass(frozen=True)
class Gloss:
    """What an answerer learned about the sentence it yielded just before, once that sentence is
    already on screen: its translation for the reader (empty when none is shown) and the reason that
    replaces the sentence's. Lets a quoted sentence stream at once and its translation follow."""

    translation: str
    reason: str


#: What an answerer yields: answer text, a sentence it checked itself, or a gloss of that sentence.
Piece = str | AnswerSentence | Gloss


# --- answerers ---------------------------------------------------------------------------------------

class Answerer(ABC):
    """Writes the answer text from the gated passages, with ``[n]`` markers numbering ``hits`` from 1.

    The pipeline checks and completes the markers afterwards (``rag.verify.citations``); an answerer that
    cannot answer from the passages writes ``NOT_COVERED``.
    """

    #: What ``Answer.llm`` records ("local", "openai", "extractive").
    name: str
    #: Whether an LLM writes (first-token latency is then measured, and follow-ups may use it).
    uses_llm: bool = False

    @property
    def label(self) -> str:
        """A one-line human description (shown in the UI header and reports)."""
        return self.name

    def load(self) -> None:  # noqa: B027 (optional hook: most answerers have nothing to load)
        """Load what answering needs now (a chat model) rather than on the first question."""

    def answerable(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences,
                   older: bool = False) -> Verdict | None:
        """Whether the passages answer the question, judged before anything is written (None: this
        answerer does not judge; the relevance gate alone decided). ``older``: the passages predate
        the period the question names (``query.window``), and must still answer for it."""
        return None

    def quoting(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> list[Hit]:
        """The passages the answer is judged on and quotes from, before it is written (default: all)."""
        return list(hits)

    def preface(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> str:
        """A note the reader needs before the answer (e.g. that it quotes sources in another
        language), in the question's language; "" for none."""
        return ""

    @abstractmethod
    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        """Pieces of the answer as they are written: text, or whole sentences the answerer has already
        checked (``AnswerSentence``; one not ``shown`` is recorded but not displayed), each possibly
        followed by its ``Gloss`` once that is ready. ``sentences`` are the passages' sentences,
        embedded once per answer and shared with the verification."""
