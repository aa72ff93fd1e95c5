"""The frozen records that cross module boundaries: Article, Chunk, Filters, Query, Hit, Citation, Answer.

Nothing from LangChain, Chroma or tiktoken appears here; each stage adapts its library to these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
import hashlib


@dataclass(frozen=True)
class Article:
    """One news article, as ingested from any source format.

    ``published`` is ISO text (``YYYY-MM-DD`` or full ISO 8601) or None when unknown;
    ``published_day`` is the same date as an integer ``YYYYMMDD`` for range filters.
    ``origin`` says where it came from (``file:line``) so errors and reports can point at it.
    """

    id: str
    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    language: str | None = None
    authors: tuple[str, ...] = ()
    origin: str = ""

    @property
    def published_day(self) -> int | None:
        """Publication date as ``YYYYMMDD`` (e.g. 20250606), or None when unknown."""
        if not self.published or len(self.published) < 10:
            return None
        try:
            return int(self.published[:10].replace("-", ""))
        except ValueError:
            return None

    @property
    def content_hash(self) -> str:
        """Hash of everything that ends up in the index; a change means re-embedding."""
        h = hashlib.sha256()
        for part in (self.title, self.text, self.url or "", self.source or "", self.published or "",
                     self.language or "", "\x1f".join(self.authors)):
            h.update(part.encode("utf-8"))
            h.update(b"\x1e")
        return h.hexdigest()[:16]


@dataclass(frozen=True)
class Chunk:
    """A token-bounded passage of one article; ``id`` is ``<article id>#<position>``."""

    id: str
    article: Article
    position: int
    text: str
    n_tokens: int
    start_char: int = 0

    @property
    def article_id(self) -> str:
        return self.article.id


@dataclass(frozen=True)
class Filters:
    """What the user restricts retrieval to. Dates are ``YYYY-MM-DD``; ``as_of`` is "today" for the
    question (articles published after it are excluded, and "this week" is relative to it)."""

    date_from: str | None = None
    date_to: str | None = None
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    as_of: str | None = None
    #: Read a date the question names ("this week", "in October") as the period to search; False
    #: searches every date up to ``as_of`` (the reader's way out of a period misread).
    question_dates: bool = True


@dataclass(frozen=True)
class Window:
    """Publication dates a relative expression in the question points to, inclusive; ``phrase`` is the
    expression as the question wrote it ("this week")."""

    start: str
    end: str
    phrase: str

    def any_later(self, hits: Sequence[Hit]) -> bool:
        """Whether one of ``hits`` was published after the period: a named past period ("in
        October") is followed by coverage, a relative one ("this week") ends at the as-of day."""
        return any(h.published and h.published[:10] > self.end for h in hits)


@dataclass(frozen=True)
class Query:
    """A question as the pipeline understood it, analysed once (``rag.query.question.analyse``); every later
    stage reads this record instead of re-parsing the text.

    ``text`` is what was asked; ``searched`` what is searched and answered (the standalone rewrite of a
    follow-up, else ``text``). ``is_question`` tells a question or request from a statement, and
    ``is_lookup`` a pasted sentence (a statement of 8 words or more) from keywords;
    ``names`` are the proper names and numbers that must appear verbatim; ``window`` the period a
    relative date points to ("this week", relative to the filters' ``as_of``).
    """

    text: str
    searched: str
    language: str
    is_question: bool
    #: A pasted sentence rather than a question or a few keywords: the reader wants its source.
    is_lookup: bool = False
    names: tuple[str, ...] = ()
    window: Window | None = None
    rewritten: str | None = None
    #: The question asks for the newest coverage ("latest", "recently"): recency is a ranking signal.
    recent: bool = False


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its article's metadata and two scores (higher is better for both).

    ``similarity`` is the dense cosine between question and passage, whatever channel found it.
    ``relevance`` is what the relevance gate and abstention compare with ``Settings.min_relevance``:
    equal to ``similarity`` unless a reranker rescored the passage, in which case the gate uses the
    reranker's own calibrated threshold (``Reranker.min_relevance``), or the passage replaced another
    of its article (``rag.retrieve.passages``) and keeps that one's score.
    """

    chunk_id: str
    article_id: str
    text: str
    similarity: float
    title: str
    source: str | None = None
    published: str | None = None
    language: str | None = None
    url: str | None = None
    position: int = 0
    #: Outlets that carried a near-identical copy of this passage (syndicated wire stories).
    also_in: tuple[str, ...] = ()
    #: The gate's score; None means "the similarity" (see the class docstring).
    relevance: float | None = None

    @property
    def gate_score(self) -> float:
        """The score the relevance gate reads: ``relevance`` when a stage set one, else ``similarity``."""
        return self.similarity if self.relevance is None else self.relevance


def outlet(item: Hit | Citation) -> str:
    """The outlet's name, or "unknown outlet"."""
    return item.source or "unknown outlet"


def day(published: str | None) -> str:
    """``YYYY-MM-DD`` of a publication date, or "undated"."""
    return (published or "undated")[:10]


def passage_label(n: int, item: Hit | Citation) -> str:
    """``[n] outlet — date — headline``: how a passage is introduced to the LLM, the CLI and copied answers."""
    return f"[{n}] {outlet(item)} — {day(item.published)} — {item.title}"


@dataclass(frozen=True)
class Citation:
    """An ``[n]`` marker of an answer, mapped back to the passage and article it points to."""

    n: int
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    passage: str
    chunk_id: str = ""
    language: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"n": self.n, "article_id": self.article_id, "title": self.title, "source": self.source,
                "published": self.published, "url": self.url, "passage": self.passage,
                "chunk_id": self.chunk_id, "language": self.language}


@dataclass(frozen=True)
class AnswerSentence:
    """One shown (or dropped) sentence of an answer, with what the verification stage found.

    ``state``: ``quoted`` (a passage's own words: stated by construction), ``verified`` (the verifier
    found it stated by ``evidence``), ``rejected`` (the
    verifier did not find it stated), ``unverified`` (it could not be checked: verifier error,
    timeout, unreadable language; ``reason`` says which), ``unchecked`` (no verifier configured).
    ``shown`` is False for a sentence dropped from the answer text. ``translation``: the answering
    model's rendering of a quoted sentence in the reader's language, shown beside it as a gloss marked
    ≈; no check vouches for it (``rag.pipeline.shown_text``).
    """

    text: str
    citations: tuple[int, ...] = ()
    state: str = "unchecked"
    score: float | None = None
    reason: str = ""
    evidence: str = ""
    shown: bool = True
    translation: str = ""
    #: "answer": the direct answer, shown first on its own line; "support": a source sentence shown after
    #: it as its evidence; "" for the sentences of an answer without a direct answer.
    role: str = ""

    @property
    def supported(self) -> bool:
        """Whether a passage states it (quoted or verified)."""
        return self.state in ("quoted", "verified")

    def to_dict(self) -> dict[str, object]:
        record: dict[str, object] = {
            "text": self.text, "citations": list(self.citations), "state": self.state,
            "score": None if self.score is None else round(self.score, 4), "reason": self.reason,
            "shown": self.shown}
        if self.translation:
            record["translation"] = self.translation
        if self.role:
            record["role"] = self.role
        return record


@dataclass(frozen=True)
class Answer:
    """What the pipeline returns for one question.

    ``hits`` are the passages shown to the LLM, numbered from 1 in this order; ``citations`` are those
    the answer cites. ``abstained`` is True when the archive does not cover the question.
    """

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    abstained: bool = False
    language: str | None = None
    llm: str = ""
    rewritten_question: str | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    #: The period a relative date in the question was read as ("this week" → its dates), when one was
    #: applied; shown to the reader, who can search other dates with the From/To filters instead.
    window: Window | None = None
    #: Each sentence of the answer with its verification state, in order (dropped ones included).
    sentences: tuple[AnswerSentence, ...] = ()
    #: True when the reply quotes the passages because no written sentence survived verification.
    quoted_fallback: bool = False
    #: The answerer's judgement (0-1) that the passages answer the question, when it made one.
    answerability: float | None = None
    #: A line the pipeline puts before the answer (e.g. that it answers from coverage older than the
    #: period the question names, and from which date); part of ``text`` too.
    note: str = ""

    @property
    def direct(self) -> AnswerSentence | None:
        """The direct answer, when the answer opens with one."""
        return next((s for s in self.sentences if s.shown and s.role == "answer"), None)

    @property
    def retrieved(self) -> list[str]:
        """Article ids in rank order, each once."""
        seen: dict[str, None] = {}
        for h in self.hits:
            seen.setdefault(h.article_id, None)
        return list(seen)

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of ``python -m rag ask --json`` (scripts and the evaluation rely on it)."""
        return {
            "question": self.question,
            "answer": self.text,
            "direct_answer": self.direct.to_dict() if self.direct else None,
            "abstained": self.abstained,
            "language": self.language,
            "llm": self.llm,
            "rewritten_question": self.rewritten_question,
            "window": ({"start": self.window.start, "end": self.window.end, "phrase": self.window.phrase}
                       if self.window else None),
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [s.to_dict() for s in self.sentences],
            "quoted_fallback": self.quoted_fallback,
            "answerability": None if self.answerability is None else round(self.answerability, 4),
            "note": self.note,
            "retrieved": self.retrieved,
            "passages": [{"n": i, "chunk_id": h.chunk_id, "article_id": h.article_id,
                          "score": round(h.similarity, 4), "relevance": round(h.gate_score, 4),
                          "title": h.title, "source": h.source, "published": h.published, "url": h.url}
                         for i, h in enumerate(self.hits, 1)],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
