"""Translate randomly drawn archive sentences with the render answerer's own prompt, for labelling.

    python scripts/sample_translations.py --articles ../shared/data/dev/articles.jsonl --out translations.jsonl \\
        [--plan fr:en:14,id:en:12,en:fr:6,en:id:6,fr:id:4] [--seed 5]

Each output line holds the article id, the source sentence's span in the article's ``text``, the
source and target languages and the model's translation. Read each against its source and add it to
docs/eval/claims/dev-claims.jsonl with ``supported`` and a ``real translation: …`` kind (format in
docs/eval/claims/README.md); ``scripts/evaluate.py --claims`` then scores the verifier on them. The
default plan and seed draw the 42 sentences behind dev-c166..dev-c206 (41 labelled; one French source
was itself garbled); the model's output can differ slightly between llama.cpp builds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import random
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from rag.answer.quoting import TRANSLATION_TOKENS  # noqa: E402
from rag.core.prompts import TRANSLATE_PROMPT, TRANSLATE_SYSTEM  # noqa: E402
from rag.core.settings import Settings  # noqa: E402
from rag.languages import language_name  # noqa: E402
from rag.models.chat import make_chat_model  # noqa: E402
from rag.retrieve.sentences import quotable_sentences  # noqa: E402


def draw(articles: list[dict[str, str]], plan: str, seed: int) -> list[tuple[dict[str, str], str, str, str]]:
    """(article, source language, target language, sentence) for each planned translation."""
    by_language: dict[str, list[dict[str, str]]] = {}
    for a in articles:
        by_language.setdefault(a.get("language", ""), []).append(a)
    rng = random.Random(seed)
    jobs = []
    for part in plan.split(","):
        source, target, count = part.split(":")
        for a in rng.sample(by_language.get(source, []), int(count)):
            candidates = [s for s in quotable_sentences(a["text"]) if 12 <= len(s.split()) <= 40]
            if candidates:
                jobs.append((a, source, target, rng.choice(candidates)))
    return jobs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=Path, required=True, help="articles JSONL (../shared/FORMATS.md)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--plan", default="fr:en:14,id:en:12,en:fr:6,en:id:6,fr:id:4",
                    help="source:target:count, comma-separated")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()

    # The raw JSON ``text``: spans must index it as stored, not as rag.ingest.readers normalises it.
    articles = [json.loads(line) for line in args.articles.read_text(encoding="utf-8").splitlines() if line.strip()]
    jobs = draw(articles, args.plan, args.seed)
    model = make_chat_model(Settings(llm="local")).bind(max_tokens=TRANSLATION_TOKENS)
    with args.out.open("w", encoding="utf-8") as out:
        for a, source, target, sentence in jobs:
            reply = model.invoke([SystemMessage(TRANSLATE_SYSTEM.format(language=language_name(target))),
                                  HumanMessage(TRANSLATE_PROMPT.format(sentence=sentence))])
            start = a["text"].find(sentence)  # -1 when the sentence splitter changed its spacing
            span = [start, start + len(sentence)] if start >= 0 else None
            out.write(json.dumps({"article_id": a["id"], "span": span, "source": source,
                                  "language": target, "translation": " ".join(reply.text.split())},
                                 ensure_ascii=False) + "\n")
            out.flush()
            print(f"{a['id']} {source}->{target}", file=sys.stderr)


if __name__ == "__main__":
    main()
