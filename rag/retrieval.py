"""Retrieval: candidate channels, rank fusion, syndication folding, the relevance gate, date windows.

Dense e5 retrieval is strong across languages but blurs names and numbers ("which volcano, Etna or
Stromboli?"), so besides the dense channel an exact-name channel searches, among chunks that literally
contain the question's proper names, by the same vector, and an optional BM25 channel ranks by the
question's words. Their rankings are fused with weighted reciprocal rank fusion; an optional reranker
rescores the fused candidates; near-identical passages from different outlets (wire copy) collapse
into one hit that lists the others; the relevance gate keeps what is worth answering from.

Every part is passed in (``rag.factory.build_retriever`` assembles the default), so a new channel or
a reranker is one class implementing ``Channel`` or ``Reranker``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
import re
from typing import Any

import numpy as np

from rag.embedding import Embedder
from rag.lexical import LexicalIndex
from rag.names import common_words
from rag.passages import PassagePicker
from rag.store import ChunkStore
from rag.types import Filters, Hit, Query, Window
from rag.where import build_where

# --- channels ------------------------------------------------------------------------------------------

class Channel(ABC):
    """One way of finding candidate passages for a query; its ranking is fused with the others'."""

    #: Short name, for reports and docs.
    name: str = "channel"
    #: Weight of this channel's ranks in the fusion.
    weight: float = 1.0

    def applies(self, query: Query) -> bool:
        """Whether the channel has anything to search for this query (a channel that does not apply
        takes no part in the fusion)."""
        return True

    #: How many of the nearest chunks (``Nearest.top``) the channel reads; the largest depth of the
    #: channels in use is fetched once and shared.
    depth: int = 0

    @abstractmethod
    def search(self, query: Query, near: Nearest) -> list[Hit]:
        """Candidates best first, each scored with its dense ``similarity`` to ``near.vector``."""


class Nearest:
    """One search's query vector and filter, and its nearest chunks, fetched from the store once at
    the largest depth any channel reads (the dense channel's 40 are the first of the name channel's
    300), again only if a channel asks for more."""

    def __init__(self, vector: np.ndarray, where: dict[str, Any] | None, depth: int = 0) -> None:
        self.vector, self.where, self.depth = vector, where, depth
        self._hits: list[Hit] = []
        self._fetched = 0

    def top(self, store: ChunkStore, k: int) -> list[Hit]:
        """The ``k`` nearest chunks to ``vector`` that match ``where``, best first."""
        if k > self._fetched:
            self._fetched = max(k, self.depth)
            self._hits = store.query(self.vector, self._fetched, self.where)
        return self._hits[:k]


class DenseChannel(Channel):
    """Nearest chunks to the query vector."""

    name = "dense"

    def __init__(self, store: ChunkStore, k: int) -> None:
        self.store, self.k, self.depth = store, k, k

    def search(self, query: Query, near: Nearest) -> list[Hit]:
        return near.top(self.store, self.k)


class NameChannel(Channel):
    """Nearest chunks among those containing one of the question's proper names verbatim.

    With ``pool`` > 0 they are first sought among the ``pool`` nearest chunks (one plain dense query,
    a few ms); Chroma's document filter over the whole index (~80 ms a name at 50,000 chunks, the
    largest share of retrieval time) runs only when none of those holds a name.

    Only for questions and keywords, not for pasted statements (lookups): a statement translated from
    a French or Indonesian story still carries English names, and chunks of English articles that
    contain them verbatim then outrank the translated story itself. Measured on the dev archive's 60
    cross-lingual lookups: hit@1 0.833 with the channel, 0.917 without (README, Evaluation); the issue
    reports the same on an archive nobody tuned on.
    """

    name = "names"

    def __init__(self, store: ChunkStore, k: int, pool: int = 0) -> None:
        self.store, self.k, self.pool, self.depth = store, k, pool, pool

    def applies(self, query: Query) -> bool:
        return bool(query.names) and not query.is_lookup

    def search(self, query: Query, near: Nearest) -> list[Hit]:
        names: Sequence[str] = query.names
        if self.pool:
            pool = near.top(self.store, self.pool)
            common = common_words(query.searched, names, [h.text for h in pool])
            names = [name for name in names if name not in common]
            if not names:
                return []
            # Case-sensitive like Chroma's $contains, so both ways keep the same chunks.
            found = [h for h in pool if any(name in h.text for name in names)][:self.k]
            if found:
                return found
        # No name among the nearest: a rare name the embedder blurs, exactly what this channel is for.
        return self.store.query(near.vector, self.k, near.where, contains=names)


class LexicalChannel(Channel):
    """BM25 over the chunks' words (``rag.lexical``); hits keep their dense cosine as similarity.

    Like the name channel, only for questions and keywords: the English words of a statement
    translated from another language pull in the English articles that share them (README, Evaluation).
    """

    name = "bm25"

    def __init__(self, store: ChunkStore, index: LexicalIndex, k: int, weight: float) -> None:
        self.store, self.index, self.k, self.weight = store, index, k, weight

    def applies(self, query: Query) -> bool:
        return not query.is_lookup

    def search(self, query: Query, near: Nearest) -> list[Hit]:
        return self.store.hits_for(self.index.search(query.searched, self.k, near.where), near.vector)


# --- fusion, folding, gating ------------------------------------------------------------------------

def fuse(rankings: list[list[Hit]], weights: Sequence[float] = (), k: int = 60) -> list[Hit]:
    """Weighted reciprocal rank fusion of several rankings (weight 1 each unless given); a hit keeps
    its scores."""
    scores: dict[str, float] = {}
    best: dict[str, Hit] = {}
    for i, ranking in enumerate(rankings):
        weight = weights[i] if i < len(weights) else 1.0
        for rank, hit in enumerate(ranking):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + weight / (k + rank + 1)
            best.setdefault(hit.chunk_id, hit)
    return sorted(best.values(), key=lambda h: (-scores[h.chunk_id], -h.similarity))


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3))}


def _near_duplicate(a: set[str], b: set[str], overlap: float) -> bool:
    return bool(a) and bool(b) and len(a & b) / min(len(a), len(b)) >= overlap


def select(hits: list[Hit], top_k: int, per_article: int, overlap: float = 0.7) -> list[Hit]:
    """Take hits in order, at most ``per_article`` per article, folding syndicated copies (passages of
    other articles sharing ``overlap`` of their 4-word shingles) together."""
    chosen: list[Hit] = []
    shingles: list[set[str]] = []
    per: dict[str, int] = {}
    for hit in hits:
        if per.get(hit.article_id, 0) >= per_article:
            continue
        sh = _shingles(hit.text)
        dup = next((i for i, s in enumerate(shingles)
                    if chosen[i].article_id != hit.article_id and _near_duplicate(sh, s, overlap)), None)
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


def relevant(hits: Sequence[Hit], min_relevance: float, margin: float) -> list[Hit]:
    """The hits worth showing the answerer: none when even the best is below ``min_relevance`` (the
    archive does not cover the question), else those within ``margin`` of the best (the rest is noise
    that costs prompt time and distracts a small model). Reads each hit's ``gate_score``."""
    if not hits:
        return []
    best = max(h.gate_score for h in hits)
    if best < min_relevance:
        return []
    floor = max(min_relevance - margin / 2, best - margin)
    return [h for h in hits if h.gate_score >= floor]


@dataclass(frozen=True)
class Gate:
    """The relevance gate: its threshold belongs to whatever produced the scores it reads (the
    embedder's cosine by default, a reranker's calibrated score when one is used)."""

    min_relevance: float
    margin: float

    def __call__(self, hits: Sequence[Hit]) -> list[Hit]:
        return relevant(hits, self.min_relevance, self.margin)


class Reranker(ABC):
    """Rescores fused candidates (e.g. a cross-encoder). It sets each hit's ``relevance`` and says
    which gate threshold its scores are calibrated for, so swapping it in changes abstention
    explicitly rather than silently."""

    #: The gate threshold and margin for this reranker's scores.
    min_relevance: float
    margin: float

    @abstractmethod
    def rerank(self, query: Query, hits: list[Hit]) -> list[Hit]:
        """``hits`` reordered best first, each with ``relevance`` set."""


@dataclass(frozen=True)
class Found:
    """What a search found. ``outside_window`` is True when the question named a period ("this week")
    and nothing relevant was published in it: ``hits`` are then the best passages from any date."""

    hits: list[Hit]
    window: Window | None = None
    outside_window: bool = False


class Retriever:
    """Finds the passages that answer a query: channels → fusion → (reranker) → per-article caps and
    syndication folding → ``top_k`` → (each article's passages chosen again by ``picker``). ``gate`` is
    applied by the caller (``Pipeline``), and here only to decide whether a relative-date window holds
    anything relevant."""

    def __init__(self, embedder: Embedder, channels: Sequence[Channel], gate: Gate, *, top_k: int = 5,
                 per_article: int = 2, rrf_k: int = 60, syndication_overlap: float = 0.7,
                 reranker: Reranker | None = None, date_slack_days: int = 0, recency_weight: float = 0.0,
                 picker: PassagePicker | None = None) -> None:
        self.embedder = embedder
        self.channels = list(channels)
        self.gate = gate
        self.top_k = top_k
        self.per_article = per_article
        self.rrf_k = rrf_k
        self.syndication_overlap = syndication_overlap
        self.reranker = reranker
        self.date_slack_days = date_slack_days
        self.recency_weight = recency_weight
        self.picker = picker

    def find(self, query: Query, filters: Filters | None = None, top_k: int | None = None,
             other_dates: bool = False) -> Found:
        """The best ``top_k`` passages (default: the retriever's), and whether they honour the period
        the query names.

        A relative date in a question ("this week") narrows the search to its window, unless the
        filters carry typed dates (``date_from``/``date_to``), which replace it. When nothing
        relevant falls inside it, the best passages from the other dates are returned, marked
        ``outside_window``: the caller must not present them as that week's news. ``other_dates=True``
        searches the other dates at once (the caller's fallback when the period's passages do not
        answer: it must not list them again as older coverage).
        """
        filters = filters or Filters()
        k = top_k or self.top_k
        vector = self.embedder.embed_query(query.searched)
        slack = self.date_slack_days
        # Dates the reader typed are the reader's choice of period: they replace the question's own, and
        # the reader may turn the question's own off.
        window = None if filters.date_from or filters.date_to or not filters.question_dates else query.window
        if window is None:
            return Found(self._search(query, vector, build_where(filters, None, slack), k), None)
        if not other_dates:
            hits = self._search(query, vector, build_where(filters, window, slack), k)
            if self.gate(hits):
                return Found(hits, window)
        return Found(self._search(query, vector, build_where(filters, window, slack, outside=True), k), window,
                     outside_window=True)

    def _search(self, query: Query, vector: np.ndarray, where: dict[str, Any] | None, k: int) -> list[Hit]:
        used = [c for c in self.channels if c.applies(query)]
        near = Nearest(vector, where, max((c.depth for c in used), default=0))
        rankings = [c.search(query, near) for c in used]
        fused = fuse(rankings, [c.weight for c in used], self.rrf_k)
        recency = query.recent and self.recency_weight > 0 and query.window is None
        if recency:
            # "Latest"/"recently": the candidates newest first, fused in as one more (weaker) ranking,
            # so that among passages about the same thing the newer report wins.
            newest = sorted(fused, key=lambda h: h.published or "", reverse=True)
            fused = fuse([fused, newest], [1.0, self.recency_weight], self.rrf_k)
        if self.reranker is not None:
            fused = self.reranker.rerank(query, fused)
        chosen = select(fused, k, self.per_article, self.syndication_overlap)
        # Present the passages best-first by similarity among the fused selection: the LLM reads [1] first.
        if len(rankings) == 1 and self.reranker is None and not recency:
            chosen.sort(key=lambda h: -h.similarity)
        picker = self.picker
        if picker is not None and not query.is_lookup:  # a lookup wants its source, not a passage
            chosen = picker.pick(query, chosen, lambda: near.top(picker.store, picker.pool))
        return chosen
