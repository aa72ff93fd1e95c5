"""Which sentence an answer leads with, offline, per question: the closest sentence to the question,
or the one the render answerer puts first (the candidate holding the phrase the model copies).

    python scripts/check_answer_pick.py --index-dir DIR --questions FILE --out OUT.jsonl [--types a,b]

For each question with accepted answers, writes one JSON line: whether an accepted answer is in any of
the candidates the model copies from, in the closest sentence, and in the sentence the answerer shows
first (matched as the evaluation's accuracy matches, ``contains_answer``); then prints the counts.
One prompt read a question (~4 s on 2 cores). The comparison with the earlier pick by number is in
docs/faithful-answers.md, "The model's pick on the held-out quiz".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.answer.quoting import QuotingAnswerer  # noqa: E402
from rag.core.settings import Settings  # noqa: E402
from rag.core.types import Filters  # noqa: E402
from rag.eval.metrics import contains_answer  # noqa: E402
from rag.factory import build_pipeline  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--types", help="only these question types (comma-separated)")
    args = ap.parse_args()
    types = set(args.types.split(",")) if args.types else None

    pipeline = build_pipeline(Settings(index_dir=args.index_dir, llm="local"))
    answerer = pipeline.answerer
    if not isinstance(answerer, QuotingAnswerer):
        sys.exit("the configured answerer does not pick (NEWSRAG_ANSWER_STYLE must be render)")
    counts = dict.fromkeys(("questions", "in a candidate", "closest", "shown first"), 0)
    with args.out.open("w", encoding="utf-8") as out:
        for line in args.questions.open(encoding="utf-8"):
            q = json.loads(line)
            answers = q.get("answers") or []
            if not answers or (types and q.get("type") not in types):
                continue
            filters = Filters(as_of=q.get("asked_on"))
            query = pipeline.analyse(q["question"], filters)
            hits = pipeline._passages(pipeline.retriever.find(query, filters).hits, query.is_lookup)
            if not hits:
                continue
            sentences = pipeline._sentences(hits)
            same = sentences.paraphrases(answerer.paraphrase)
            candidates = answerer._candidates(
                [*sentences.scored(query.searched), *sentences.scored_headlines(query.searched)], same)
            closest = answerer._chosen(query, sentences, pick=False)
            shown = answerer._chosen(query, sentences)
            row = {"id": q["id"], "language": q.get("language"),
                   "in a candidate": any(contains_answer(c.text, answers) for c in candidates),
                   "closest": bool(closest) and contains_answer(closest[0].text, answers),
                   "shown first": bool(shown) and contains_answer(shown[0].text, answers)}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            counts["questions"] += 1
            for key in counts:
                counts[key] += key != "questions" and bool(row[key])
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
