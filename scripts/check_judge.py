"""Variants of the answerability judge, measured against the pipeline's own on the same sentences
(docs/faithful-answers.md, "Calibrating the decline"; both measured and not adopted).

    python scripts/check_judge.py translation --index-dir DIR --questions FILE [--questions FILE ...] \\
        [--not-answered ID ...]
    python scripts/check_judge.py examples --index-dir DIR --questions FILE [--questions FILE ...]

Every question that reaches the judge (not a pasted sentence, not a period with nothing inside, some
passage past the relevance gate) is judged on the sentences the pipeline's judge reads (the
answerer's ``_chosen``, as ``answerable`` picks them):

- ``translation``: only questions whose sentences are in another language than the question. The
  local model translates the question into English; P(YES) is read on the original (the pipeline's),
  on the translation, and on the original followed by "(in English: …)". A question counts as
  answerable when it has answers and is not listed in ``--not-answered`` (answer strings that sit
  only in unrelated articles; an id before -fr/-id covers both languages).
- ``examples``: P(YES) with the pipeline's prompt, and with six worked examples (written for this
  script) as earlier turns. A question counts as answerable when the judged sentences contain an
  accepted answer (the evaluation's ``contains_answer``).

Prints each question's scores, then ROC AUC on all and on each half, and the counts passed at several
thresholds. One to three model reads a question (~5–15 s on 2 cores).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
import json
from pathlib import Path
import sys
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage  # noqa: E402

from rag.answer.quoting import QuotingAnswerer  # noqa: E402
from rag.core.prompts import ANSWERABLE_PROMPT, ANSWERABLE_SYSTEM  # noqa: E402
from rag.core.settings import Settings  # noqa: E402
from rag.core.types import Filters, Hit, Query  # noqa: E402
from rag.eval.metrics import contains_answer, roc_auc  # noqa: E402
from rag.factory import build_pipeline  # noqa: E402
from rag.models.chat import yes_probability  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402
from rag.retrieve.sentences import Sentence  # noqa: E402

TRANSLATE = "You translate a question into English. Keep names, numbers and dates. Reply with the translation only."
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


def judged(pipeline: Pipeline, answerer: QuotingAnswerer, paths: list[str]
           ) -> Iterator[tuple[dict[str, Any], Query, list[Sentence], list[Hit]]]:
    """Each question that reaches the judge, with the sentences it reads and their passages."""
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            filters = Filters(as_of=q.get("asked_on"))
            query = pipeline.analyse(q["question"], filters)
            found = pipeline.retriever.find(query, filters)
            hits = pipeline.retriever.gate(found.hits)
            if query.is_lookup or found.outside_window or not hits:
                continue
            chosen = answerer._chosen(query, pipeline._sentences(hits), pick=False, distinct=False)
            if chosen:
                yield q, query, chosen, hits


def ask(sentences: list[Sentence], question: str, examples: bool = False) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage(ANSWERABLE_SYSTEM)]
    for listed, asked, answer in EXAMPLES if examples else ():
        messages += [HumanMessage(ANSWERABLE_PROMPT.format(sentences=listed, question=asked)), AIMessage(answer)]
    listed = "\n".join(f"- {s.text}" for s in sentences)
    return [*messages, HumanMessage(ANSWERABLE_PROMPT.format(sentences=listed, question=question))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variant", choices=["translation", "examples"])
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--questions", action="append", required=True, help="questions JSONL (repeatable)")
    ap.add_argument("--not-answered", nargs="*", default=[], help="translation: ids the archive does not "
                    "answer in fact")
    args = ap.parse_args()

    pipeline = build_pipeline(Settings(index_dir=args.index_dir, llm="local"))
    answerer = pipeline.answerer
    if not isinstance(answerer, QuotingAnswerer):
        sys.exit("the default local answerer (render style) is needed: NEWSRAG_ANSWER_STYLE=render")
    model = answerer.model()
    labels: list[bool] = []
    ids: list[str] = []
    prompts: dict[str, list[list[BaseMessage]]] = {}
    for q, query, chosen, hits in judged(pipeline, answerer, args.questions):
        if args.variant == "translation":
            if query.language == "en" or {hits[s.n - 1].language for s in chosen} == {query.language}:
                continue
            reply = model.bind(max_tokens=60).invoke([SystemMessage(TRANSLATE), HumanMessage(query.searched)])
            english = (reply.text.strip().splitlines() or [""])[0]
            base = q["id"].removesuffix("-fr").removesuffix("-id")
            labels.append(bool(q.get("answers")) and not {q["id"], base} & set(args.not_answered))
            ways = {"original": ask(chosen, query.searched), "translation": ask(chosen, english),
                    "both": ask(chosen, f"{query.searched} (in English: {english})")}
        else:
            labels.append(bool(q.get("answers")) and contains_answer(" ".join(s.text for s in chosen), q["answers"]))
            ways = {"plain": ask(chosen, query.searched), "examples": ask(chosen, query.searched, examples=True)}
        ids.append(q["id"])
        for way, messages in ways.items():
            prompts.setdefault(way, []).append(messages)
    # One way at a time, so a shared opening (the examples) is read once and kept (rag.models.llama_prefix).
    scores = {way: [yes_probability(model, m) for m in asked] for way, asked in prompts.items()}
    for i, qid in enumerate(ids):
        print(f"{qid:30} answerable={labels[i]!s:5} " + " ".join(f"{w}={s[i]:.2f}" for w, s in scores.items()))
    print(f"\n{len(ids)} questions judged, {sum(labels)} answerable")
    for way, values in scores.items():
        print(f"{way:12} AUC all {roc_auc(values, labels):.3f}, even half {roc_auc(values[0::2], labels[0::2]):.3f}, "
              f"odd half {roc_auc(values[1::2], labels[1::2]):.3f}")
        for t in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9):
            yes = sum(s >= t for s, a in zip(values, labels) if a)
            no = sum(s >= t for s, a in zip(values, labels) if not a)
            print(f"   at {t}: {yes} of {sum(labels)} answerable and {no} of {len(labels) - sum(labels)} others passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
