#!/usr/bin/env python
"""Index a large archive within a time budget and report what it cost; prints figures, asserts nothing.

    python scripts/bench_large.py --articles ../shared/data/large/articles-2025.jsonl \
        --index-dir indexes/large --hours 2 --out docs/eval/large

The run is incremental like ``scripts/reindex.py``: stop it (or let ``--hours`` run out) and run it
again, and it goes on where it stopped; every run appends its figures to ``OUT/runs.jsonl`` and the
report sums them. The report gives chunks, time, chunks/s (per slice of the run, to show whether
writing slows as the index grows), peak memory of the process, index size on disk, retrieval latency
p50/p95 over the index (the project's retriever: dense + names channel, no LLM) with a known-item
check (an article's headline should find the article), and an extrapolation to one million articles.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import random
import resource
import statistics
import sys
import time

from rag.core.settings import Settings
from rag.core.types import Article
from rag.factory import build_retriever
from rag.index.indexer import reindex
from rag.index.store import ChunkStore
from rag.ingest.readers import load_articles
from rag.models.embedding import embedder_for
from rag.query.question import analyse


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def rss_mb() -> float:
    """Resident memory now (MB), from /proc (Linux); peak is ``ru_maxrss``."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def index_run(settings: Settings, src: Path, hours: float, every: int) -> dict[str, object]:
    """One budgeted re-index run; slices of ``every`` written articles timed separately."""
    deadline = time.monotonic() + hours * 3600
    slices: list[dict[str, float]] = []
    mark = {"t": time.perf_counter(), "done": 0.0}

    def progress(done: int, total: int, article: Article) -> None:
        if done - mark["done"] >= every:
            now = time.perf_counter()
            slices.append({"articles_done": done, "articles_per_s": round((done - mark["done"]) / (now - mark["t"]), 3),
                           "rss_mb": round(rss_mb())})
            mark["t"], mark["done"] = now, done

    report = reindex(settings, [src], progress=progress, stop=lambda: time.monotonic() > deadline)
    return {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "added": report.added, "unchanged": report.unchanged,
            "chunks": report.chunks, "seconds": round(report.seconds, 1), "interrupted": report.interrupted,
            "total_chunks": report.total_chunks,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "slices": slices, "errors": [str(e) for e in report.errors[:5]]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=Path, default=Path("../shared/data/large/articles-2025.jsonl"))
    ap.add_argument("--index-dir", type=Path, default=Path("indexes/large"))
    ap.add_argument("--hours", type=float, default=2.0, help="stop indexing after this long (0: only report)")
    ap.add_argument("--every", type=int, default=250, help="time a slice every N articles")
    ap.add_argument("--queries", type=int, default=200, help="headline queries for the latency check")
    ap.add_argument("--out", type=Path, default=Path("docs/eval/large"))
    args = ap.parse_args()

    settings = Settings(index_dir=args.index_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    runs_path = args.out / "runs.jsonl"
    if args.hours > 0:
        run = index_run(settings, args.articles, args.hours, args.every)
        with runs_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(run) + "\n")
        print(f"run: {run['added']} articles, {run['chunks']} chunks in {run['seconds']} s; "
              f"peak RSS {run['peak_rss_mb']} MB; index holds {run['total_chunks']} chunks")
    lines = runs_path.read_text().splitlines() if runs_path.exists() else []
    runs = [json.loads(line) for line in lines if line.strip()]

    articles, _errors = load_articles([args.articles])
    embedder = embedder_for(settings)
    store = ChunkStore(settings, embedder.name, embedder.dim)
    indexed = store.article_states()
    in_index = [a for a in articles if a.id in indexed]
    retriever = build_retriever(settings, store, embedder)
    rng = random.Random(7)
    sample = rng.sample(in_index, min(args.queries, len(in_index)))
    latencies: list[float] = []
    hit1 = hit10 = 0
    for a in sample:
        t = time.perf_counter()
        found = retriever.find(analyse(a.title), top_k=10)
        latencies.append(time.perf_counter() - t)
        ids = [h.article_id for h in found.hits]
        hit1 += bool(ids) and ids[0] == a.id
        hit10 += a.id in ids

    chunks = sum(int(r["chunks"]) for r in runs)
    seconds = sum(float(r["seconds"]) for r in runs)
    rate = chunks / seconds if seconds else float("nan")
    per_article = store.count() / max(1, len(in_index))
    summary = {
        "archive": str(args.articles), "articles_in_archive": len(articles), "articles_indexed": len(in_index),
        "chunks_in_index": store.count(), "chunks_per_article": round(per_article, 2),
        "indexing_seconds": round(seconds, 1), "chunks_embedded": chunks, "chunks_per_second": round(rate, 2),
        "peak_rss_mb": max((int(r["peak_rss_mb"]) for r in runs), default=None),
        "index_bytes": disk_bytes(args.index_dir), "embedder": embedder.name,
        "retrieval_queries": len(sample),
        "retrieval_p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "retrieval_p95_s": round(pct(latencies, 0.95), 3) if latencies else None,
        "headline_hit1": round(hit1 / max(1, len(sample)), 3), "headline_hit10": round(hit10 / max(1, len(sample)), 3),
        "million_articles_hours_this_machine": round(1e6 * per_article / rate / 3600, 1) if seconds else None,
    }
    (args.out / "report.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for k, v in summary.items():
        print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
