"""The claim verifier's prompt against two other wordings and a calibration, on labelled claims
(docs/eval/claims).

    python scripts/check_verifier_prompts.py --claims docs/eval/claims/dev-claims.jsonl \\
        --articles ../shared/data/dev/articles.jsonl [--limit N]

Reads each pair's P(YES) from the local model under the pipeline's prompt (``VERIFY_PROMPT`` after the
worked examples ``VERIFY_EXAMPLES``), the same prompt without the examples ("bare", the default until
2026-12-01), the same question with the claim before the passage, "does the claim get anything wrong", and the
pipeline's prompt with the passage replaced by "N/A" (contextual calibration: how much of P(YES) the
claim earns without any evidence, subtracted in "default - no passage"); the number and calendar rules
apply to all, as in ``LLMVerifier``. Prints false claims caught / true claims kept for each prompt and
for the combinations, at every threshold, on all pairs and on each half (even / odd). Five prompt
reads a pair (~25 min for 223 pairs on 2 cores).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from rag.core.prompts import VERIFY_PROMPT, VERIFY_SYSTEM  # noqa: E402
from rag.core.settings import Settings  # noqa: E402
from rag.eval.claims import load_claims, THRESHOLDS  # noqa: E402
from rag.models.chat import make_chat_model, yes_probability  # noqa: E402
from rag.verify.llm_verifier import verify_examples  # noqa: E402
from rag.verify.verifier import missing_calendar, missing_numbers  # noqa: E402

CLAIM_FIRST = """Claim: {claim}

Passage: {passage}

Does the passage state the claim, with the same people in the same roles, numbers, dates and reasons?
Answer YES or NO."""
WRONG_SYSTEM = "You compare a claim with a passage. Answer only YES or NO."
WRONG = """Passage: {passage}

Claim: {claim}

Does the claim get anything wrong compared with the passage: who did what to whom, a number, a date, a place, \
a name, or a reason the passage does not give?
Answer YES or NO."""
NO_PASSAGE = VERIFY_PROMPT.replace("{passage}", "N/A")
# "default" is read after the worked examples (verify_examples), as the pipeline reads it.
PROMPTS = {"default": (VERIFY_SYSTEM, VERIFY_PROMPT), "bare": (VERIFY_SYSTEM, VERIFY_PROMPT),
           "claim first": (VERIFY_SYSTEM, CLAIM_FIRST),
           "anything wrong": (WRONG_SYSTEM, WRONG), "no passage": (VERIFY_SYSTEM, NO_PASSAGE)}

Row = tuple[bool, dict[str, float]]


def caught_kept(rows: list[Row], score: Callable[[dict[str, float]], float], t: float) -> str:
    false = [p for supported, p in rows if not supported]
    true = [p for supported, p in rows if supported]
    caught = sum(score(p) < t for p in false) / max(1, len(false))
    kept = sum(score(p) >= t for p in true) / max(1, len(true))
    return f"{caught:.3f} / {kept:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=Path, required=True)
    ap.add_argument("--articles", type=Path, help="the archive the claims' spans point into")
    ap.add_argument("--limit", type=int, help="only the first N pairs")
    args = ap.parse_args()

    claims = load_claims(args.claims, args.articles)[:args.limit]
    model = make_chat_model(Settings(llm="local"))
    rows: list[Row] = []
    for c in claims:
        ruled_out = bool(missing_numbers(c.claim, [c.passage]) + missing_calendar(c.claim, [c.passage]))
        # A claim the rules rule out scores as rejected by every prompt (and, calibrated, below any threshold).
        rows.append((c.supported, {name: float(name == "no passage") if ruled_out else yes_probability(model, [
            *(verify_examples() if name == "default" else [SystemMessage(system)]),
            HumanMessage(prompt.format(passage=c.passage, claim=c.claim))])
            for name, (system, prompt) in PROMPTS.items()}))
    scores: dict[str, Callable[[dict[str, float]], float]] = {
        **{name: (lambda p, n=name: p[n]) for name in PROMPTS},
        "default + claim first": lambda p: (p["default"] + p["claim first"]) / 2,
        "default + anything wrong": lambda p: (p["default"] + p["anything wrong"]) / 2,
        # Shifted by 0.5 so that the thresholds of THRESHOLDS still span its range (-1 to 1).
        "default - no passage": lambda p: p["default"] - p["no passage"] + 0.5}
    print(f"{len(rows)} pairs; cells: false claims caught / true claims kept (all | even half | odd half)")
    for name, score in scores.items():
        print(f"\n{name}")
        for t in THRESHOLDS:
            print(f"  P(YES) >= {t:.2f}: " + " | ".join(caught_kept(part, score, t)
                                                      for part in (rows, rows[0::2], rows[1::2])))


if __name__ == "__main__":
    main()
