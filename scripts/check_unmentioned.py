"""How often the "no passage mentions NAME" decline fires on questions the archive does answer.

    python scripts/check_unmentioned.py --index-dir indexes/large \\
        --articles ../shared/data/large/articles-2025.jsonl [--queries 200]

Each question is made from an indexed article's headline ("What happened: HEADLINE?"), so the
archive holds its answer. Prints every question the check would decline, whether its article was
among the passages found, and the totals: a decline while the article is among the passages is a
false decline of the name matching itself.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import random
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.core.settings import Settings  # noqa: E402
from rag.factory import build_retriever  # noqa: E402
from rag.index.store import ChunkStore  # noqa: E402
from rag.ingest.readers import load_articles  # noqa: E402
from rag.models.embedding import embedder_for  # noqa: E402
from rag.query.names import unmentioned  # noqa: E402
from rag.query.question import analyse  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--articles", type=Path, required=True, help="the archive the index was built from")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()

    settings = Settings(index_dir=args.index_dir)
    embedder = embedder_for(settings)
    store = ChunkStore(settings, embedder.name, embedder.dim)
    retriever = build_retriever(settings, store, embedder)
    indexed = store.article_states()
    articles = [a for a in load_articles([args.articles])[0] if a.id in indexed]
    sample = random.Random(11).sample(articles, min(args.queries, len(articles)))
    fired = false = 0
    for article in sample:
        query = analyse(f"What happened: {article.title}?")
        hits = retriever.gate(retriever.find(query).hits)
        missing = unmentioned(query, hits)
        if missing:
            found = article.id in {h.article_id for h in hits}
            fired += 1
            false += found
            print(f"declined for {missing}; article among the passages: {found} | {article.title}")
    print(f"{len(sample)} questions from headlines: {fired} declined for an unmentioned name, "
          f"{false} of them while the article was among the passages")


if __name__ == "__main__":
    main()
