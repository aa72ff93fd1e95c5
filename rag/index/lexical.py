"""Lexical retrieval: BM25 over the archive's chunks, the channel where dense embeddings are weakest.

A small multilingual embedder blurs rare words, numbers and names ("Boeing", "375,000", "Snack
Wrap"): a passage that contains them verbatim can rank below one that is merely on the same topic.
BM25 ranks by exactly those words. Its ranking is fused with the dense one (reciprocal rank fusion
in ``rag.retrieval``), and its hits keep their dense cosine as score, so the relevance gate treats
them like any other passage.

Tokens are language-light so that one index serves English, French and Indonesian: lowercased,
accents folded, stopwords of every language in ``rag.languages`` dropped, cut to their first 6 letters (a crude
stem that conflates "erupted"/"eruption"/"éruption" alike in all three). The index lives in memory,
is built from the store on first use (about 2 s per 10,000 chunks) and rebuilt when a re-index
changes the store.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
import threading
from typing import Any

import numpy as np

from rag import languages
from rag.index.store import ChunkStore
from rag.index.where import matches
from rag.languages import fold

_STEM = 6

_WORD = re.compile(r"\d[\d,.]*\d|\w+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Index terms of ``text``: folded, stopword-free, cut to 6 letters; numbers lose their separators."""
    # Tokens are folded before the lookup, and the stopword list holds folded forms too ("après" → "apres").
    stop = languages.stopwords()
    terms = []
    for word in _WORD.findall(fold(text.lower())):
        if word[0].isdigit():
            terms.append(re.sub(r"[,.]", "", word))
        elif len(word) > 1 and word not in stop:
            terms.append(word[:_STEM])
    return terms


@dataclass
class _Built:
    version: tuple[int, str]
    ids: list[str]
    metas: list[dict[str, Any]]
    bm25: Any


class LexicalIndex:
    """BM25 over one ChunkStore's chunks (headline + text), kept in step with the store."""

    def __init__(self, store: ChunkStore) -> None:
        self.store = store
        self._built: _Built | None = None
        self._lock = threading.Lock()

    def _index(self) -> _Built:
        version = self.store.version()
        built = self._built
        if built is not None and built.version == version:
            return built
        with self._lock:  # one build at a time; concurrent searches wait for it rather than each build
            if self._built is not None and self._built.version == version:
                return self._built
            import bm25s

            ids, metas, corpus = [], [], []
            for cid, text, meta in self.store.documents():
                ids.append(cid)
                metas.append(dict(meta))
                corpus.append(tokenize(f"{meta.get('title', '')}\n{text}"))
            bm25 = bm25s.BM25()
            if ids:
                bm25.index(corpus, show_progress=False)
            self._built = _Built(version, ids, metas, bm25)
            return self._built

    def search(self, question: str, k: int, where: dict[str, Any] | None = None) -> list[str]:
        """Ids of the ``k`` chunks that best match the question's words among those matching ``where``,
        best first; empty when no word of the question occurs in the archive."""
        built = self._index()
        terms = tokenize(question)
        if not built.ids or not terms:
            return []
        scores = np.asarray(built.bm25.get_scores(terms), dtype=np.float32)
        order = np.argsort(-scores, kind="stable")
        out: list[str] = []
        for i in order:
            if scores[i] <= 0 or len(out) == k:
                break
            if matches(built.metas[i], where):
                out.append(built.ids[i])
        return out
