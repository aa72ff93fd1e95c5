"""Which passages of a found article to show: by meaning and by the question's words.

Retrieval ranks candidate chunks, caps them per article and so decides both which articles answer
and which of their passages are read. The second choice is the weaker one: a small embedder sees a
long round-up (an awards night, a live blog) as one topic, and the section that matches the
question best by cosine is often another winner's or another day's, while the section that
answers repeats the question's own words. So once the articles are chosen, each one's passages are
chosen again among its chunks in the nearest ones the search fetched, by reciprocal rank fusion of
two rankings inside the article: cosine to the question, and the question's words the chunk holds,
each weighted by how few of the article's chunks hold it (a word in every chunk, such as the event's
name, tells nothing).

Only for articles in the question's language: across languages the only shared words are names,
which every chunk of the article shares. Articles stay where they were, with the relevance the
search gave them; only the passages change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
import math

from rag.core.types import Hit, Query
from rag.index.lexical import tokenize
from rag.index.store import ChunkStore

#: Reciprocal rank fusion constant inside one article (1/(k + rank), rank from 1). Articles have
#: about 5-30 chunks, so the usual 60 would flatten the ranks; 1 lets either ranking's first place
#: lead. On five question sets 0, 1 and 4 gave the same answer@k (docs/research/retrieval.md).
RRF_K = 1


class PassagePicker:
    """Chooses again the passages of the articles a search found (``pick``), among the ``pool``
    nearest chunks (the pool the exact-name channel reads: an article's answering section is rarely
    further, and no other read of the store is needed)."""

    def __init__(self, store: ChunkStore, pool: int = 300, rrf_k: int = RRF_K) -> None:
        self.store, self.pool, self.rrf_k = store, pool, rrf_k

    def pick(self, query: Query, chosen: Sequence[Hit], nearest: Callable[[], Sequence[Hit]]) -> list[Hit]:
        """``chosen`` with each same-language article's passages replaced by its best ones among its
        own and those of ``nearest()`` (fetched only when some article can change), as many as it had,
        in the same places; other hits are returned unchanged."""
        terms = list(dict.fromkeys(tokenize(query.searched)))
        candidates: dict[str, dict[str, Hit]] = {h.article_id: {} for h in chosen if h.language == query.language}
        if not terms or not candidates:
            return list(chosen)
        # An article's own passages stay candidates: the name channel may have found one beyond the pool.
        for hit in (*nearest(), *chosen):
            if hit.article_id in candidates:
                candidates[hit.article_id].setdefault(hit.chunk_id, hit)
        ranked = {article: iter(best) for article, hits in candidates.items()
                  if (best := self._ranked(list(hits.values()), terms))}
        owner = {h.text: h.article_id for h in chosen}
        out: list[Hit] = []
        for hit in chosen:
            if hit.article_id not in ranked:
                out.append(hit)
                continue
            new = next(ranked[hit.article_id], hit)
            # The same wire paragraph in another article already shown is not shown twice.
            if owner.setdefault(new.text, new.article_id) != new.article_id:
                new = hit
            # The gate keeps reading the search's score: this choice changes which passage of an
            # article is shown, never whether the archive covers the question.
            out.append(replace(new, also_in=hit.also_in, relevance=hit.gate_score))
        return out

    def _ranked(self, hits: list[Hit], terms: Sequence[str]) -> list[Hit] | None:
        """The article's chunks best first, or None when the question's words do not tell them apart."""
        held = [set(tokenize(h.text)) for h in hits]
        n = len(hits)
        weight = {t: math.log(1 + n / df) for t in terms if (df := sum(t in words for words in held))}
        words = [sum(w for t, w in weight.items() if t in ws) for ws in held]
        if len(set(words)) < 2:
            return None
        by_cosine = sorted(range(n), key=lambda i: -hits[i].similarity)
        by_words = sorted(range(n), key=lambda i: (-words[i], -hits[i].similarity))
        score = [0.0] * n
        for ranking in (by_cosine, by_words):
            for rank, i in enumerate(ranking, start=1):
                score[i] += 1 / (self.rrf_k + rank)
        return [hits[i] for i in sorted(range(n), key=lambda i: (-score[i], -hits[i].similarity))]
