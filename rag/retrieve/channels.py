"""Channels: the ways of finding candidate passages for a query, each a ranking the retriever fuses.

Dense e5 retrieval is strong across languages but blurs names and numbers ("which volcano, Etna or
Stromboli?"), so besides the dense channel an exact-name channel searches, among chunks that literally
contain the question's proper names, by the same vector, and an optional BM25 channel ranks by the
question's words. The channels share one fetch of the nearest chunks (``Nearest``). A new channel is one
class implementing ``Channel``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.core.types import Hit, Query
from rag.index.lexical import LexicalIndex
from rag.index.store import ChunkStore
from rag.query.names import common_words


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
    cross-lingual lookups: hit@1 0.833 with the channel, 0.917 without (docs/research/retrieval.md); the issue
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
    """BM25 over the chunks' words (``rag.index.lexical``); hits keep their dense cosine as similarity.

    Like the name channel, only for questions and keywords: the English words of a statement
    translated from another language pull in the English articles that share them (docs/research/retrieval.md).
    """

    name = "bm25"

    def __init__(self, store: ChunkStore, index: LexicalIndex, k: int, weight: float) -> None:
        self.store, self.index, self.k, self.weight = store, index, k, weight

    def applies(self, query: Query) -> bool:
        return not query.is_lookup

    def search(self, query: Query, near: Nearest) -> list[Hit]:
        return self.store.hits_for(self.index.search(query.searched, self.k, near.where), near.vector)
