"""How named dates are read (``rag.query.dates``) in real news text, for reading by eye.

    python scripts/check_dates.py --articles ../shared/data/large/articles-2025.jsonl --n 120 --seed 11
    python scripts/check_dates.py --articles ../shared/data/dev/articles.jsonl --languages fr,id --n 120 --seed 3
    python scripts/check_dates.py --articles ../shared/data/large/articles-2025.jsonl --numbered --n 60

Draws ``--n`` sentences (7–39 words) that name a month or hold a digit from the articles' first 3,000
characters, reads each as a question asked on its article's publication day, and prints every window
found with the phrase it came from and the words around it. False windows ("60 days", "$11 million")
show at a glance; so do missed months (run with ``--misses``). With ``--numbered`` it draws sentences
holding a numbered period ("the past 3 days", "il y a deux semaines", "dua minggu lalu") and reads
them with ``rag.query.dates.numbered_window`` instead.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import random
import re
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.languages import LANGUAGES, numbered_period_patterns  # noqa: E402
from rag.query.dates import named_window, numbered_window  # noqa: E402

# The month names of every language file, as written there (English and Indonesian capitalised).
MONTHS = re.compile(r"\b(?:" + "|".join(sorted({m for lang in LANGUAGES.values() for m in lang.months})) + r")\b")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=Path, required=True, help="articles JSONL (../shared/FORMATS.md)")
    ap.add_argument("--n", type=int, default=120, help="sentences to draw")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--misses", action="store_true", help="also print sentences with a month and no window")
    ap.add_argument("--languages", help="only articles in these languages (comma-separated, e.g. fr,id)")
    ap.add_argument("--numbered", action="store_true", help="numbered periods instead of named dates")
    args = ap.parse_args()

    def drawn(sentence: str) -> bool:
        if args.numbered:
            return any(p.search(sentence) for p, _, _ in numbered_period_patterns())
        return bool(MONTHS.search(sentence) or re.search(r"\d", sentence))

    wanted = set(args.languages.split(",")) if args.languages else None
    pool: list[tuple[str, str, str]] = []
    with args.articles.open(encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            if wanted and (article.get("language") or "en") not in wanted:
                continue
            for sentence in re.split(r"(?<=[.!?])\s+", article.get("text", "")[:3000]):
                if 6 < len(sentence.split()) < 40 and drawn(sentence):
                    pool.append((article.get("language") or "en", sentence,
                                 (article.get("published") or "")[:10] or "2025-06-01"))
    sample = random.Random(args.seed).sample(pool, min(args.n, len(pool)))
    found = 0
    for language, sentence, published in sample:
        window = numbered_window(sentence, published) if args.numbered else named_window(sentence, language, published)
        if window is None:
            if args.misses and MONTHS.search(sentence):
                print(f"MISS {language} | {sentence[:120]}")
            continue
        found += 1
        at = sentence.find(window.phrase)
        context = sentence[max(0, at - 50):at + len(window.phrase) + 30].replace("\n", " ")
        print(f"{language} | {window.phrase!r} -> {window.start}..{window.end} | {context}")
    print(f"{found} windows in {len(sample)} sentences")


if __name__ == "__main__":
    main()
