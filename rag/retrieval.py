"""Retrieval: filters and dates, dense search plus an exact-name channel, fusion, syndication de-duplication.

Dense e5 retrieval is strong across languages but blurs names and numbers ("which volcano, Etna or
Stromboli?"), so a second channel searches, among chunks that literally contain the question's
proper names, by the same vector; the two rankings are fused with reciprocal rank fusion. Near
identical passages from different outlets (wire copy) collapse into one hit that lists the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Sequence

from rag.embedding import Embedder
from rag.lexical import LexicalIndex
from rag.settings import Settings
from rag.store import ChunkStore
from rag.types import Hit

_RRF_K = 60

_EN_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_FR_DAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
_ID_DAYS = "senin|selasa|rabu|kamis|jumat|sabtu"

# Relative time expressions in the three languages of the archive, mapped to (days back, days span).
# A named weekday ("on Monday", "lundi", "hari Senin") means the last seven days, as in news copy.
_RELATIVE = [
    (re.compile(r"\b(today|aujourd'hui|aujourd’hui|hari ini)\b", re.I), 0, 1),
    (re.compile(r"\b(yesterday|hier|kemarin)\b", re.I), 1, 2),
    (re.compile(r"\b(last week|past week|la semaine (dernière|passée)|minggu lalu|pekan lalu)\b", re.I), 13, 14),
    (re.compile(r"\b(this week|cette semaine|minggu ini|pekan ini)\b", re.I), 7, 8),
    (re.compile(rf"\b(on|last|this past) ({_EN_DAYS})\b|\b({_EN_DAYS})['’]s\b|\b({_FR_DAYS})( dernier)?\b"
                rf"|\b(hari )?({_ID_DAYS})\b|\bhari minggu\b", re.I), 7, 8),
    (re.compile(r"\b(this month|ce mois|bulan ini)\b", re.I), 31, 32),
    (re.compile(r"\b(this year|cette année|tahun ini)\b", re.I), 365, 366),
]

# Only a question's "this week" is the asker's week: in a pasted sentence ("The court sits on Monday.")
# it is the article's week, and narrowing to the asker's would hide the very article sought.
_QUESTION = re.compile(
    r"[?？]\s*$|^\s*(what|which|who|whom|whose|why|when|where|how|did|does|do|is|are|was|were|has|have|can|"
    r"summari[sz]e|list|tell|show|que|qu['’]|quel|quelle|quels|quelles|qui|pourquoi|comment|où|quand|est-ce|"
    r"résume[rz]?|apa|apakah|siapa|mengapa|kenapa|bagaimana|kapan|di mana|berapa|sebutkan)\b", re.I)

_STOP_CAPS = {"The", "A", "An", "What", "Which", "Who", "Why", "When", "Where", "How", "In", "On", "Of", "And",
              "Le", "La", "Les", "Un", "Une", "Des", "Quel", "Quelle", "Pourquoi", "Qui", "Apa", "Siapa",
              "Mengapa", "Kenapa", "Bagaimana", "Di", "Yang", "US", "U.S.", "I", "It", "This", "That", "Is",
              "Did", "Does", "Do", "Was", "Were", "Are", "Has", "Have", "New"}


@dataclass(frozen=True)
class Filters:
    """What the user restricts retrieval to. Dates are ``YYYY-MM-DD``; ``as_of`` is "today" for the
    question (articles published after it are excluded, and "this week" is relative to it)."""

    date_from: str | None = None
    date_to: str | None = None
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    as_of: str | None = None


def _day(value: str) -> int:
    return int(value[:10].replace("-", ""))


def is_question(text: str) -> bool:
    """Whether ``text`` is a question or a request (ends with "?" or opens with a question word or an
    imperative such as "summarise"), in English, French or Indonesian; else it is a statement."""
    return bool(_QUESTION.search(text))


def is_lookup(text: str) -> bool:
    """A pasted sentence rather than a question or a few keywords: the reader wants its source."""
    return not is_question(text) and len(text.split()) >= 8


@dataclass(frozen=True)
class Window:
    """Publication dates a relative expression in the question points to, inclusive."""

    start: str
    end: str
    phrase: str


@dataclass(frozen=True)
class Found:
    """What a search found. ``outside_window`` is True when the question named a period ("this week")
    and nothing relevant was published in it: ``hits`` are then the best passages from any date."""

    hits: list[Hit]
    window: Window | None = None
    outside_window: bool = False


def relative_window(question: str, as_of: str | None) -> Window | None:
    """The dates a relative expression in a question points to ("this week" → the 8 days up to
    ``as_of``; "on Monday" → the last 8 days), or None when there is none, no ``as_of`` is known, or the
    text is a statement rather than a question."""
    if not as_of or not is_question(question):
        return None
    today = date.fromisoformat(as_of[:10])
    for pattern, back, span in _RELATIVE:
        m = pattern.search(question)
        if m:
            start = today - timedelta(days=back)
            return Window(start.isoformat(), (start + timedelta(days=span - 1)).isoformat(), m.group(0))
    return None


def build_where(filters: Filters, window: Window | None = None) -> dict[str, Any] | None:
    """Chroma ``where`` clause for the filters (and a relative-date window narrowing them)."""
    clauses: list[dict[str, Any]] = []
    lo = filters.date_from
    hi = min([d for d in (filters.date_to, filters.as_of) if d], default=None)
    if window:
        lo = max(lo or window.start, window.start)
        hi = min(hi or window.end, window.end)
    if lo:
        clauses.append({"published_day": {"$gte": _day(lo)}})
    if hi:
        # Undated articles are stored as day 0: an upper bound alone keeps them.
        clauses.append({"published_day": {"$lte": _day(hi)}})
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if filters.languages:
        clauses.append({"language": {"$in": list(filters.languages)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def names_in(question: str, limit: int = 3) -> list[str]:
    """Proper names and numbers in the question, longest first: what must appear verbatim."""
    found: list[str] = []
    for m in re.finditer(r"\b(?:[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+)*|\d[\d,.]{2,})", question):
        words = [w for w in m.group(0).split() if w not in _STOP_CAPS]
        name = " ".join(words).strip(".,'’")
        if len(name) >= 3 and name not in found:
            found.append(name)
    return sorted(found, key=len, reverse=True)[:limit]


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3))}


def _near_duplicate(a: set[str], b: set[str]) -> bool:
    return bool(a) and bool(b) and len(a & b) / min(len(a), len(b)) >= 0.7


def fuse(rankings: list[list[Hit]], weights: Sequence[float] = ()) -> list[Hit]:
    """Weighted reciprocal rank fusion of several rankings (weight 1 each unless given); a hit keeps
    its dense cosine score."""
    scores: dict[str, float] = {}
    best: dict[str, Hit] = {}
    for i, ranking in enumerate(rankings):
        weight = weights[i] if i < len(weights) else 1.0
        for rank, hit in enumerate(ranking):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + weight / (_RRF_K + rank + 1)
            best.setdefault(hit.chunk_id, hit)
    return sorted(best.values(), key=lambda h: (-scores[h.chunk_id], -h.score))


def select(hits: list[Hit], top_k: int, per_article: int) -> list[Hit]:
    """Take hits in order, at most ``per_article`` per article, folding syndicated copies together."""
    chosen: list[Hit] = []
    shingles: list[set[str]] = []
    per: dict[str, int] = {}
    for hit in hits:
        if per.get(hit.article_id, 0) >= per_article:
            continue
        sh = _shingles(hit.text)
        dup = next((i for i, s in enumerate(shingles)
                    if chosen[i].article_id != hit.article_id and _near_duplicate(sh, s)), None)
        if dup is not None:
            other = chosen[dup]
            label = hit.source or hit.article_id
            if label not in other.also_in and label != other.source:
                chosen[dup] = replace(other, also_in=other.also_in + (label,))
            continue
        chosen.append(hit)
        shingles.append(sh)
        per[hit.article_id] = per.get(hit.article_id, 0) + 1
        if len(chosen) == top_k:
            break
    return chosen


def relevant(hits: list[Hit], min_relevance: float, margin: float) -> list[Hit]:
    """The hits worth showing the LLM: none when even the best is below ``min_relevance`` (the archive
    does not cover the question), else those within ``margin`` of the best (the rest is noise that
    costs prompt time and distracts a small model)."""
    if not hits:
        return []
    best = max(h.score for h in hits)
    if best < min_relevance:
        return []
    floor = max(min_relevance - margin / 2, best - margin)
    return [h for h in hits if h.score >= floor]


class Retriever:
    """Finds the passages that answer a question in one ChunkStore."""

    def __init__(self, store: ChunkStore, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.lexical = LexicalIndex(store)

    def search(self, question: str, filters: Filters | None = None) -> list[Hit]:
        """The best ``top_k`` passages for the question, honouring filters and relative dates (see
        ``find``: when the named period holds nothing relevant, these come from any date)."""
        return self.find(question, filters).hits

    def find(self, question: str, filters: Filters | None = None) -> Found:
        """The best ``top_k`` passages, and whether they honour the period the question names.

        A relative date in a question ("this week") narrows the search to its window. When nothing
        relevant falls inside it, the best passages from any date are returned, marked
        ``outside_window``: the caller must not present them as that week's news.
        """
        filters = filters or Filters()
        vector = self.embedder.embed_query(question)
        window = relative_window(question, filters.as_of)
        hits = self._search(question, vector, build_where(filters, window))
        if window and not relevant(hits, self.settings.min_relevance, self.settings.relevance_margin):
            return Found(self._search(question, vector, build_where(filters)), window, outside_window=True)
        return Found(hits, window)

    def _search(self, question: str, vector: Any, where: dict[str, Any] | None) -> list[Hit]:
        s = self.settings
        rankings = [self.store.query(vector, s.fetch_k, where)]
        weights = [1.0]
        names = names_in(question)
        if names:
            rankings.append(self.store.query(vector, max(10, s.fetch_k // 2), where, contains=names))
            weights.append(1.0)
        if s.lexical_k:
            rankings.append(self.store.hits_for(self.lexical.search(question, s.lexical_k, where), vector))
            weights.append(s.lexical_weight)
        fused = fuse(rankings, weights)
        chosen = select(fused, s.top_k, s.per_article)
        # Present the passages best-first by similarity among the fused selection: the LLM reads [1] first.
        return sorted(chosen, key=lambda h: -h.score) if len(rankings) == 1 else chosen
