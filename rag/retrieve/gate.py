"""The relevance gate, and the reranker interface whose scores it may read.

The gate's threshold belongs to whatever produced the scores it reads: the embedder's cosine by default,
a reranker's calibrated score when one is used, so swapping a reranker in changes abstention
explicitly, never silently.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from rag.core.types import Hit, Query


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
