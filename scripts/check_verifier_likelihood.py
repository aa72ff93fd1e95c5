"""Likelihood scores of a claim against the verifier's P(YES), on labelled claims (docs/eval/claims).

    python scripts/check_verifier_likelihood.py --claims docs/eval/claims/dev-claims.jsonl \\
        --articles ../shared/data/dev/articles.jsonl [--limit N]

A small model that judges badly may still score well: the log-probability it gives a claim written
from its passage ("State one fact from this passage in one English sentence." → the claim), and the
same with the passage taken out (pointwise mutual information: how much the passage explains each
token), are the generative scorers of translation-quality estimation. Per pair this prints nothing;
at the end, the ROC AUC (how often a true claim outscores a false one) of each score on all pairs and
on each half (even / odd), beside the pipeline's P(YES) (``LLMVerifier``'s prompt and its number and
calendar rules), and of the rank average of P(YES) and the lowest token log-probability. Two prompt
reads for the likelihoods and one for P(YES) per pair (~17 min for 223 pairs on 2 cores).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
import sys
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.core.settings import Settings  # noqa: E402
from rag.eval.claims import load_claims  # noqa: E402
from rag.eval.metrics import roc_auc  # noqa: E402
from rag.languages import language_name  # noqa: E402
from rag.models.chat import make_chat_model  # noqa: E402
from rag.models.llama import ensure_local_model  # noqa: E402
from rag.verify.llm_verifier import LLMVerifier  # noqa: E402

SYSTEM = "You restate news faithfully."
WITH_PASSAGE = "Passage: {passage}\n\nState one fact from this passage in one {language} sentence."
WITHOUT = "State one fact from the news in one {language} sentence."


def token_logprobs(llama: Any, formatter: Any, prompt: str, text: str) -> list[float]:
    """log P(each token of ``text``) after the chat prompt ``prompt`` (read in one pass)."""
    import numpy as np

    head = formatter(messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]).prompt
    start = llama.tokenize(head.encode(), add_bos=False, special=True)
    tail = llama.tokenize(text.encode(), add_bos=False, special=False)
    llama.reset()
    llama.eval(start + tail)
    logits = np.asarray(llama.scores[len(start) - 1:len(start) + len(tail) - 1], dtype=np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    logz = np.log(np.exp(logits).sum(axis=1))
    return [float(logits[i, t] - logz[i]) for i, t in enumerate(tail)]


def ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    for r, i in enumerate(order):
        out[i] = r / max(1, len(values) - 1)
    return out


def part(values: list[Any], k: int) -> list[Any]:
    """All of ``values`` (k < 0), or every other one from k."""
    return values if k < 0 else values[k::2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=Path, required=True)
    ap.add_argument("--articles", type=Path, help="the archive the claims' spans point into")
    ap.add_argument("--limit", type=int, help="only the first N pairs")
    args = ap.parse_args()

    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    claims = load_claims(args.claims, args.articles)[:args.limit]
    settings = Settings(llm="local")
    judge = make_chat_model(settings)
    verifier = LLMVerifier(lambda: judge)  # the pipeline's own: its prompt, number and calendar rules
    # A second context that keeps every position's logits (the pipeline's keeps only the last).
    llama = Llama(model_path=str(ensure_local_model(settings)), n_ctx=1024, logits_all=True, verbose=False)
    formatter = Jinja2ChatFormatter(template=llama.metadata["tokenizer.chat_template"], eos_token="<|im_end|>",
                                    bos_token="")
    features: dict[str, list[float]] = {"P(YES)": [], "mean log-prob": [], "lowest log-prob": [],
                                        "mean PMI": [], "lowest PMI": []}
    labels = []
    for c in claims:
        features["P(YES)"].append(verifier.verify(c.claim, [c.passage]).score)
        language = language_name(c.language or "en") or "English"
        given = token_logprobs(llama, formatter, WITH_PASSAGE.format(passage=c.passage, language=language), c.claim)
        alone = token_logprobs(llama, formatter, WITHOUT.format(language=language), c.claim)
        pmi = [g - a for g, a in zip(given, alone)]
        features["mean log-prob"].append(sum(given) / len(given))
        features["lowest log-prob"].append(min(given))
        features["mean PMI"].append(sum(pmi) / len(pmi))
        features["lowest PMI"].append(min(pmi))
        labels.append(c.supported)
    yes, low = ranks(features["P(YES)"]), ranks(features["lowest log-prob"])
    features["P(YES) and lowest log-prob, rank average"] = [(a + b) / 2 for a, b in zip(yes, low)]
    print(f"{len(labels)} pairs; ROC AUC (all | even half | odd half)")
    for name, values in features.items():
        cells = " | ".join(f"{roc_auc(part(values, k), part(labels, k)):.3f}" for k in (-1, 0, 1))
        print(f"  {name:42} {cells}")


if __name__ == "__main__":
    main()
