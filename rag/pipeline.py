"""The one pipeline the UI, the CLI and the evaluation share: question → passages → cited answer.

``Pipeline`` is assembled from parts passed in (embedder, store, retriever with its channels and
gate, answerers, an optional verifier); ``rag.factory.build_pipeline`` builds the default assembly
from ``Settings``. ``stream`` yields events as they happen (passages first, then answer text, then the
final Answer) so the UI can show sources before the answer is written; ``ask`` is the same run
collected. ``AnsweringPipeline`` is the interface every pipeline offers (the evaluation's naive peer
too), so callers never branch on which one they hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
import logging
import time
from typing import Protocol, runtime_checkable, Union

from langchain_core.language_models.chat_models import BaseChatModel

from rag import languages
from rag.citations import cite, normalise_markers, resolve
from rag.conversation import Turn
from rag.embedding import Embedder
from rag.generation import abstain_message, Answerer, Gloss, is_not_covered, out_of_window_message, unmentioned_message
from rag.names import unmentioned
from rag.question import analyse, is_lookup
from rag.retrieval import Found, Retriever
from rag.sentences import PassageSentences
from rag.settings import Settings
from rag.store import ChunkStore
from rag.types import Answer, AnswerSentence, Citation, Filters, Hit, Query, Window
from rag.verification import check_answer, Verdict, Verifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retrieved:
    """Retrieval finished: these passages will be numbered [1]..[n] for the answerer."""

    hits: tuple[Hit, ...]
    seconds: float
    #: The standalone question that was searched when a follow-up was rewritten, else None.
    rewritten_question: str | None = None
    #: The period a relative date in the question was read as, when one narrowed the search.
    window: Window | None = None


@dataclass(frozen=True)
class Token:
    """A piece of answer text as the answerer writes it."""

    text: str


@dataclass(frozen=True)
class Done:
    """The final, citation-checked answer."""

    answer: Answer


Event = Union[Retrieved, Token, Done]


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


def _declined(base: Answer, text: str, timings: dict[str, float], t0: float, t1: float) -> Iterator[Event]:
    """``text`` in place of an answer, once retrieval (done at ``t1``) has run: streamed, then the
    abstention."""
    yield Token(text)
    timings.update(generation=time.perf_counter() - t1, total=time.perf_counter() - t0)
    yield Done(replace(base, text=text, abstained=True, timings=timings))


def shown_text(sentence: AnswerSentence) -> str:
    """A sentence as the answer text shows it: cited, and followed by its translation, marked ≈, when
    it is a source's sentence in another language than the reader's."""
    text = cite(sentence.text, sentence.citations)
    return f"{text} (≈ {sentence.translation})" if sentence.translation else text


class Pipeline:
    """Retrieval and answering over one index, from parts passed in.

    ``answerer`` writes answers; ``quoter`` quotes the sources when nothing written survives the
    checks; ``lookup_answerer`` replies to a pasted statement (the reader wants the sentences that
    match it, not a synthesis); ``rewriter`` returns the chat model that rewrites
    follow-ups (None: deterministic rewriting); ``verifier``, when given, must accept each citation the
    repair adds.
    """

    name = "project"
    cites = True

    def __init__(self, settings: Settings, *, embedder: Embedder, store: ChunkStore, retriever: Retriever,
                 answerer: Answerer, quoter: Answerer, lookup_answerer: Answerer,
                 rewriter: Callable[[], BaseChatModel] | None = None,
                 verifier: Verifier | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.retriever = retriever
        self.answerer = answerer
        self.quoter = quoter
        self.lookup_answerer = lookup_answerer
        self.rewriter = rewriter
        self.verifier = verifier

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
        if self.verifier is not None:
            self.verifier.load()
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
        return analyse(question, as_of, history, self.rewriter, self.settings.max_names)

    def retrieve(self, question: str, filters: Filters | None = None) -> list[Hit]:
        """The passages the retriever finds for ``question``, best first (before the relevance gate)."""
        return self.retriever.find(self.analyse(question, filters), filters).hits

    def ranking(self, question: str, filters: Filters | None, depth: int) -> list[Hit]:
        # Same retriever, deeper: its first top_k passages are exactly what the pipeline retrieves.
        top_k = min(50, depth * self.settings.per_article)
        return self.retriever.find(self.analyse(question, filters), filters, top_k=top_k).hits

    def context(self, ranking: Sequence[Hit], question: str = "") -> list[Hit]:
        return self._passages(ranking[:self.settings.top_k], bool(question) and is_lookup(question))

    def _passages(self, hits: Sequence[Hit], lookup: bool) -> list[Hit]:
        # A pasted sentence is judged by its closest sentence (``stream``), not by whole passages: its
        # source passage, translated, often scores under the gate while its matching sentence stands out.
        return list(hits) if lookup else self.retriever.gate(hits)

    def _sentences(self, hits: Sequence[Hit]) -> PassageSentences:
        return PassageSentences(hits, self.embedder, self.settings.passage_sentences, self.settings.quote_headlines)

    def reads(self, hit: Hit) -> str:
        return f"{hit.title}\n{hit.text}"

    def stream(self, question: str, filters: Filters | None = None,
               history: Sequence[Turn] = ()) -> Iterator[Event]:
        """Answer ``question``, yielding Retrieved, then Token pieces, then Done.

        ``history`` holds the conversation's earlier (question, answer) turns: a follow-up that refers
        back to them ("and what did the G7 say?") is rewritten into a standalone question first.
        """
        t0 = time.perf_counter()
        query = self.analyse(question, filters, history)
        tr = time.perf_counter()
        found = self.retriever.find(query, filters)
        hits = self._passages(found.hits, query.is_lookup)
        t1 = time.perf_counter()
        yield Retrieved(tuple(hits), t1 - tr, query.rewritten, found.window)
        timings = {"retrieval": t1 - tr, **({"rewrite": tr - t0} if history else {})}
        base = Answer(question=query.text, text="", hits=tuple(hits), language=query.language,
                      llm=self.answerer.name, rewritten_question=query.rewritten, window=found.window)

        # A pasted sentence asks where it comes from, not something to answer: the sentences that match
        # it, quoted and cited, are the reply (a small LLM tends to decline or paraphrase a statement).
        answerer = self.lookup_answerer if query.is_lookup else self.answerer
        base = replace(base, llm=answerer.name)  # what wrote it
        sentences: PassageSentences | None = None
        judged: Verdict | None = None
        note = ""
        if found.window is not None and hits and not query.is_lookup:
            found, hits, sentences, judged, note = self._period(query, filters, found, hits, answerer)
            base = replace(base, hits=tuple(hits), note=note)
            if judged is not None:
                timings["answerability"] = time.perf_counter() - t1

        decline = None
        if found.outside_window and found.window and not note:
            # Listed for the reader, never answered from: last month's story is not this week's news,
            # unless the answerer judged that the older coverage answers (then ``note`` says so).
            w = found.window
            decline = out_of_window_message(query.language, w, hits)
        elif not hits:
            decline = abstain_message(query.language)
        elif self.settings.decline_unmentioned and (missing := unmentioned(query, hits)):
            # The archive has nothing on a name the question asks about: passages about another event
            # would only be misread as the answer (a Labubu question answered with another auction's prices).
            decline = unmentioned_message(query.language, missing)
        if decline is not None:
            yield Token(decline)
            timings.update(generation=0.0, total=time.perf_counter() - t0)
            yield Done(replace(base, text=decline, abstained=True, timings=timings,
                               answerability=judged.score if judged else None))
            return

        sentences = sentences or self._sentences(hits)
        if query.is_lookup:
            closest = sentences.support(query.searched)
            if closest is None or closest.score < self.settings.lookup_min_similarity:
                yield from _declined(base, languages.reply(query.language, "lookup_unmatched"), timings, t0, t1)
                return
        checks = self.settings.decline_unmentioned or self.settings.decline_no_amount
        quoting = answerer.quoting(query, hits, sentences) if checks and not query.is_lookup else []
        if self.settings.decline_unmentioned and (missing := unmentioned(query, quoting)):
            # Other passages name it, not the ones the answer would quote: true sentences about another
            # event pass the judge ("6-7", Dictionary.com's word of the year, for Merriam-Webster's).
            yield from _declined(replace(base, answerability=judged.score if judged else None),
                                 unmentioned_message(query.language, missing, closest=True), timings, t0, t1)
            return
        if self.settings.decline_no_amount and quoting and languages.asks_money(query.searched) and not any(
                languages.gives_money(f"{h.title} {h.text}") for h in quoting):
            # "How much was the fine?" over passages on the case that give no sum: the judge passes
            # them, being on topic, and the answer would quote the case instead of a fine.
            yield from _declined(replace(base, answerability=judged.score if judged else None),
                                 languages.reply(query.language, "no_amount"), timings, t0, t1)
            return
        if judged is None:
            judged = answerer.answerable(query, hits, sentences)
            if judged is not None:
                timings["answerability"] = time.perf_counter() - t1
        if judged is not None:
            base = replace(base, answerability=judged.score)
            if judged.checked and not judged.supported:
                # The closest passages stay listed as sources; none of them answers, so nothing is written.
                yield from _declined(base, abstain_message(query.language), timings, t0, t1)
                return
        preface = answerer.preface(query, hits, sentences)
        if preface:
            note = f"{note} {preface}".strip()
            base = replace(base, note=note)
        if note:
            yield Token(note + " ")
        pieces: list[str] = []
        checked: list[AnswerSentence] = []
        free = False  # whether any text came as free prose rather than checked sentences
        first_token = None
        for piece in answerer.stream(query, hits, sentences):
            if isinstance(piece, Gloss):
                if not checked:
                    continue
                glossed = checked[-1]
                checked[-1] = replace(glossed, translation=piece.translation, reason=piece.reason)
                if not (glossed.shown and piece.translation):
                    continue
                # Follows its sentence's own token, so the streamed text is the final one.
                piece = f"(≈ {piece.translation}) "
            elif isinstance(piece, AnswerSentence):
                checked.append(piece)
                if not piece.shown:
                    continue
                piece = shown_text(piece) + " "
            else:
                free = True
            if first_token is None:
                first_token = time.perf_counter() - t1
            pieces.append(piece)
            yield Token(piece)
        raw = "".join(pieces)
        if answerer.uses_llm:
            timings["first_token"] = first_token or 0.0
        t2 = time.perf_counter()
        timings.update(generation=t2 - t1, total=t2 - t0)

        if is_not_covered(raw) or not raw.strip():
            yield Done(replace(base, text=abstain_message(query.language), abstained=True, timings=timings))
            return
        answer = self._checked(query, base, raw, hits, sentences, checked, free, timings)
        stale = self._stale_note(query, filters, found.window, answer.citations)
        if stale:  # known once the quoted sources are: shown above the answer when it is final
            answer = replace(answer, text=f"{stale} {answer.text}", note=f"{stale} {answer.note}".strip())
        yield Done(answer)

    def _stale_note(self, query: Query, filters: Filters | None, window: Window | None,
                    quoted: Sequence[Citation]) -> str:
        """For a question asking for the latest coverage ("recently", "terbaru"), the date of the newest
        source the answer quotes when it is older than ``stale_days``: a "recent" assassination
        attempt answered from a year-old story must say so before it is read as the news asked about.
        A question naming its period (``window``) has its own note."""
        dated = [c.published[:10] for c in quoted if c.published]
        if not (query.recent and dated and self.settings.stale_days) or window is not None:
            return ""
        today = date.fromisoformat(filters.as_of[:10]) if filters and filters.as_of else date.today()
        latest = max(dated)
        days = (today - date.fromisoformat(latest)).days
        if days <= self.settings.stale_days:
            return ""
        return languages.reply(query.language, "stale").format(latest=latest, days=days, today=today.isoformat())

    def _period(self, query: Query, filters: Filters | None, found: Found, hits: list[Hit], answerer: Answerer
                ) -> tuple[Found, list[Hit], PassageSentences | None, Verdict | None, str]:
        """A question naming a period ("this week"), read as a researcher would: the period's passages
        when they answer; else the coverage of other dates, when some of it is from the days around the
        period (``older_coverage_days``) and the answerer judges that it answers the question,
        introduced by a note with its date; else (or when the answerer does not judge) the decline
        that lists the older passages. Returns the search result and passages to use, their
        sentences and judgement when made, and the note."""
        w = found.window
        assert w is not None
        judged: Verdict | None = None
        if not found.outside_window:
            sentences = self._sentences(hits)
            judged = answerer.answerable(query, hits, sentences)
            if judged is None or not judged.checked or judged.supported:
                return found, hits, sentences, judged, ""
            found = self.retriever.find(query, filters, other_dates=True)
            hits = self.retriever.gate(found.hits)
            if not hits:
                return found, hits, None, judged, ""
        if not near_period(hits, w, self.settings.older_coverage_days):
            # All of it is about another occurrence (last year's Derby, whose "yesterday" is not this
            # one's): listed, not answered from. The judge, shown the dates, had let a 2022 "won
            # yesterday" answer 2025's. Older passages beside a recent one stay: the judge leans on them.
            return found, hits, None, judged, ""
        sentences = self._sentences(hits)
        judged = answerer.answerable(query, hits, sentences, older=True)
        if judged is None or not judged.checked or not judged.supported:
            return found, hits, sentences, judged, ""
        # Over every passage the answerer may quote from: the note must not date older sentences as
        # the newest coverage (a 2019 sentence once followed "the latest coverage (2025-06-03) says").
        latest = max((h.published[:10] for h in hits if h.published), default=None)
        key = "other_answer" if w.any_later(hits) else "older_answer"
        note = languages.reply(query.language, key).format(
            start=w.start, end=w.end, latest=latest or languages.reply(query.language, "undated"))
        return found, hits, sentences, judged, note

    def _checked(self, query: Query, base: Answer, raw: str, hits: Sequence[Hit], sentences: PassageSentences,
                 checked: Sequence[AnswerSentence], free: bool, timings: dict[str, float]) -> Answer:
        """The final answer: every sentence checked by the verifier (or only classified as quoted or
        unchecked without one), citations resolved; the quoted passages when nothing written survives."""
        t = time.perf_counter()
        language = query.language
        if checked and not free:
            # Every sentence was checked by the answerer itself (render, extractive): keep its records
            # rather than re-split the text, which may cut a quoted sentence at an inner full stop.
            records = tuple(checked)
            text = " ".join(shown_text(r) for r in records if r.shown)
        elif self.verifier is None:
            def support(claim: str) -> tuple[int, float] | None:
                best = sentences.support(claim)
                return (best.n, best.score) if best else None

            text, _ = resolve(raw, hits, support=support, overlap=self.settings.repair_overlap,
                              similarity=self.settings.repair_similarity)
            text, records = check_answer(text, sentences, None, language)
        else:
            text, records = check_answer(normalise_markers(raw, len(hits)), sentences, self.verifier, language,
                                         self.settings.rejected_sentences)
        quoted_fallback = False
        if not any(r.shown for r in records):
            # Nothing the model wrote could be shown: quote the sources instead, and say so.
            quotes = [s for s in self.quoter.stream(query, hits, sentences)
                      if isinstance(s, AnswerSentence)]
            records = records + tuple(quotes)
            text = languages.reply(language, "quoting") + " " + " ".join(cite(q.text, q.citations) for q in quotes)
            quoted_fallback = True
        text, citations = resolve(text, hits, repair=False)
        if base.note:
            text = f"{base.note} {text}"
        if self.verifier is not None:
            timings["verification"] = time.perf_counter() - t
        timings["total"] = timings.get("total", 0.0) + time.perf_counter() - t
        return replace(base, text=text, citations=citations, sentences=records, quoted_fallback=quoted_fallback,
                       timings=timings)

    def ask(self, question: str, filters: Filters | None = None, history: Sequence[Turn] = ()) -> Answer:
        """Answer ``question`` in one call (the streamed run, collected)."""
        return collect(self, question, filters, history)


def near_period(hits: Sequence[Hit], window: Window, days: int) -> bool:
    """Whether a passage is dated within ``days`` of ``window`` (before its start or after its end):
    coverage that may still speak of the period's occurrence. Undated passages cannot tell."""
    lo = (date.fromisoformat(window.start) - timedelta(days=days)).isoformat()
    hi = (date.fromisoformat(window.end) + timedelta(days=days)).isoformat()
    return any(h.published and lo <= h.published[:10] <= hi for h in hits)


def collect(pipeline: AnsweringPipeline, question: str, filters: Filters | None = None,
            history: Sequence[Turn] = ()) -> Answer:
    """Run ``pipeline.stream`` to its end and return the final Answer."""
    for event in pipeline.stream(question, filters, history):
        if isinstance(event, Done):
            return event.answer
    raise RuntimeError("pipeline ended without an answer")  # unreachable: stream always ends with Done
