#!/usr/bin/env python
"""Benchmark indexing throughput and answer latency on an archive; prints figures, asserts nothing.

    python scripts/bench.py --articles ../shared/data/dev/articles.jsonl \
        --questions ../shared/data/dev/questions.jsonl --llm local --questions-limit 5

Indexing is compared with a baseline run in the same process: the embedder alone on the same chunk
texts (so the ratio is the cost of chunking, Chroma and bookkeeping on top of embedding).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import statistics
import sys
import tempfile
import time

from rag.core.settings import Settings
from rag.core.types import Filters
from rag.factory import build_pipeline
from rag.index.chunking import chunk_article
from rag.index.indexer import chunk_size, embedding_text, reindex
from rag.ingest.readers import load_articles
from rag.models.chat import llm_names
from rag.models.embedding import embedder_for


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=Path, required=True)
    ap.add_argument("--questions", type=Path)
    ap.add_argument("--limit", type=int, help="index only the first N articles")
    ap.add_argument("--index-dir", type=Path, help="reuse/keep this index (default: a temp dir, built fresh)")
    ap.add_argument("--llm", default="extractive", choices=llm_names())
    ap.add_argument("--questions-limit", type=int, default=10)
    ap.add_argument("--baseline-chunks", type=int, default=100, help="chunks embedded for the baseline")
    args = ap.parse_args()

    index_dir = args.index_dir or Path(tempfile.mkdtemp(prefix="newsrag-bench-"))
    settings = Settings(index_dir=index_dir, llm=args.llm)
    articles, errors = load_articles([args.articles])
    if args.limit:
        articles = articles[:args.limit]
    src = Path(tempfile.mkdtemp()) / "articles.jsonl"
    src.write_text("".join(json.dumps({"id": a.id, "title": a.title, "text": a.text, "url": a.url,
                                       "source": a.source, "published": a.published, "language": a.language},
                                      ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    embedder = embedder_for(settings)
    size, overlap = chunk_size(settings, embedder)
    chunks = [c for a in articles for c in chunk_article(a, size, overlap)]
    tokens = sum(c.n_tokens for c in chunks)
    print(f"archive: {len(articles)} articles, {len(chunks)} chunks, {tokens} tokens "
          f"({tokens / max(1, len(chunks)):.0f} per chunk), embedder {embedder.name}")

    # Spread over the whole archive: its first articles need not be typical (language, length).
    step = max(1, len(chunks) // max(1, args.baseline_chunks))
    sample = [embedding_text(c) for c in chunks[::step][:args.baseline_chunks]]
    t = time.perf_counter()
    for i in range(0, len(sample), settings.embed_batch):
        embedder.embed_passages(sample[i:i + settings.embed_batch])
    base = len(sample) / (time.perf_counter() - t)
    print(f"baseline, embedder alone: {base:.2f} chunks/s on {len(sample)} chunks")

    first = reindex(settings, [src])
    print(f"index build: {first.summary_line()}")
    print(f"  ratio to baseline: {first.chunks_per_second / base:.2f}" if first.chunks else "  (index reused)")
    second = reindex(settings, [src])
    print(f"re-run: {second.summary_line()}")

    if args.questions:
        questions = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
        questions = questions[:args.questions_limit]
        pipeline = build_pipeline(settings)
        if pipeline.answerer.uses_llm:
            t = time.perf_counter()
            pipeline.load()
            print(f"LLM load: {time.perf_counter() - t:.1f} s ({pipeline.llm_name})")
        stages: dict[str, list[float]] = {}
        abstained = 0
        for q in questions:
            answer = pipeline.ask(q["question"], Filters(as_of=q.get("asked_on")))
            abstained += answer.abstained
            for k, v in answer.timings.items():
                stages.setdefault(k, []).append(v)
        print(f"answers: {len(questions)} questions, llm {args.llm}, {abstained} abstained")
        for k, v in stages.items():
            print(f"  {k:12s} p50 {statistics.median(v):6.2f} s   p95 {pct(v, 0.95):6.2f} s   max {max(v):6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
