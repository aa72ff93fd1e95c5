"""The free-prose answerer (``answer_style=synthesis``): a chat model answers from the passages, each
cut to its sentences closest to the question; every sentence it writes is checked afterwards
(``rag.verify.check``).

Passages are untrusted: they are fenced as data, stripped of anything that looks like a citation
marker or a chat-template token, and the system prompt (``rag.core.prompts``) tells the model to ignore
instructions found in them. The model answers in the question's language and cites passages as ``[n]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
import re

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from rag import languages
from rag.answer.base import Answerer, Piece
from rag.core.prompts import ANSWER_PROMPT, NOT_COVERED, SYSTEM_PROMPT
from rag.core.types import Hit, passage_label, Query
from rag.retrieve.sentences import PassageSentences, Sentence


def _defang(text: str) -> str:
    # Remove what could hijack the numbering or the chat template; keep the prose.
    text = re.sub(r"<\|[^|>]{1,40}\|>", " ", text)
    text = re.sub(r"\[\s*\d{1,3}\s*\]", "", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def build_messages(question: str, hits: Sequence[Hit], language: str,
                   passages: Sequence[str] | None = None) -> list[BaseMessage]:
    """The chat messages for a grounded answer: system rules, then the fenced passages and the question.

    ``passages`` replaces the hits' texts (e.g. by their focused form from ``focus_passages``).
    """
    texts = passages if passages is not None else [h.text for h in hits]
    blocks = [f"{passage_label(i, h)}\n{_defang(t)}" for i, (h, t) in enumerate(zip(hits, texts), 1)]
    lang_name = languages.language_name(language) or "the language of the question"
    user = ANSWER_PROMPT.format(question=question, passages="\n\n".join(blocks), language=lang_name)
    return [SystemMessage(SYSTEM_PROMPT.format(not_covered=NOT_COVERED, language=lang_name)),
            HumanMessage(user)]


def stream_answer(model: BaseChatModel, messages: list[BaseMessage]) -> Iterator[str]:
    """Text pieces of the model's answer as they are generated."""
    for chunk in model.stream(messages):
        content = chunk.content
        if isinstance(content, str):
            if content:
                yield content
        else:  # list-of-parts content from some providers
            yield "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


def is_not_covered(text: str) -> bool:
    """True when the model said the passages do not answer (it may add words around the sentinel)."""
    return NOT_COVERED.lower().replace("_", "") in text.lower().replace("_", "").replace(" ", "")


def focus_passages(hits: Sequence[Hit], scored: Sequence[Sentence], keep: int = 3) -> list[str]:
    """Each passage cut down to its ``keep`` sentences closest to the question, in reading order
    (``keep`` 0: whole passages).

    A small LLM answers better from a few on-topic sentences than from whole passages, and the
    prompt is shorter (reading it is most of the local model's latency).
    """
    if keep <= 0:
        return [hit.text for hit in hits]
    out = []
    for n, hit in enumerate(hits, 1):
        mine = sorted((s for s in scored if s.n == n), key=lambda s: -s.score)[:keep]
        out.append(" ".join(s.text for s in sorted(mine, key=lambda s: s.index)) or hit.text)
    return out


class LLMAnswerer(Answerer):
    """A chat model answering from the passages, each cut to its sentences closest to the question."""

    uses_llm = True

    def __init__(self, name: str, model: Callable[[], BaseChatModel], label: str = "",
                 focus_sentences: int = 3) -> None:
        self.name = name
        self.model = model
        self._label = label or name
        self.focus_sentences = focus_sentences

    @property
    def label(self) -> str:
        return self._label

    def load(self) -> None:
        self.model()

    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        focused = focus_passages(hits, sentences.scored(query.searched), self.focus_sentences)
        messages = build_messages(query.searched, hits, query.language, focused)
        yield from stream_answer(self.model(), messages)
