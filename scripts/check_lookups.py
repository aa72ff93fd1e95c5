"""Whether a pasted sentence's source is in the archive: the passage gate against the closest sentence.

    python scripts/check_lookups.py --index-dir DIR --questions ../shared/data/dev/questions.jsonl \\
        --articles ../shared/data/dev/articles.jsonl --absent ../shared/data/large/articles-2025.jsonl

Sentences whose source is present: the cross-lingual lookups of ``--questions``. Sentences whose
source is absent: one random quotable sentence from each of ``--n`` articles of ``--absent`` that are
not in ``--articles`` (by id and headline). For each, the best passage similarity (what the relevance
gate reads) and the best sentence similarity among the top passages (what decides a lookup now);
prints how many of each group every threshold keeps, on all and on each half (a threshold chosen on
one half is read on the other).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import random
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.core.settings import Settings  # noqa: E402
from rag.factory import build_pipeline  # noqa: E402
from rag.retrieve.sentences import PassageSentences, quotable_sentences  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--articles", type=Path, required=True, help="the archive the index was built from")
    ap.add_argument("--absent", type=Path, required=True, help="articles to draw sentences from, not indexed")
    ap.add_argument("--n", type=int, default=60)
    args = ap.parse_args()

    p = build_pipeline(Settings(index_dir=args.index_dir, llm="extractive"))
    indexed = [json.loads(line) for line in args.articles.open(encoding="utf-8")]
    ids, titles = {a["id"] for a in indexed}, {a.get("title") for a in indexed}
    present = [q["question"] for q in map(json.loads, args.questions.open(encoding="utf-8"))
               if q.get("type") == "cross-lingual-lookup"]
    rng = random.Random(7)
    others = [a for a in map(json.loads, args.absent.open(encoding="utf-8"))
              if a["id"] not in ids and a.get("title") not in titles]
    absent: list[str] = []
    for a in rng.sample(others, min(len(others), 8 * args.n)):
        candidates = [s for s in quotable_sentences(a["text"]) if 15 <= len(s.split()) <= 45
                      and p.analyse(s).is_lookup]
        if candidates:
            absent.append(rng.choice(candidates))
        if len(absent) == args.n:
            break

    def scores(text: str) -> tuple[float, float]:
        query = p.analyse(text)
        hits = p.retriever.find(query, None).hits
        closest = PassageSentences(hits, p.embedder, p.settings.passage_sentences).support(query.searched)
        return max((h.similarity for h in hits), default=0.0), closest.score if closest else 0.0

    pos, neg = [scores(t) for t in present], [scores(t) for t in absent]
    gate = p.settings.min_relevance
    print(f"{len(pos)} sentences with their source in the archive, {len(neg)} without")
    print(f"passage gate {gate:.2f}: keeps {sum(c >= gate for c, _ in pos)} present, "
          f"{sum(c >= gate for c, _ in neg)} absent")
    for t in (0.82, 0.84, 0.85, 0.86, 0.87, 0.88, 0.90):
        halves = " ".join(f"half {h}: {sum(s >= t for _, s in pos[h::2])}/{len(pos[h::2])} present, "
                          f"{sum(s >= t for _, s in neg[h::2])}/{len(neg[h::2])} absent;" for h in (0, 1))
        print(f"closest sentence ≥ {t:.2f}: keeps {sum(s >= t for _, s in pos)} present, "
              f"{sum(s >= t for _, s in neg)} absent ({halves})")


if __name__ == "__main__":
    main()
