"""Rank fusion and selection: weighted reciprocal rank fusion of the channels' rankings, then the
passages kept: at most ``per_article`` of one article, and near-identical passages of different
outlets (wire copy) folded into one hit that lists the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
import re

from rag.core.types import Hit


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
