"""Look up every shown sentence of an evaluation report in the passage it cites, and print both.

A reader's check of answers, not a metric: a sentence shown as a quote must stand word for word
(spacing and case aside) in a passage it cites; other shown sentences (a verified lead, free
synthesis) are printed with their state and the passage's sentence to read them against is the
reader's to find. What no lookup tells, whether the quote answers the question, is for the person
reading the printout.

    python scripts/audit_quotes.py eval/dev/report.json --index-dir indexes/dev [--id QUESTION_ID ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import re
import sys

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.core.settings import Settings  # noqa: E402
from rag.index.store import ChunkStore  # noqa: E402
from rag.models.embedding import embedder_for  # noqa: E402


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower().rstrip(".")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", type=Path, help="report.json written by scripts/evaluate.py")
    parser.add_argument("--index-dir", type=Path, required=True, help="the project index the report was run on")
    parser.add_argument("--id", action="append", default=[], help="only this question (repeatable)")
    args = parser.parse_args()
    settings = Settings(index_dir=args.index_dir, llm="extractive")
    embedder = embedder_for(settings)
    store = ChunkStore(settings, embedder.name, embedder.dim)
    shown = missing = 0
    for question in json.loads(args.report.read_text(encoding="utf-8"))["questions"]:
        record = question["results"].get("project") or {}
        if (args.id and question["id"] not in args.id) or record.get("abstained") or not record.get("sentences"):
            continue
        context = record["context"]
        # A quoted headline stands in its article's title, which every passage of it carries.
        passages = {h.chunk_id: f"{h.title}\n{h.text}" for h in store.hits_for(context, np.zeros(embedder.dim))}
        print(f"== {question['id']}: {question['question']}")
        for sentence in record["sentences"]:
            if not sentence.get("shown", True):
                continue
            cited = [context[n - 1] for n in sentence.get("citations") or [] if 0 < n <= len(context)]
            if sentence.get("state") != "quoted":
                print(f"  [{sentence.get('state')}] {sentence.get('citations')} {sentence['text']}")
                continue
            found = any(_squash(sentence["text"]) in _squash(passages.get(c, "")) for c in cited)
            shown += 1
            missing += not found
            print(f"  [{'verbatim' if found else 'NOT IN ITS PASSAGE'}] {sentence.get('citations')} {sentence['text']}")
    print(f"{shown} quoted sentences shown, {missing} not found word for word in a passage they cite")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
