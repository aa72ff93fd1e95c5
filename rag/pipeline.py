"""The one pipeline the UI, the CLI and the evaluation share: question → passages → cited answer.

``stream`` yields events as they happen (passages first, then answer text, then the final Answer)
so the UI can show sources before the answer is written; ``ask`` is the same run collected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Iterator, Sequence, Union

from langchain_core.language_models.chat_models import BaseChatModel

from rag.citations import resolve
from rag.conversation import Turn, rewrite_followup
from rag.embedding import get_embedder
from rag.generation import (abstain_message, build_messages, extractive_answer, focus_passages,
                            is_not_covered, out_of_window_message, PassageSentences, question_language,
                            stream_answer)
from rag.retrieval import Filters, is_lookup, Retriever, relevant
from rag.settings import Settings
from rag.store import ChunkStore
from rag.types import Answer, Hit


@dataclass(frozen=True)
class Retrieved:
    """Retrieval finished: these passages will be numbered [1]..[n] for the LLM."""

    hits: tuple[Hit, ...]
    seconds: float
    #: The standalone question that was searched when a follow-up was rewritten, else None.
    rewritten_question: str | None = None


@dataclass(frozen=True)
class Token:
    """A piece of answer text as the LLM writes it."""

    text: str


@dataclass(frozen=True)
class Done:
    """The final, citation-checked answer."""

    answer: Answer


Event = Union[Retrieved, Token, Done]


class Pipeline:
    """Retrieval and answering over one index, with the configured LLM.

    ``chat_model`` may be given (tests pass a fake one); otherwise it is built from settings on first
    use, so an extractive-only or retrieval-only user never loads an LLM.
    """

    def __init__(self, settings: Settings, chat_model: BaseChatModel | None = None) -> None:
        self.settings = settings
        self.embedder = get_embedder(settings.embedder)
        self.store = ChunkStore(settings, self.embedder.name, self.embedder.dim)
        self.retriever = Retriever(self.store, self.embedder, settings)
        self._chat_model = chat_model
        self._injected_model = chat_model is not None

    @property
    def llm_name(self) -> str:
        """What answers: 'extractive', or a description of the chat model."""
        if self.settings.llm == "extractive":
            return "extractive (no LLM)"
        from rag.llm import describe_llm

        return type(self._chat_model).__name__ if self._injected_model else describe_llm(self.settings)

    def chat_model(self) -> BaseChatModel:
        """The chat model, loaded once (the local GGUF takes a few seconds)."""
        if self._chat_model is None:
            from rag.llm import make_chat_model

            self._chat_model = make_chat_model(self.settings)
        return self._chat_model

    def retrieve(self, question: str, filters: Filters | None = None) -> list[Hit]:
        """The passages that would be given to the LLM, best first."""
        return self.retriever.search(question, filters)

    def stream(self, question: str, filters: Filters | None = None,
               history: Sequence[Turn] = ()) -> Iterator[Event]:
        """Answer ``question``, yielding Retrieved, then Token pieces, then Done.

        ``history`` holds the conversation's earlier (question, answer) turns: a follow-up that refers
        back to them ("and what did the G7 say?") is rewritten into a standalone question first.
        """
        question = question.strip()
        t0 = time.perf_counter()
        # Extractive mode has no LLM: follow-ups are then rewritten deterministically.
        rewriter = None if self.settings.llm == "extractive" else self.chat_model
        rewritten = rewrite_followup(question, history, rewriter) if history else None
        tr = time.perf_counter()
        asked = rewritten or question
        language = question_language(asked)
        found = self.retriever.find(asked, filters)
        hits = relevant(found.hits, self.settings.min_relevance, self.settings.relevance_margin)
        t1 = time.perf_counter()
        yield Retrieved(tuple(hits), t1 - tr, rewritten)
        timings = {"retrieval": t1 - tr, **({"rewrite": tr - t0} if history else {})}
        base = Answer(question=question, text="", hits=tuple(hits), language=language, llm=self.settings.llm,
                      rewritten_question=rewritten)

        decline = None
        if found.outside_window and found.window:
            # Listed for the reader, never answered from: last month's story is not this week's news.
            w = found.window
            decline = out_of_window_message(language, w.start, w.end, w.phrase, hits)
        elif not hits:
            decline = abstain_message(language)
        if decline is not None:
            yield Token(decline)
            timings.update(generation=0.0, total=time.perf_counter() - t0)
            yield Done(replace(base, text=decline, abstained=True, timings=timings))
            return

        sentences = PassageSentences(hits, self.embedder)
        scored = sentences.scored(asked)
        # A pasted sentence asks where it comes from, not something to answer: the sentences that match
        # it, quoted and cited, are the reply (a small LLM tends to decline or paraphrase a statement).
        if self.settings.llm == "extractive" or is_lookup(asked):
            raw = extractive_answer(scored)
            base = replace(base, llm="extractive")  # what wrote it: no LLM ran
            yield Token(raw)
        else:
            focused = focus_passages(hits, scored, self.settings.focus_sentences)
            messages = build_messages(asked, hits, language, focused)
            pieces: list[str] = []
            first_token = None
            for piece in stream_answer(self.chat_model(), messages):
                if first_token is None:
                    first_token = time.perf_counter() - t1
                pieces.append(piece)
                yield Token(piece)
            raw = "".join(pieces)
            timings["first_token"] = first_token or 0.0
        t2 = time.perf_counter()
        timings.update(generation=t2 - t1, total=t2 - t0)

        if is_not_covered(raw) or not raw.strip():
            yield Done(replace(base, text=abstain_message(language), abstained=True, timings=timings))
            return
        def support(claim: str) -> tuple[int, float] | None:
            best = sentences.support(claim)
            return (best.n, best.score) if best else None

        text, citations = resolve(raw, hits, support=support)
        yield Done(replace(base, text=text, citations=citations, timings=timings))

    def ask(self, question: str, filters: Filters | None = None, history: Sequence[Turn] = ()) -> Answer:
        """Answer ``question`` in one call (the streamed run, collected)."""
        for event in self.stream(question, filters, history):
            if isinstance(event, Done):
                return event.answer
        raise RuntimeError("pipeline ended without an answer")  # unreachable: stream always ends with Done
