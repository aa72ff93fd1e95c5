"""What keeping the verifier's worked examples read saves (rag/llama_prefix.py), paired in one process.

    python scripts/bench_verifier_prefix.py [--rounds 3]

Each round checks one claim three ways with the bundled local model: with the examples' state put
back after another prompt (a translation) overwrote the context, as in an answer; and read from
scratch (the state dropped, the context reset), as every claim would be without the cache. Prints
the seconds and P(YES) of each, and the median ratio.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import statistics
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from rag.core.prompts import VERIFY_PROMPT  # noqa: E402
from rag.core.settings import Settings  # noqa: E402
from rag.models.chat import make_chat_model, yes_probability  # noqa: E402
from rag.models.llama import ChatLlamaCpp  # noqa: E402
from rag.verify.llm_verifier import verify_examples  # noqa: E402

CLAIMS = (  # written for this script
    ("Israel struck the Iranian embassy compound in Damascus, killing seven officers.", "Iran struck the embassy."),
    ("The council voted 7-2 on Monday to approve the new stadium.", "The council approved the new stadium."),
    ("Le gouvernement a démissionné jeudi après un vote de défiance.", "The government resigned on Thursday."),
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    model = make_chat_model(Settings(llm="local"))
    if not isinstance(model, ChatLlamaCpp):
        sys.exit("needs the bundled local model (NEWSRAG_LLM=local)")
    ratios = []
    for i in range(args.rounds):
        passage, claim = CLAIMS[i % len(CLAIMS)]
        asked = [*verify_examples(), HumanMessage(VERIFY_PROMPT.format(passage=passage, claim=claim))]
        yes_probability(model, asked)  # the examples read and kept
        model.bind(max_tokens=16).invoke([SystemMessage("Translate into French."), HumanMessage(claim)])
        t = time.perf_counter()
        kept = yes_probability(model, asked)
        restored = time.perf_counter() - t
        model._prefixes.clear()
        model._load_locked().reset()
        t = time.perf_counter()
        fresh = yes_probability(model, asked)
        cold = time.perf_counter() - t
        ratios.append(restored / cold)
        print(f"claim {i + 1}: restored {restored:.2f} s (P(YES) {kept:.3f}), from scratch {cold:.2f} s "
              f"(P(YES) {fresh:.3f}), ratio {restored / cold:.2f}")
    print(f"median ratio restored / from scratch: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
