"""The retriever: channels → fusion → (reranker) → per-article caps and syndication folding → ``top_k``
→ each article's passages chosen again by the question's words; and the period a question names.

Every part is passed in (``rag.factory.build_retriever`` assembles the default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.core.types import Filters, Hit, Query, Window
from rag.index.where import build_where
from rag.models.embedding import Embedder
from rag.retrieve.channels import Channel, Nearest
from rag.retrieve.fusion import fuse, select
from rag.retrieve.gate import Gate, Reranker
from rag.retrieve.passages import PassagePicker


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
