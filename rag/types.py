"""The frozen records that cross module boundaries: Article, Chunk, Hit, Citation, Answer.

Nothing from LangChain, Chroma or tiktoken appears here; each stage adapts its library to these.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Mapping


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
class Hit:
    """A retrieved passage with its article's metadata and its retrieval score (higher is better)."""

    chunk_id: str
    article_id: str
    text: str
    score: float
    title: str
    source: str | None = None
    published: str | None = None
    language: str | None = None
    url: str | None = None
    position: int = 0
    #: Outlets that carried a near-identical copy of this passage (syndicated wire stories).
    also_in: tuple[str, ...] = ()


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
            "abstained": self.abstained,
            "language": self.language,
            "llm": self.llm,
            "rewritten_question": self.rewritten_question,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": self.retrieved,
            "passages": [{"n": i, "chunk_id": h.chunk_id, "article_id": h.article_id, "score": round(h.score, 4),
                          "title": h.title, "source": h.source, "published": h.published, "url": h.url}
                         for i, h in enumerate(self.hits, 1)],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
