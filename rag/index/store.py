"""The Chroma adapter: chunks with their article metadata in one cosine-space collection.

A local (directory) index may be written by another process while this one serves it (a re-index
beside the chat UI). Chroma's embedded client keeps its vector index in memory and does not see such
writes: its searches go stale and then fail ("Error finding id"). So a local store watches Chroma's
SQLite files (one ``stat`` per read) and, when another process wrote, reopens the collection from
disk; a read that still fails is retried once on a freshly opened collection. A Chroma server needs
none of this: it serves every process from one copy.

The index describes itself: the collection's metadata names the embedder that built it, and every
chunk carries its article's ``index_hash`` and chunk count, so the re-indexer can tell from the
index alone which articles are complete and current (no side manifest to drift out of sync).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
import contextlib
from dataclasses import dataclass, field
import json
import logging
import os
from pathlib import Path
import threading
import time
from typing import Any, TypeVar

import numpy as np

from rag.core.errors import EmbedderMismatchError, IndexMissingError
from rag.core.settings import Settings
from rag.core.types import Chunk, Hit
from rag.index.where import matches, starts_after
from rag.models.embedding import vector_family

log = logging.getLogger(__name__)
_T = TypeVar("_T")

_PAGE = 5000

#: HNSW search breadth. Chroma's default (100) leaves run-to-run noise in recall on the dev archive;
#: 400 makes the approximate search close to exact at these sizes, for a little query time.
EF_SEARCH = 400

#: Nearest chunks fetched beyond ``k`` (and a quarter) when a ``where`` clause is applied to them here.
_SPARE = 10
#: Fetching one nearest chunk's record costs about what Chroma's filter spends on this many chunks of
#: the index (13 ms for 300 records, 35 ms to filter 15,000 chunks): filtering the nearest chunks here
#: only pays on an index this many times larger than the fetch.
_RECORD_COST = 20
#: How many clauses that kept too few are remembered (oldest forgotten first).
_NARROW_KEPT = 256


@dataclass
class ArticleState:
    """What the index holds for one article: its chunk ids, their index hashes, the chunk count they claim."""

    chunk_ids: set[str] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)
    n_chunks: set[int] = field(default_factory=set)

    def is_complete(self, index_hash: str) -> bool:
        """True when every chunk is present, current, and no stale chunk is left over."""
        if self.hashes != {index_hash} or len(self.n_chunks) != 1:
            return False
        n = next(iter(self.n_chunks))
        return len(self.chunk_ids) == n


def reindex_hint(settings: Settings) -> str:
    return f"run `python scripts/reindex.py --index-dir {settings.index_dir} PATH...` to build it"


def _client(settings: Settings, create: bool) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    path = Path(settings.index_dir)
    if not create and not (path / "chroma.sqlite3").exists():
        raise IndexMissingError(f"No index in {path}", hint=reindex_hint(settings))
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _forget_cached_system(client: Any) -> None:
    """Make the next client for the same directory open it anew instead of reusing this process's
    cached (stale) one. Chroma caches one "system" per path and process; its public API can only
    clear all of them, which would pull the ground from under other stores of this process."""
    from chromadb.api.shared_system_client import SharedSystemClient

    ident = getattr(client, "_identifier", None)
    for cache in ("_identifier_to_system", "_identifier_to_refcount"):
        getattr(SharedSystemClient, cache, {}).pop(ident, None)


class _Watch:
    """A marker file in a local index that every write through a ChunkStore replaces, so a reader can
    tell with one ``stat`` that another process wrote. (Chroma's own SQLite files are no such signal:
    merely opening a client commits to them.)"""

    NAME = "changed.stamp"

    def __init__(self, directory: Path) -> None:
        self.marker = directory / self.NAME
        self.stamp = self.read()

    def read(self) -> tuple[int, int] | None:
        try:
            st = self.marker.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def changed(self) -> bool:
        return self.read() != self.stamp

    def touch(self) -> None:
        """Announce a write (a new file each time: a new inode even within one mtime tick)."""
        tmp = self.marker.with_name(f".{self.NAME}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(str(time.time_ns()))
        os.replace(tmp, self.marker)
        self.stamp = self.read()


def _hit(cid: str, doc: str | None, meta: Any, similarity: float) -> Hit:
    return Hit(chunk_id=cid, article_id=str(meta["article_id"]), text=doc or "", similarity=similarity,
               title=str(meta.get("title", "")), source=meta.get("source"), published=meta.get("published"),
               language=meta.get("language"), url=meta.get("url"), position=int(meta.get("position", 0)))


def chunk_metadata(chunk: Chunk, index_hash: str, n_chunks: int) -> dict[str, str | int]:
    """The flat metadata Chroma stores with a chunk (Chroma has no None: unknown fields are left out)."""
    a = chunk.article
    meta: dict[str, str | int] = {"article_id": a.id, "title": a.title, "position": chunk.position,
                                  "n_chunks": n_chunks, "index_hash": index_hash}
    for key, value in (("source", a.source), ("published", a.published), ("language", a.language),
                       ("url", a.url), ("authors", "; ".join(a.authors) or None), ("origin", a.origin)):
        if value:
            meta[key] = value
    # 0 for unknown, so "published on or before" filters keep undated articles while date ranges
    # (which also set a lower bound) leave them out.
    meta["published_day"] = a.published_day or 0
    return meta


class ChunkStore:
    """One archive's chunks in Chroma, checked against the embedder that built them."""

    def __init__(self, settings: Settings, embedder_name: str, dim: int, create: bool = False) -> None:
        self.settings = settings
        self._client = _client(settings, create)
        # Only a local index can be written behind this process's back.
        self._watch = None if settings.chroma_host else _Watch(Path(settings.index_dir))
        self._lock = threading.Lock()
        #: Where clauses (as JSON) that kept too few of the nearest chunks last time: Chroma filters them.
        self._narrow: dict[str, None] = {}
        if create:
            self._collection = self._client.get_or_create_collection(
                settings.collection, configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}},
                metadata={"embedder": embedder_name, "dim": dim, "created": time.strftime("%Y-%m-%dT%H:%M:%S")},
                embedding_function=None)
        else:
            try:
                self._collection = self._client.get_collection(settings.collection, embedding_function=None)
            except Exception as exc:  # chromadb raises NotFoundError / ValueError by version
                raise IndexMissingError(f"No collection {settings.collection!r} in {settings.index_dir}",
                                        hint=reindex_hint(settings)) from exc
        built_with = (self._collection.metadata or {}).get("embedder")
        if built_with and vector_family(built_with) != vector_family(embedder_name):
            raise EmbedderMismatchError(
                f"The index in {settings.index_dir} was built with embedder {built_with!r}, "
                f"but {embedder_name!r} is configured",
                hint="use the embedder it was built with (NEWSRAG_EMBEDDER / --embedder), or rebuild it: "
                     f"`python scripts/reindex.py --rebuild --index-dir {settings.index_dir} PATH...`")
        # Also when create=True: get_or_create leaves an existing collection's configuration as it was.
        self._raise_ef_search()

    @property
    def _col(self) -> Any:
        """The collection, reopened first when another process wrote to the local index since."""
        if self._watch is not None and self._watch.changed():
            self.reopen()
        return self._collection

    def _wrote(self) -> None:
        """Tell other processes serving this index that it changed (our own writes are no reason for
        this store to reopen)."""
        if self._watch is not None:
            try:
                self._watch.touch()
            except OSError as exc:  # a read-only index directory: readers then rely on the retry
                log.warning("could not mark the index in %s as changed: %s", self.settings.index_dir, exc)

    def reopen(self, force: bool = False) -> bool:
        """Open the local collection anew from disk (after another process wrote to it); True when it
        was reopened. On failure (say, the writer is mid-way) the old handle stays and the next read
        tries again."""
        if self._watch is None:
            return False
        with self._lock:
            if not force and not self._watch.changed():
                return False  # another thread reopened it meanwhile
            stamp = self._watch.read()  # before opening: a write during the reopen triggers another
            try:
                _forget_cached_system(self._client)
                client = _client(self.settings, create=False)
                collection = client.get_collection(self.settings.collection, embedding_function=None)
            except Exception as exc:  # any client error: keep serving from what we have
                log.warning("could not reopen the index in %s after another process wrote to it: %s",
                            self.settings.index_dir, exc)
                return False
            self._client, self._collection = client, collection
            self._watch.stamp = stamp
            log.info("reopened the index in %s: another process changed it", self.settings.index_dir)
            return True

    def _read(self, fn: Callable[[Any], _T]) -> _T:
        """``fn(collection)``, retried once on a freshly reopened collection when it fails on a local
        index (a search racing another process's write can fail on stale ids)."""
        try:
            return fn(self._col)
        except Exception:
            if not self.reopen(force=True):
                raise
            return fn(self._collection)

    def ef_search(self) -> int | None:
        """The collection's HNSW ``ef_search`` (None for a non-HNSW index)."""
        hnsw = (self._collection.configuration_json or {}).get("hnsw") or {}
        value = hnsw.get("ef_search")
        return int(value) if value is not None else None

    def _raise_ef_search(self) -> None:
        """Raise ``ef_search`` to ``EF_SEARCH`` on a collection made with less (e.g. Chroma's default).

        ``ef_search`` is a search-time setting, so the stored graph stays valid; a failure (a read-only
        index, a server that refuses) leaves the collection working as it was, with a warning.
        """
        current = self.ef_search()
        if current is None or current >= EF_SEARCH:
            return
        try:
            self._collection.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
        except Exception as exc:  # any client or server error: the collection stays usable
            log.warning("could not raise ef_search of collection %r from %s to %s: %s",
                        self.settings.collection, current, EF_SEARCH, exc)

    @staticmethod
    def drop(settings: Settings) -> None:
        """Delete the whole collection (``reindex --rebuild``)."""
        client = _client(settings, create=True)
        with contextlib.suppress(Exception):  # absent already: nothing to drop
            client.delete_collection(settings.collection)

    def count(self) -> int:
        return int(self._read(lambda col: col.count()))

    def write_article(self, chunks: Sequence[Chunk], vectors: np.ndarray, index_hash: str,
                      stale_ids: Iterable[str] = ()) -> None:
        """Store one article's chunks in a single upsert, then delete its chunks that no longer exist.

        One upsert per article is one write-ahead-log entry in Chroma, so a crash leaves either all
        of the article's new chunks or none; leftovers from a crash between the two calls are found
        by ``ArticleState.is_complete`` on the next run and repaired.
        """
        if chunks:
            self._col.upsert(ids=[c.id for c in chunks], embeddings=vectors.tolist(),
                             documents=[c.text for c in chunks],
                             metadatas=[chunk_metadata(c, index_hash, len(chunks)) for c in chunks])
        stale = sorted(set(stale_ids) - {c.id for c in chunks})
        if stale:
            self._col.delete(ids=stale)
        self._wrote()

    def delete_ids(self, ids: Iterable[str]) -> None:
        ids = sorted(ids)
        for i in range(0, len(ids), _PAGE):
            self._col.delete(ids=ids[i:i + _PAGE])
        self._wrote()

    def _pages(self, include: list[str]) -> Iterable[dict[str, Any]]:
        """Every chunk's ``include`` fields, one Chroma page (``_PAGE`` chunks) at a time."""
        offset = 0

        def page_at(at: int) -> Callable[[Any], dict[str, Any]]:
            return lambda col: dict(col.get(include=include, limit=_PAGE, offset=at))

        while True:
            page = self._read(page_at(offset))
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])

    def _all_metadata(self) -> Iterable[tuple[str, dict[str, Any]]]:
        for page in self._pages(["metadatas"]):
            yield from zip(page["ids"], page["metadatas"])

    def article_states(self) -> dict[str, ArticleState]:
        """Per article id, what the index holds (read from the chunks themselves)."""
        states: dict[str, ArticleState] = {}
        for cid, meta in self._all_metadata():
            st = states.setdefault(str(meta.get("article_id") or cid.rsplit("#", 1)[0]), ArticleState())
            st.chunk_ids.add(cid)
            st.hashes.add(str(meta.get("index_hash")))
            st.n_chunks.add(int(meta.get("n_chunks", -1)))
        return states

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None,
              contains: Sequence[str] = ()) -> list[Hit]:
        """The ``k`` nearest chunks to ``vector`` among those matching ``where`` (and containing one of
        the ``contains`` strings, case-sensitive, when given); ``similarity`` = cosine.

        On a large index a ``where`` clause without a first day is first applied here to a quarter
        more than ``k`` nearest chunks of the whole index: Chroma evaluates it in SQLite over every
        chunk (35 ms a query at 15,000 chunks, against 2 ms for the vector search), and the usual
        clause (nothing after the as-of day) keeps nearly all of them. Chroma filters when too few
        pass (and at once for a clause that kept too few before, a period with a first day, "this
        week", or an index too small for the fetch to be cheaper than its filter).
        """
        n = self.count()
        if n == 0:
            return []
        doc_filter: dict[str, Any] | None = None
        if len(contains) == 1:
            doc_filter = {"$contains": contains[0]}
        elif contains:
            doc_filter = {"$or": [{"$contains": c} for c in contains]}
        if where and doc_filter is None and (kept := self._filtered_here(vector, k, where, n)) is not None:
            return kept
        return [h for h, _ in self._nearest(vector, min(k, n), where, doc_filter)]

    def _filtered_here(self, vector: np.ndarray, k: int, where: dict[str, Any], n: int) -> list[Hit] | None:
        """The ``k`` nearest chunks matching ``where``, filtered here among the nearest of the whole
        index; None when Chroma's filter should decide (see ``query``)."""
        fetch = min(n, k + k // 4 + _SPARE)
        key = json.dumps(where, sort_keys=True)
        if fetch * _RECORD_COST > n or starts_after(where) or key in self._narrow:
            return None
        near = self._nearest(vector, fetch, None, None)
        try:
            kept: list[Hit] | None = [h for h, meta in near if matches(meta, where)]
        except (ValueError, TypeError):  # a clause this filter does not read: Chroma's filter decides
            kept = None
        # Fetching deeper when too few passed was tried: a second fetch costs about what Chroma's
        # filter does (bench_retrieval.py --as-of article).
        if kept is not None and (len(kept) >= k or fetch == n):
            return kept[:k]
        # The evaluation asks many questions as of one day, the chat all of a day's as of today.
        self._narrow[key] = None
        with contextlib.suppress(StopIteration, RuntimeError, KeyError):  # another thread trimmed it
            while len(self._narrow) > _NARROW_KEPT:
                self._narrow.pop(next(iter(self._narrow)))
        return None

    def _nearest(self, vector: np.ndarray, k: int, where: dict[str, Any] | None,
                 doc_filter: dict[str, Any] | None) -> list[tuple[Hit, dict[str, Any]]]:
        res = self._read(lambda col: col.query(
            query_embeddings=[vector.tolist()], n_results=k, where=where or None, where_document=doc_filter,
            include=["documents", "metadatas", "distances"]))
        return [(_hit(cid, doc, meta, 1.0 - float(dist)), dict(meta or {})) for cid, doc, meta, dist in
                zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def hits_for(self, ids: Sequence[str], vector: np.ndarray) -> list[Hit]:
        """The chunks ``ids`` (in that order; missing ones skipped), scored by cosine similarity to
        ``vector`` from their stored embeddings, so hits found by other means rank like dense ones."""
        if not ids:
            return []
        res = self._read(lambda col: col.get(ids=list(ids), include=["documents", "metadatas", "embeddings"]))
        by_id = {cid: (doc, meta, emb) for cid, doc, meta, emb in
                 zip(res["ids"], res["documents"], res["metadatas"], res["embeddings"])}
        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        hits = []
        for cid in ids:
            if cid in by_id:
                doc, meta, emb = by_id[cid]
                e = np.asarray(emb, dtype=np.float32)
                hits.append(_hit(cid, doc, meta, float(e @ q / (np.linalg.norm(e) or 1.0))))
        return hits

    def documents(self) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """Every chunk as (id, text, metadata), read page by page."""
        for page in self._pages(["documents", "metadatas"]):
            yield from zip(page["ids"], (d or "" for d in page["documents"]), page["metadatas"])

    def version(self) -> tuple[int, str]:
        """Changes whenever a re-index changes the collection (chunk count, last re-index time)."""
        return self.count(), str(self.info().get("last_reindex", ""))

    def set_info(self, **info: str | int | float) -> None:
        """Record facts about the index (e.g. last re-index time) in the collection metadata."""
        meta = dict(self._col.metadata or {})
        meta.update(info)
        meta.pop("hnsw:space", None)
        self._col.modify(metadata=meta)
        self._wrote()

    def info(self) -> dict[str, Any]:
        """The collection metadata, re-read so that another client's re-index shows."""
        try:
            return dict(self._client.get_collection(self.settings.collection, embedding_function=None).metadata or {})
        except Exception:  # collection dropped meanwhile: what we had
            return dict(self._col.metadata or {})

    def sample_metadata(self, limit: int) -> list[dict[str, Any]]:
        """Metadata of up to ``limit`` of the most recently added chunks (a bounded read, cheap on any
        archive size; new articles are in it as soon as they are indexed)."""
        offset = max(0, self.count() - limit)
        page = self._read(lambda col: col.get(include=["metadatas"], limit=limit, offset=offset))
        return [dict(m) for m in page["metadatas"]]

    def summary(self) -> dict[str, Any]:
        """Articles, chunks, languages, outlets and date span of the archive, for the UI and the CLI."""
        articles: dict[str, dict[str, Any]] = {}
        chunks = 0
        for _, meta in self._all_metadata():
            chunks += 1
            articles.setdefault(str(meta.get("article_id")), meta)
        langs: dict[str, int] = {}
        sources: dict[str, int] = {}
        days = []
        for meta in articles.values():
            langs[str(meta.get("language", "?"))] = langs.get(str(meta.get("language", "?")), 0) + 1
            if meta.get("source"):
                sources[str(meta["source"])] = sources.get(str(meta["source"]), 0) + 1
            if meta.get("published"):
                days.append(str(meta["published"])[:10])
        return {"articles": len(articles), "chunks": chunks, "languages": langs, "sources": sources,
                "first_date": min(days) if days else None, "last_date": max(days) if days else None,
                "undated": len(articles) - len(days), **{k: v for k, v in self.info().items()
                                                         if k in ("embedder", "last_reindex")}}
