"""Which sentence of a cited passage supports the claim that cites it (highlighted on its card).

For each answer sentence carrying ``[n]`` markers, the sentence of passage n closest in meaning to the
claim (cosine of the multilingual embeddings, so an English claim finds its French source sentence).
Only cited passages are embedded: one small batch per answer.
"""

from __future__ import annotations

from rag.core.types import Answer
from rag.models.embedding import Embedder
from rag.retrieve.sentences import PassageSentences
from rag.verify.citations import markers, normalise_markers, split_answer_sentences


def supporting_sentences(answer: Answer, embedder: Embedder) -> dict[int, list[str]]:
    """Passage number → its sentences that support the answer's claims citing it (best first per claim)."""
    cited = sorted({c.n for c in answer.citations if 1 <= c.n <= len(answer.hits)})
    if not cited or answer.abstained:
        return {}
    sentences = PassageSentences([answer.hits[n - 1] for n in cited], embedder)
    if not sentences.items:
        return {}
    rows: dict[int, list[int]] = {}
    for k, (local_n, _, _) in enumerate(sentences.items):
        rows.setdefault(cited[local_n - 1], []).append(k)
    out: dict[int, list[str]] = {}
    for claim in split_answer_sentences(answer.text):
        nums = [n for n in dict.fromkeys(markers(claim)) if n in rows]
        if not nums:
            continue
        sims = sentences.vectors @ embedder.embed_query(normalise_markers(claim, 0))
        for n in nums:
            best = max(rows[n], key=lambda k: float(sims[k]))
            text = sentences.items[best][2]
            if text not in out.setdefault(n, []):
                out[n].append(text)
    return out
