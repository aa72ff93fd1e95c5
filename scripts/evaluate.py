#!/usr/bin/env python
"""Evaluate the project (and the naive LangChain peer) on a questions file:

    python scripts/evaluate.py --articles A.jsonl --questions Q.jsonl --index-dir DIR --out OUTDIR \
        [--llm local|openai|extractive] [--retrieval-only] [--pipeline project|naive|both] [--limit N] \
        [--min [PIPELINE:]METRIC=VALUE ...] [--max ...] [--compare OLD/report.json]

Writes OUTDIR/report.json, report.md and PNG plots. Exit status 0: done and every --min/--max holds;
1: a floor or ceiling failed; 2: usage or configuration error.
"""

import sys

from rag.eval.run import main

if __name__ == "__main__":
    sys.exit(main())
