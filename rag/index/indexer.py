"""Incremental, crash-safe (re-)indexing of article sources into a ChunkStore.

Unchanged articles (same content and chunking) are skipped without re-embedding, changed ones are
replaced, ``prune`` drops articles no longer in the sources. Each article is written with one
upsert, and completeness is judged from the index itself, so a run killed at any point and run
again leaves every article exactly once. URL sources are fetched by a ``rag.ingest.fetch.Fetcher`` whose
cache lives in ``<index_dir>/fetch-cache/``, so an unchanged feed costs one conditional request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
import hashlib
from pathlib import Path
import time

from filelock import FileLock, Timeout
import numpy as np

from rag.core.errors import IngestError, IngestWarning, NewsragError
from rag.core.settings import Settings
from rag.core.types import Article, Chunk
from rag.index.chunking import chunk_article
from rag.index.store import ArticleState, ChunkStore
from rag.ingest.fetch import Fetcher
from rag.ingest.readers import iter_inputs, UrlReader
from rag.ingest.sources import as_sources, Source
from rag.ingest.urls import UrlIngester
from rag.models.embedding import Embedder, embedder_for, vector_family

#: progress(done, total, article) is called after each article is handled.
Progress = Callable[[int, int, Article], None]


@dataclass
class ReindexReport:
    """What one re-index run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    chunks: int = 0
    seconds: float = 0.0
    total_chunks: int = 0
    prune_skipped: bool = False
    #: The run was asked to stop (SIGTERM) and ended between two articles; no prune then.
    interrupted: bool = False
    errors: list[IngestError] = field(default_factory=list)
    #: Inputs read only in part (a feed item that kept its summary); they do not stop a prune.
    warnings: list[IngestWarning] = field(default_factory=list)
    #: HTTP requests sent for URL sources (robots.txt included) and how many were answered 304.
    requests: int = 0
    not_modified: int = 0

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds > 0 else 0.0

    def summary_line(self) -> str:
        return (f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
                f"removed {self.removed}, skipped {self.skipped}; {self.chunks} chunks embedded in "
                f"{self.seconds:.1f} s ({self.chunks_per_second:.1f} chunks/s); index holds {self.total_chunks} chunks"
                + (f"; {self.requests} requests, {self.not_modified} not modified" if self.requests else "")
                + ("; prune skipped because some inputs could not be read" if self.prune_skipped else "")
                + ("; stopped early on request" if self.interrupted else ""))


def embedding_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: the headline gives every passage its article's context."""
    return f"{chunk.article.title}\n{chunk.text}"


def index_hash(article: Article, settings: Settings, embedder: Embedder) -> str:
    """Changes whenever the article or anything that shapes its chunks or vectors changes."""
    size, overlap = chunk_size(settings, embedder)
    key = f"{article.content_hash}|{size}|{overlap}|{vector_family(embedder.name)}|v1"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def chunk_size(settings: Settings, embedder: Embedder) -> tuple[int, int]:
    """(chunk tokens, overlap) that fit the embedder: ``settings.chunk_tokens`` capped so a chunk and
    its headline stay inside the model's input limit, which would otherwise silently truncate it.

    cl100k and the embedders' tokenizers differ: a third of headroom covers the headline and
    languages where the model's tokenizer is less efficient.
    """
    size = min(settings.chunk_tokens, int(embedder.max_tokens / 1.5))
    return size, min(settings.chunk_overlap, size // 4)


def collect(paths: Iterable[str | Path | Source], report: ReindexReport,
            read_url: UrlReader | None = None) -> list[Article]:
    """Read all sources (URLs through ``read_url``); bad inputs and conflicting duplicate ids go to
    ``report.errors``, inputs read only in part to ``report.warnings``."""
    by_id: dict[str, Article] = {}
    for item in iter_inputs(paths, read_url):
        if isinstance(item, IngestWarning):
            report.warnings.append(item)
            continue
        if isinstance(item, IngestError):
            report.errors.append(item)
            continue
        prev = by_id.get(item.id)
        if prev is not None and prev.content_hash != item.content_hash:
            report.errors.append(IngestError(item.origin or item.id, f"duplicate article id {item.id!r} "
                                             f"(first seen at {prev.origin}) with different content; kept the first",
                                             hint="give each article a unique `id`"))
            continue
        by_id.setdefault(item.id, item)
    report.skipped = len(report.errors)
    return list(by_id.values())


def fetch_cache_dir(settings: Settings) -> Path:
    """Where re-indexing keeps fetched bodies and their validators: ``<index_dir>/fetch-cache``."""
    return Path(settings.index_dir) / "fetch-cache"


def _collect_all(settings: Settings, paths: Sequence[str | Path | Source], report: ReindexReport,
                 follow_links: bool | None) -> list[Article]:
    sources = as_sources(paths)
    if not any(s.is_url for s in sources):
        return collect(sources, report)
    with Fetcher(settings, fetch_cache_dir(settings)) as fetcher:
        follow = settings.follow_links if follow_links is None else follow_links
        articles = collect(sources, report, UrlIngester(fetcher, follow, settings.summary_chars))
        report.requests, report.not_modified = fetcher.stats.requests, fetcher.stats.not_modified
    return articles


#: An article waiting to be embedded: the article, its chunks, its index hash, its state in the index.
_Pending = tuple[Article, list[Chunk], str, ArticleState | None]


class _Batches:
    """Chunks of several articles embedded in one call, each batch written by a second thread while the
    next one is embedded; an article counts as done (report, progress) once it is written."""

    def __init__(self, store: ChunkStore, embedder: Embedder, writer: ThreadPoolExecutor, report: ReindexReport,
                 progress: Progress | None, total: int) -> None:
        self.store, self.embedder, self.writer = store, embedder, writer
        self.report, self.progress, self.total = report, progress, total
        self.done = 0
        self.pending: list[_Pending] = []
        self.written: list[_Pending] = []
        self.job: Future[None] | None = None

    def tick(self, article: Article) -> None:
        """One more article done (written, or unchanged)."""
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, article)

    def add(self, item: _Pending, batch: int) -> None:
        """Queue an article's chunks; embed the queue once it holds ``batch`` passages."""
        self.pending.append(item)
        if sum(len(p[1]) for p in self.pending) >= batch:
            self.flush()

    def flush(self) -> None:
        """Embed what is queued and hand it to the writer (after the previous batch is written)."""
        if not self.pending:
            return
        vectors = self.embedder.embed_passages([embedding_text(c) for _a, chunks, _h, _s in self.pending
                                                for c in chunks])
        self.finish()
        self.job, self.written, self.pending = self.writer.submit(self._write, self.pending, vectors), self.pending, []

    def _write(self, batch: list[_Pending], vectors: np.ndarray) -> None:
        at = 0
        for _article, chunks, ihash, state in batch:
            self.store.write_article(chunks, vectors[at:at + len(chunks)], ihash,
                                     stale_ids=state.chunk_ids if state else ())
            at += len(chunks)

    def finish(self) -> None:
        """Wait for the batch being written (a failed write raises here, in the caller's thread) and
        count its articles done."""
        if self.job is None:
            return
        self.job.result()
        for article, chunks, _ihash, state in self.written:
            self.report.chunks += len(chunks)
            self.report.added += state is None
            self.report.updated += state is not None
            self.tick(article)
        self.job, self.written = None, []


def _embed_and_write(settings: Settings, embedder: Embedder, store: ChunkStore, articles: Sequence[Article],
                     states: dict[str, ArticleState], report: ReindexReport, progress: Progress | None,
                     stop: Callable[[], bool] | None) -> None:
    """Embed the articles that changed and write each with its own upsert.

    Chunks of several articles are embedded in one call of about ``settings.embed_batch`` passages (an
    article alone is ~12 chunks of uneven length: small, padded batches). The store writes a batch in
    a second thread while the next batch is chunked and embedded; torch releases the GIL while it
    computes. Only that one thread writes, and an article is reported done once it is written, so a
    crash still leaves whole articles only.
    """
    size, overlap = chunk_size(settings, embedder)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsrag-write") as writer:
        batches = _Batches(store, embedder, writer, report, progress, len(articles))
        for article in articles:
            if stop is not None and stop():
                report.interrupted = True
                break
            ihash = index_hash(article, settings, embedder)
            state = states.get(article.id)
            if state is not None and state.is_complete(ihash):
                report.unchanged += 1
                batches.tick(article)
                continue
            batches.add((article, chunk_article(article, size, overlap), ihash, state), settings.embed_batch)
        batches.flush()
        batches.finish()


def reindex(settings: Settings, paths: Sequence[str | Path | Source], *, prune: bool = False, rebuild: bool = False,
            progress: Progress | None = None, stop: Callable[[], bool] | None = None,
            follow_links: bool | None = None) -> ReindexReport:
    """Bring the index at ``settings.index_dir`` in line with the articles found under ``paths``
    (files, folders, http(s) URLs of feeds and pages, or ``Source`` records naming an outlet).

    ``stop`` is asked before each article: when it returns True the run ends there (every article
    written so far is complete; nothing is pruned) and the report says ``interrupted``.
    ``follow_links`` overrides ``settings.follow_links`` (fetch the pages of summary-only feed items).
    A URL that cannot be read is an error in the report like a bad file, and stops the prune.
    """
    started = time.perf_counter()
    report = ReindexReport()
    embedder = embedder_for(settings)
    articles = _collect_all(settings, paths, report, follow_links)
    lock_path = Path(settings.index_dir) / ".reindex.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(lock_path), timeout=1):
            if rebuild:
                ChunkStore.drop(settings)
            store = ChunkStore(settings, embedder.name, embedder.dim, create=True)
            states = store.article_states()
            _embed_and_write(settings, embedder, store, articles, states, report, progress, stop)
            # An unreadable input may hold articles that still exist: pruning then would delete them.
            report.prune_skipped = prune and bool(report.errors)
            if prune and not report.errors and not report.interrupted:
                keep = {a.id for a in articles}
                gone = [aid for aid in states if aid not in keep]
                store.delete_ids(cid for aid in gone for cid in states[aid].chunk_ids)
                report.removed = len(gone)
            store.set_info(last_reindex=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
            report.total_chunks = store.count()
    except Timeout as exc:
        raise NewsragError(f"Another re-index is running on {settings.index_dir}",
                           hint=f"wait for it to finish (lock file {lock_path})") from exc
    report.seconds = time.perf_counter() - started
    return report
