"""The one pipeline the UI, the CLI and the evaluation share: question → passages → cited answer.

``Pipeline.stream`` runs the stages in order, each a part passed in (``rag.factory.build_pipeline``
assembles the default from ``Settings``):

1. **analyse** the question once into a ``Query`` (``rag.query``);
2. **retrieve** and gate its passages (``rag.retrieve``), shown to the reader at once (``Retrieved``);
3. **decide** whether to answer: the period rule, then the decline rules in order (``rag.decide``);
4. **answer**: the answerer's text and sentences, streamed as they come (``Token``; ``rag.answer``);
5. **check** what was written and resolve its citations (``rag.verify``), then ``Done``.

The pipeline reads no tuning setting itself: every threshold lives in the part it tunes.
``AnsweringPipeline`` is the interface every pipeline offers (the evaluation's naive peer too), so
callers never branch on which one they hold.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
import logging
import time
from typing import Protocol, runtime_checkable

from langchain_core.language_models.chat_models import BaseChatModel

from rag import languages
from rag.answer.base import Answerer, Gloss, Piece
from rag.answer.synthesis import is_not_covered
from rag.core.events import Done, Event, Retrieved, Token
from rag.core.settings import Settings
from rag.core.types import Answer, AnswerSentence, Filters, Hit, Query
from rag.decide.base import Case, DeclineRule, first_decline
from rag.decide.period import OlderCoverage, StaleNote
from rag.decide.replies import abstain_message
from rag.index.store import ChunkStore
from rag.models.embedding import Embedder
from rag.query.conversation import Turn
from rag.query.question import analyse, is_lookup
from rag.retrieve.retriever import Retriever
from rag.retrieve.sentences import PassageSentences
from rag.verify.check import AnswerChecker
from rag.verify.citations import cite, resolve, shown_text

log = logging.getLogger(__name__)


@runtime_checkable
class AnsweringPipeline(Protocol):
    """What every pipeline offers its callers (UI, CLI, evaluation)."""

    settings: Settings
    #: Short name for reports ("project", "naive").
    name: str
    #: Whether answers number and cite their passages (citation metrics apply).
    cites: bool

    def stream(self, question: str, filters: Filters | None = None,
               history: Sequence[Turn] = ()) -> Iterator[Event]:
        """Answer ``question``: Retrieved, then Token pieces, then Done."""
        ...

    def ranking(self, question: str, filters: Filters | None, depth: int) -> list[Hit]:
        """The retrieval ranking, deep enough to hold ``depth`` distinct articles when the index has
        them; its head is what ``stream`` would retrieve."""
        ...

    def context(self, ranking: Sequence[Hit], question: str = "") -> list[Hit]:
        """The passages of ``ranking`` the answerer would be given for ``question``."""
        ...

    def reads(self, hit: Hit) -> str:
        """A passage as the answerer reads it (e.g. with its headline)."""
        ...

    def describe_answerer(self) -> str:
        """A one-line human description of what writes the answers."""
        ...

    def warm(self) -> None:
        """Load what the first search would otherwise load (the embedder, the vector index)."""
        ...


@dataclass
class _Clock:
    """An answer's timings: total from the start; answerability, first token and generation from the
    end of retrieval."""

    start: float = field(default_factory=time.perf_counter)
    retrieved: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def mark_retrieved(self, rewrite: bool) -> float:
        now = time.perf_counter()
        analysed, self.retrieved = self.timings.pop("analysed", self.start), now
        self.timings["retrieval"] = now - analysed
        if rewrite:
            self.timings["rewrite"] = analysed - self.start
        return self.timings["retrieval"]

    def since_retrieved(self, name: str, at: float | None = None) -> None:
        self.timings[name] = (at or time.perf_counter()) - self.retrieved

    def finish(self, generated: bool = True) -> dict[str, float]:
        """The timings, ``generation`` 0 for an answer declined before the answering stage started."""
        self.since_retrieved("generation")
        if not generated:
            self.timings["generation"] = 0.0
        self.timings["total"] = time.perf_counter() - self.start
        return self.timings


class Pipeline:
    """Retrieval and answering over one index, from parts passed in.

    ``answerer`` writes answers; ``lookup_answerer`` replies to a pasted statement (the reader wants
    the sentences that match it, not a synthesis); ``quoter`` quotes the sources when nothing written
    survives the checks; ``rules`` decline, first one first; ``older`` reads a period the question
    names and ``stale`` dates a "latest" answer's sources; ``checker`` checks what was written;
    ``sentences_of`` splits and embeds passages' sentences; ``rewriter`` returns the chat model that
    rewrites follow-ups (None: deterministic rewriting).
    """

    name = "project"
    cites = True

    def __init__(self, settings: Settings, *, embedder: Embedder, store: ChunkStore, retriever: Retriever,
                 answerer: Answerer, lookup_answerer: Answerer, quoter: Answerer, rules: Sequence[DeclineRule],
                 older: OlderCoverage, stale: StaleNote, checker: AnswerChecker,
                 sentences_of: Callable[[Sequence[Hit]], PassageSentences],
                 rewriter: Callable[[], BaseChatModel] | None = None, max_names: int = 3) -> None:
        self.settings = settings
        self.embedder, self.store, self.retriever = embedder, store, retriever
        self.answerer, self.lookup_answerer, self.quoter = answerer, lookup_answerer, quoter
        self.rules, self.older, self.stale, self.checker = tuple(rules), older, stale, checker
        self.sentences_of, self.rewriter, self.max_names = sentences_of, rewriter, max_names

    @property
    def verifier(self) -> object | None:
        """The verifier that checks written sentences (None: not checked)."""
        return self.checker.verifier

    @property
    def llm_name(self) -> str:
        """What answers: 'extractive (no LLM)', or a description of the chat model."""
        return self.answerer.label

    def describe_answerer(self) -> str:
        return self.answerer.label

    def load(self) -> None:
        """Load the answerer's chat model, prepare the verifier and warm retrieval now (the UI does, before
        it starts serving)."""
        self.answerer.load()
        if self.checker.verifier is not None:
            self.checker.verifier.load()
        self.warm()

    def warm(self) -> None:
        """One search, so that the first reader does not wait for the embedder and Chroma's vector index
        to load (0.6 s more than the next search at 15,000 chunks)."""
        try:
            self.retriever.find(self.analyse("news"))
        except Exception:  # noqa: BLE001 (an empty or broken index: the first question says so)
            log.debug("warming retrieval failed", exc_info=True)

    def analyse(self, question: str, filters: Filters | None = None, history: Sequence[Turn] = ()) -> Query:
        """The question read once (rewritten when it is a follow-up of ``history``)."""
        as_of = filters.as_of if filters else None
        return analyse(question, as_of, history, self.rewriter, self.max_names)

    def retrieve(self, question: str, filters: Filters | None = None) -> list[Hit]:
        """The passages the retriever finds for ``question``, best first (before the relevance gate)."""
        return self.retriever.find(self.analyse(question, filters), filters).hits

    def ranking(self, question: str, filters: Filters | None, depth: int) -> list[Hit]:
        # Same retriever, deeper: its first top_k passages are exactly what the pipeline retrieves.
        top_k = min(50, depth * self.retriever.per_article)
        return self.retriever.find(self.analyse(question, filters), filters, top_k=top_k).hits

    def context(self, ranking: Sequence[Hit], question: str = "") -> list[Hit]:
        return self._passages(ranking[:self.retriever.top_k], bool(question) and is_lookup(question))

    def _passages(self, hits: Sequence[Hit], lookup: bool) -> list[Hit]:
        # A pasted sentence is judged by its closest sentence (a decline rule), not by whole passages: its
        # source passage, translated, often scores under the gate while its matching sentence stands out.
        return list(hits) if lookup else self.retriever.gate(hits)

    def reads(self, hit: Hit) -> str:
        return f"{hit.title}\n{hit.text}"

    def stream(self, question: str, filters: Filters | None = None,
               history: Sequence[Turn] = ()) -> Iterator[Event]:
        """Answer ``question``, yielding Retrieved, then Token pieces, then Done.

        ``history`` holds the conversation's earlier (question, answer) turns: a follow-up that refers
        back to them ("and what did the G7 say?") is rewritten into a standalone question first.
        """
        clock = _Clock()
        query = self.analyse(question, filters, history)
        clock.timings["analysed"] = time.perf_counter()
        found = self.retriever.find(query, filters)
        hits = tuple(self._passages(found.hits, query.is_lookup))
        yield Retrieved(hits, clock.mark_retrieved(bool(history)), query.rewritten, found.window)
        answerer = self.lookup_answerer if query.is_lookup else self.answerer
        case = Case(query, hits, answerer, self.sentences_of, found.window, found.outside_window)
        case = self.older.revise(case, filters)
        decline = first_decline(self.rules, case)
        judged, at = case.judged_so_far()
        if judged is not None:
            clock.since_retrieved("answerability", at)
        base = Answer(question=query.text, text="", hits=case.hits, language=query.language, llm=answerer.name,
                      rewritten_question=query.rewritten, window=found.window, note=case.note,
                      answerability=judged.score if judged else None)
        if decline is not None:
            yield Token(decline.text)
            yield Done(replace(base, text=decline.text, abstained=True, timings=clock.finish(decline.after_answering)))
            return
        preface = answerer.preface(query, case.hits, case.sentences)
        base = replace(base, note=f"{base.note} {preface}".strip())
        if base.note:
            yield Token(base.note + " ")
        raw, checked, free = yield from self._write(case, clock)
        yield Done(self._finish(case, base, raw, checked, free, clock, filters))

    def _write(self, case: Case, clock: _Clock) -> Generator[Event, None, tuple[str, list[AnswerSentence], bool]]:
        """Stream the answerer's pieces as text; return the text, the sentences it checked itself, and
        whether any came as free prose."""
        pieces: list[str] = []
        checked: list[AnswerSentence] = []
        free = False
        for piece in case.answerer.stream(case.query, case.hits, case.sentences):
            free = free or isinstance(piece, str)
            text = _as_text(piece, checked)
            if text is None:
                continue
            if not pieces and case.answerer.uses_llm:
                clock.since_retrieved("first_token")
            pieces.append(text)
            yield Token(text)
        return "".join(pieces), checked, free

    def _finish(self, case: Case, base: Answer, raw: str, checked: Sequence[AnswerSentence], free: bool,
                clock: _Clock, filters: Filters | None) -> Answer:
        """The final answer: checked, cited, the quoted passages when nothing written survives, and the
        note on stale sources."""
        timings = clock.finish()
        if case.answerer.uses_llm:
            timings.setdefault("first_token", 0.0)
        language = case.query.language
        if is_not_covered(raw) or not raw.strip():  # the answerer's own decline
            return replace(base, text=abstain_message(language), abstained=True, timings=timings)
        t = time.perf_counter()
        text, records = self.checker.check(raw, checked, free, case.hits, case.sentences, language)
        quoted_fallback = not any(r.shown for r in records)
        if quoted_fallback:
            # Nothing the model wrote could be shown: quote the sources instead, and say so.
            quotes = [s for s in self.quoter.stream(case.query, case.hits, case.sentences)
                      if isinstance(s, AnswerSentence)]
            records = records + tuple(quotes)
            text = languages.reply(language, "quoting") + " " + " ".join(cite(q.text, q.citations) for q in quotes)
        text, citations = resolve(text, case.hits, repair=False)
        if base.note:
            text = f"{base.note} {text}"
        if self.checker.verifier is not None:
            timings["verification"] = time.perf_counter() - t
        timings["total"] += time.perf_counter() - t
        stale = self.stale.note(case.query, filters, case.window, citations)
        if stale:  # known once the quoted sources are: shown above the answer when it is final
            text, base = f"{stale} {text}", replace(base, note=f"{stale} {base.note}".strip())
        return replace(base, text=text, citations=citations, sentences=records, quoted_fallback=quoted_fallback,
                       timings=timings)

    def ask(self, question: str, filters: Filters | None = None, history: Sequence[Turn] = ()) -> Answer:
        """Answer ``question`` in one call (the streamed run, collected)."""
        return collect(self, question, filters, history)


def _as_text(piece: Piece, checked: list[AnswerSentence]) -> str | None:
    """What a piece adds to the shown text (None: nothing), recording a checked sentence in ``checked``
    and a gloss on the sentence before it. A gloss follows its sentence's own text, so the streamed
    text is the final one."""
    if isinstance(piece, Gloss):
        if not checked:
            return None
        glossed = checked[-1]
        checked[-1] = replace(glossed, translation=piece.translation, reason=piece.reason)
        return f"(≈ {piece.translation}) " if glossed.shown and piece.translation else None
    if isinstance(piece, AnswerSentence):
        first_support = piece.role == "support" and not any(c.role == "support" and c.shown for c in checked)
        checked.append(piece)
        if not piece.shown:
            return None
        # The direct answer stands on its own line; its support follows.
        return ("\n\n" if first_support else "") + shown_text(piece) + " "
    return piece


def collect(pipeline: AnsweringPipeline, question: str, filters: Filters | None = None,
            history: Sequence[Turn] = ()) -> Answer:
    """Run ``pipeline.stream`` to its end and return the final Answer."""
    for event in pipeline.stream(question, filters, history):
        if isinstance(event, Done):
            return event.answer
    raise RuntimeError("pipeline ended without an answer")  # unreachable: stream always ends with Done
