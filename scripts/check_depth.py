"""answer@k of the project's ranking at every depth k from 1 to 10: how many passages the answerer
needs to read (``NEWSRAG_TOP_K``).

    python scripts/check_depth.py --index-dir DIR --questions ../shared/data/dev/questions.jsonl \\
        --questions docs/eval/questions-fr-id/questions.jsonl

Each questions file is scored separately, over its questions with answer strings, exactly as
``scripts/evaluate.py`` scores answer@k (the pipeline's ``ranking`` and ``reads``, then
``rag.eval.metrics.answer_in_passages``), with the question's ``asked_on`` as the as-of day.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.core.settings import Settings  # noqa: E402
from rag.core.types import Filters  # noqa: E402
from rag.eval import metrics as em  # noqa: E402
from rag.eval.run import load_questions  # noqa: E402
from rag.factory import build_pipeline  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, required=True, help="an index built by scripts/evaluate.py")
    ap.add_argument("--questions", type=Path, action="append", required=True, help="questions JSONL (repeatable)")
    args = ap.parse_args()

    p = build_pipeline(Settings(index_dir=args.index_dir, llm="extractive"))  # retrieval only: no model load
    depths = range(1, em.DEPTH + 1)
    for path in args.questions:
        questions = [q for q in load_questions(path) if q.answers]
        found = dict.fromkeys(depths, 0.0)
        for q in questions:
            passages = [p.reads(h) for h in p.ranking(q.question, Filters(as_of=q.asked_on), em.DEPTH)]
            for k in depths:
                found[k] += em.answer_in_passages(passages, q.answers, k) or 0.0
        print(f"{path} ({len(questions)} questions): "
              + " ".join(f"@{k} {found[k] / len(questions):.3f}" for k in depths))


if __name__ == "__main__":
    main()
