"""Whether the answerability judge reads a French or Indonesian question better in English
(docs/faithful-answers.md, "Calibrating the decline").

    python scripts/check_judge_translation.py --index-dir DIR --questions FILE [--questions FILE ...] \\
        [--not-answered ID ...]

For every question whose closest source sentences (the ones the judge reads) are in another language
than the question, the local model translates the question into English, and the judge's P(YES) is
read three ways: on the original question (the pipeline's), on the translation, and on the original
followed by "(in English: …)". Prints each question's three scores and translation, then ROC AUC and
the questions passed at 0.5 and 0.6 for each way. A question counts as answerable when it has
answers and is not listed in ``--not-answered`` (answer strings that sit only in unrelated articles).
Two or three model calls a question (~15 s on 2 cores).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from rag.factory import build_pipeline  # noqa: E402
from rag.llm import yes_probability  # noqa: E402
from rag.prompts import ANSWERABLE_PROMPT, ANSWERABLE_SYSTEM  # noqa: E402
from rag.rendering import RenderingAnswerer  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.types import Filters  # noqa: E402

TRANSLATE = "You translate a question into English. Keep names, numbers and dates. Reply with the translation only."
WAYS = ("original", "translation", "both")


def auc(pos: list[float], neg: list[float]) -> float:
    """The chance that an answerable question outscores an unanswerable one (ties count half)."""
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--questions", action="append", required=True, help="questions JSONL (repeatable)")
    ap.add_argument("--not-answered", nargs="*", default=[], help="ids (or ids before -fr/-id) the archive "
                    "does not answer in fact")
    args = ap.parse_args()

    pipeline = build_pipeline(Settings(index_dir=args.index_dir, llm="local"))
    answerer = pipeline.answerer
    if not isinstance(answerer, RenderingAnswerer):
        sys.exit("the default local answerer (render style) is needed: NEWSRAG_ANSWER_STYLE=render")
    model = answerer.model()
    rows: list[tuple[bool, dict[str, float]]] = []
    for path in args.questions:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            filters = Filters(as_of=q.get("asked_on"))
            query = pipeline.analyse(q["question"], filters)
            if query.language == "en" or query.is_lookup:
                continue
            found = pipeline.retriever.find(query, filters)
            hits = pipeline.retriever.gate(found.hits)
            if found.outside_window or not hits:
                continue
            chosen = answerer._chosen(query, pipeline._sentences(hits), pick=False, distinct=False)
            if not chosen or {hits[s.n - 1].language for s in chosen} == {query.language}:
                continue
            listed = "\n".join(f"- {s.text}" for s in chosen)
            reply = model.bind(max_tokens=60).invoke([SystemMessage(TRANSLATE), HumanMessage(query.searched)])
            english = (reply.text.strip().splitlines() or [""])[0]
            asked = {"original": query.searched, "translation": english,
                     "both": f"{query.searched} (in English: {english})"}
            scores = {way: yes_probability(model, [SystemMessage(ANSWERABLE_SYSTEM), HumanMessage(
                ANSWERABLE_PROMPT.format(sentences=listed, question=text))]) for way, text in asked.items()}
            base = q["id"].removesuffix("-fr").removesuffix("-id")
            answerable = bool(q.get("answers")) and q["id"] not in args.not_answered and base not in args.not_answered
            rows.append((answerable, scores))
            print(f"{q['id']:28} answerable={answerable!s:5} "
                  + " ".join(f"{w}={scores[w]:.2f}" for w in WAYS) + f" | {english}", flush=True)
    pos = sum(a for a, _ in rows)
    print(f"\n{len(rows)} questions judged across languages, {pos} answerable")
    for way in WAYS:
        yes = [s[way] for a, s in rows if a]
        no = [s[way] for a, s in rows if not a]
        passed = ", ".join(f"at {t}: {sum(p >= t for p in yes)}/{len(yes)} answerable, "
                           f"{sum(p >= t for p in no)}/{len(no)} unanswerable passed" for t in (0.5, 0.6))
        print(f"{way:12} AUC {auc(yes, no):.3f}; {passed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
