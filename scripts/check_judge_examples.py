"""Whether worked examples before the answerability judge's question help it (docs/faithful-answers.md,
"Calibrating the decline"; measured and not adopted).

    python scripts/check_judge_examples.py --index-dir DIR --questions FILE [--questions FILE ...]

For every question that reaches the judge (not a pasted sentence, not a period with nothing inside,
some passage past the relevance gate), the judge's P(YES) on the sentences it reads (the answerer's
``_chosen``, as ``answerable`` picks them) is read with the pipeline's prompt and with six worked
examples before it (written for this script). A question counts as answerable when those sentences
contain an accepted answer (the evaluation's ``contains_answer``). Prints each question's two scores,
then ROC AUC on all and on each half, and the counts passed at several thresholds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage  # noqa: E402

from rag.eval.metrics import contains_answer  # noqa: E402
from rag.factory import build_pipeline  # noqa: E402
from rag.llm import yes_probability  # noqa: E402
from rag.prompts import ANSWERABLE_PROMPT, ANSWERABLE_SYSTEM  # noqa: E402
from rag.rendering import RenderingAnswerer  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.types import Filters  # noqa: E402

EXAMPLES = (
    ("- Firefighters in Valencia put out a blaze at a chemical plant on Friday.\n- The fire started in a "
     "storage hall, officials said.", "Where did a fire break out at a chemical plant on Friday?", "YES"),
    ("- Last year's city marathon was won by Kenyan runner Peter Otieno in 2 hours 6 minutes.\n- This year's "
     "race is scheduled for Sunday.", "Who won this year's city marathon?", "NO"),
    ("- The central bank raised its main interest rate to 4.5% on Thursday.\n- Analysts had expected the "
     "increase.", "À combien la banque centrale a-t-elle relevé son taux jeudi ?", "YES"),
    ("- The company announced a recall of its electric scooters.\n- Customers can return them to any store "
     "for a refund.", "How many scooters did the company recall?", "NO"),
    ("- Prime Minister Lena Holm resigned on Monday after losing a confidence vote in parliament.",
     "Mengapa perdana menteri Lena Holm mengundurkan diri?", "YES"),
    ("- The national museum reopened on Saturday after a two-year renovation.\n- Critics praised its new "
     "glass wing.", "Who designed the national museum's new wing?", "NO"),
)


def opening(examples: bool) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage(ANSWERABLE_SYSTEM)]
    for sentences, question, answer in EXAMPLES if examples else ():
        messages += [HumanMessage(ANSWERABLE_PROMPT.format(sentences=sentences, question=question)),
                     AIMessage(answer)]
    return messages


def auc(rows: list[tuple[bool, float]]) -> float:
    pos = [s for ok, s in rows if ok]
    neg = [s for ok, s in rows if not ok]
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--questions", action="append", required=True, help="questions JSONL (repeatable)")
    args = ap.parse_args()

    pipeline = build_pipeline(Settings(index_dir=args.index_dir, llm="local"))
    answerer = pipeline.answerer
    if not isinstance(answerer, RenderingAnswerer):
        sys.exit("the default local answerer (render style) is needed: NEWSRAG_ANSWER_STYLE=render")
    model = answerer.model()
    asked: list[tuple[str, bool, str]] = []
    for path in args.questions:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            filters = Filters(as_of=q.get("asked_on"))
            query = pipeline.analyse(q["question"], filters)
            found = pipeline.retriever.find(query, filters)
            hits = pipeline.retriever.gate(found.hits)
            if query.is_lookup or found.outside_window or not hits:
                continue
            chosen = answerer._chosen(query, pipeline._sentences(hits), pick=False, distinct=False)
            if not chosen:
                continue
            answering = bool(q.get("answers")) and contains_answer(" ".join(s.text for s in chosen), q["answers"])
            user = ANSWERABLE_PROMPT.format(sentences="\n".join(f"- {s.text}" for s in chosen), question=query.searched)
            asked.append((q["id"], answering, user))
    # One way at a time, so the examples' state is read once and kept (rag.llama_prefix).
    scores = {way: [yes_probability(model, [*opening(way == "examples"), HumanMessage(user)]) for _, _, user in asked]
              for way in ("plain", "examples")}
    for i, (qid, answering, _) in enumerate(asked):
        print(f"{qid:30} answering={answering!s:5} plain={scores['plain'][i]:.2f} examples={scores['examples'][i]:.2f}")
    print(f"\n{len(asked)} questions judged, {sum(a for _, a, _ in asked)} whose sentences hold an answer")
    for way, values in scores.items():
        rows = [(a, s) for (_, a, _), s in zip(asked, values)]
        print(f"{way:9} AUC all {auc(rows):.3f}, even half {auc(rows[0::2]):.3f}, odd half {auc(rows[1::2]):.3f}")
        for t in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9):
            yes = sum(s >= t for a, s in rows if a)
            no = sum(s >= t for a, s in rows if not a)
            print(f"   at {t}: {yes} answering and {no} other sentence sets passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
