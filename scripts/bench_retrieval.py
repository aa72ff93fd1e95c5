"""Retrieval latency and known-item accuracy of two or more settings, paired on one index.

    python scripts/bench_retrieval.py --index-dir indexes/large --articles ../shared/data/large/articles-2025.jsonl \\
        --set NEWSRAG_NAME_POOL=0 --set NEWSRAG_NAME_POOL=300 [--queries 200] [--words 6]
    python scripts/bench_retrieval.py ... --set NEWSRAG_NAME_POOL=300 --chroma-filter --as-of article

Each query is an indexed article's headline (or its first ``--words`` words, as keywords a reader
would type); it should find its own article. Every query runs under every setting, in random order,
in one process, so the ratios hold even on a busy machine. Prints hit@1, hit@10, p50, p95 and how
many queries ran Chroma's document filter (the exact-name channel's slow path).

``--as-of`` asks as a reader would on a given day: ``today`` (the archive's newest day, as the chat
does), or ``article`` (the day the query's own story ran, as the evaluation's questions do; the
clause then hides every later chunk). ``--chroma-filter`` adds, for each variant, one whose date
clause Chroma evaluates over the whole index (the store's way before it filtered the nearest chunks
itself): the baseline of that change, run in the same process.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import random
import statistics
import time
from typing import Any

from rag.core.settings import Settings
from rag.core.types import Filters, Hit
from rag.factory import build_retriever
from rag.index.store import ChunkStore
from rag.ingest.readers import load_articles
from rag.models.embedding import embedder_for
from rag.query.question import analyse


def _variant(text: str) -> tuple[str, dict[str, Any]]:
    key, _, value = text.partition("=")
    field = key.strip().lower().removeprefix("newsrag_")
    if field not in Settings.model_fields or not value:
        raise SystemExit(f"--set {text}: expected NEWSRAG_FIELD=VALUE with a field of Settings "
                         "(README, Configuration)")
    return text, {field: value}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


class _ChromaFiltered:
    """The store, with every ``where`` clause left to Chroma's filter (the baseline)."""

    def __init__(self, store: ChunkStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def query(self, vector: Any, k: int, where: dict[str, Any] | None = None,
              contains: tuple[str, ...] | list[str] = ()) -> list[Hit]:
        if contains or not where:
            return self._store.query(vector, k, where, contains)
        return [h for h, _ in self._store._nearest(vector, min(k, self._store.count()), where, None)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--articles", type=Path, required=True, help="the archive the index was built from")
    ap.add_argument("--set", dest="sets", action="append", required=True, help="NEWSRAG_FIELD=VALUE, once per variant")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--words", type=int, default=0, help="use the headline's first N words (0: the whole headline)")
    ap.add_argument("--as-of", choices=["none", "today", "article"], default="none",
                    help="the day the reader asks on: no date clause, the newest day, or the story's own day")
    ap.add_argument("--chroma-filter", action="store_true",
                    help="also run each variant with date clauses left to Chroma's filter (the baseline)")
    args = ap.parse_args()

    base = Settings(index_dir=args.index_dir)
    embedder = embedder_for(base)
    store = ChunkStore(base, embedder.name, embedder.dim)
    filtered = [0]
    plain_query = store.query

    def counted(*a: Any, **kw: Any) -> Any:
        filtered[0] += bool(kw.get("contains") or (len(a) > 3 and a[3]))
        return plain_query(*a, **kw)

    store.query = counted  # type: ignore[method-assign]
    variants = [_variant(s) for s in args.sets]
    retrievers = {name: build_retriever(base.model_copy(update=Settings(**over).model_dump(include=set(over))),
                                        store, embedder) for name, over in variants}
    if args.chroma_filter:
        baseline = _ChromaFiltered(store)
        retrievers |= {f"{name}, Chroma filters": build_retriever(
            base.model_copy(update=Settings(**over).model_dump(include=set(over))), baseline, embedder)  # type: ignore[arg-type]
            for name, over in variants}
    indexed = store.article_states()
    articles = [a for a in load_articles([args.articles])[0] if a.id in indexed]
    rng = random.Random(11)
    sample = rng.sample(articles, min(args.queries, len(articles)))
    lat: dict[str, list[float]] = {n: [] for n in retrievers}
    hit1 = dict.fromkeys(retrievers, 0)
    hit10 = dict.fromkeys(retrievers, 0)
    slow = dict.fromkeys(retrievers, 0)
    newest = max((a.published or "" for a in articles), default="")[:10] or None
    for article in sample:
        text = " ".join(article.title.split()[:args.words]) if args.words else article.title
        as_of = {"none": None, "today": newest, "article": (article.published or "")[:10] or None}[args.as_of]
        filters = Filters(as_of=as_of)
        query = analyse(text, as_of)
        for name in rng.sample(list(retrievers), len(retrievers)):
            before = filtered[0]
            start = time.perf_counter()
            found = retrievers[name].find(query, filters, top_k=10)
            lat[name].append(time.perf_counter() - start)
            ids = [h.article_id for h in found.hits]
            hit1[name] += bool(ids) and ids[0] == article.id
            hit10[name] += article.id in ids
            slow[name] += filtered[0] > before
    n = len(sample)
    what = f"first {args.words} words of headlines" if args.words else "headlines"
    print(f"{n} queries ({what}, as of: {args.as_of}) over {store.count()} chunks")
    for name in retrievers:
        print(f"{name}: hit@1 {hit1[name] / n:.3f}  hit@10 {hit10[name] / n:.3f}  "
              f"p50 {1000 * statistics.median(lat[name]):.0f} ms  p95 {1000 * _pct(lat[name], 0.95):.0f} ms  "
              f"document filter in {slow[name]} queries")


if __name__ == "__main__":
    main()
