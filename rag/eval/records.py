"""The typed records of an evaluation: a question, what one pipeline produced for it (``Observation``),
and the scored result written into ``report.json`` (``QuestionResult``, serialised by ``to_dict`` to
the dict shape reports have always had, and read back from it by ``from_dict``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from rag.core.types import Answer

#: A per-question score: a share-like number, a yes/no (``correct``), or None when not measurable.
ScoreValue = float | bool | None


@dataclass(frozen=True)
class Question:
    """One evaluation question (the format of ``../shared/FORMATS.md``)."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    gold_ids: tuple[str, ...] = ()
    asked_on: str | None = None
    language: str | None = None
    type: str = "untyped"

    @property
    def answerable(self) -> bool:
        """The archive holds the answer (it has gold articles)."""
        return bool(self.gold_ids)

    @classmethod
    def from_dict(cls, rec: Mapping[str, Any], default_id: str) -> Question:
        """A question from one JSON line; raises KeyError/TypeError/AttributeError on a bad record."""
        return cls(id=str(rec.get("id") or default_id), question=str(rec["question"]),
                   answers=tuple(rec.get("answers") or ()), choices=tuple(rec.get("choices") or ()),
                   gold_ids=tuple(rec.get("gold_ids") or ()), asked_on=rec.get("asked_on") or None,
                   language=rec.get("language"), type=str(rec.get("type") or "untyped"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CitationCounts:
    """Citation facts of one answer; summed over answers into shares."""

    markers: int = 0
    valid_markers: int = 0
    cited_sentences: int = 0
    supported_sentences: int = 0
    has_valid_citation: bool = False
    raw_has_valid_citation: bool = False


@dataclass(frozen=True)
class CitationRef:
    """A citation of an answer as the report keeps it: its number and the passage it points to."""

    n: int
    article_id: str
    chunk_id: str


@dataclass(frozen=True)
class Observation:
    """What one pipeline produced for one question, as the per-question scores read it: the distinct
    article ids of its ranking, those of the passages given to the answerer, the ranking's passages as
    the answerer reads them, and the final answer (None for a retrieval-only run)."""

    question: Question
    ranking: tuple[str, ...]
    context: tuple[str, ...]
    passages: tuple[str, ...]
    answer: Answer | None = None


@dataclass(frozen=True)
class QuestionResult:
    """One pipeline's result on one question: what it retrieved and answered, and its scores.

    ``scores`` maps each per-question score (``Metric.key``) to its value; ``answered`` says an answer
    was asked for (not a retrieval-only run), ``generated`` that the answerer ran (not a decline before
    generating), ``llm_generated`` that an LLM wrote it; ``tokens`` counts its words in cl100k tokens;
    ``raw_answer`` is the text as streamed, kept only where the final answer differs from it.
    """

    type: str
    answerable: bool
    retrieved: tuple[str, ...]
    ranking: tuple[str, ...]
    context: tuple[str, ...]
    scores: Mapping[str, ScoreValue]
    timings: Mapping[str, float] = field(default_factory=dict)
    answered: bool = False
    answer: str | None = None
    abstained: bool = False
    generated: bool = False
    llm_generated: bool = False
    citation_counts: CitationCounts | None = None
    citations: tuple[CitationRef, ...] = ()
    tokens: int = 0
    raw_answer: str | None = None
    #: Each answer sentence with its verification state and score (``AnswerSentence.to_dict``).
    sentences: tuple[Mapping[str, Any], ...] = ()
    #: The answerer's judgement that the passages answer the question, when it made one.
    answerability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as ``report.json`` holds it (the answer's fields only when one was asked for)."""
        out: dict[str, Any] = {"type": self.type, "answerable": self.answerable, "retrieved": list(self.retrieved),
                               "ranking": list(self.ranking), "context": list(self.context),
                               "scores": dict(self.scores), "answered": self.answered}
        if self.answered:
            out.update(answer=self.answer, abstained=self.abstained, generated=self.generated,
                       llm_generated=self.llm_generated,
                       citation_counts=None if self.citation_counts is None else asdict(self.citation_counts),
                       citations=[asdict(c) for c in self.citations], tokens=self.tokens,
                       sentences=[dict(x) for x in self.sentences], answerability=self.answerability)
        out["timings"] = dict(self.timings)
        if self.raw_answer is not None:
            out["raw_answer"] = self.raw_answer
        return out

    @classmethod
    def from_dict(cls, rec: Mapping[str, Any]) -> QuestionResult:
        """A record read back from ``report.json`` (e.g. to summarise an old run again)."""
        counts = rec.get("citation_counts")
        known = {f.name for f in fields(CitationCounts)}
        return cls(type=str(rec.get("type") or "untyped"), answerable=bool(rec.get("answerable")),
                   retrieved=tuple(rec.get("retrieved") or ()), ranking=tuple(rec.get("ranking") or ()),
                   context=tuple(rec.get("context") or ()), scores=dict(rec.get("scores") or {}),
                   timings=dict(rec.get("timings") or {}), answered=bool(rec.get("answered")),
                   answer=rec.get("answer"), abstained=bool(rec.get("abstained")),
                   generated=bool(rec.get("generated")), llm_generated=bool(rec.get("llm_generated")),
                   citation_counts=None if counts is None else CitationCounts(
                       **{k: v for k, v in counts.items() if k in known}),
                   citations=tuple(CitationRef(int(c["n"]), str(c["article_id"]), str(c.get("chunk_id", "")))
                                   for c in rec.get("citations") or ()),
                   tokens=int(rec.get("tokens") or 0), raw_answer=rec.get("raw_answer"),
                   sentences=tuple(rec.get("sentences") or ()), answerability=rec.get("answerability"))
