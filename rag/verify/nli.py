"""An NLI cross-encoder as the claim verifier (``NEWSRAG_VERIFIER=nli:<model>``).

A natural-language-inference model reads a premise (the one or two source sentences) and a hypothesis
(the claim) and gives the probability that the premise entails it; that probability is the verdict's
score. It is the kind of judge the verification stage was built for: one forward pass per claim, no
prompt, and trained on exactly this question. None is available offline here (no package ships NLI
weights), so the bundled LLM stays the default; with internet, any sentence-transformers
``CrossEncoder`` NLI model serves, e.g. a multilingual one
(``MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7``) for an archive in several
languages. Score it on the labelled pairs before relying on it: ``NEWSRAG_VERIFIER=nli:MODEL
scripts/evaluate.py --claims docs/eval/claims/dev-claims.jsonl --articles … --llm extractive``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import threading
from typing import Any, TYPE_CHECKING

from rag.core.errors import NewsragError
from rag.core.registry import register
from rag.models.embedding import quiet_loading, resolve_device
from rag.verify.verifier import rule_out, Verdict, Verifier

if TYPE_CHECKING:
    from rag.core.settings import Settings

#: A multilingual NLI model to suggest when a model cannot be used.
EXAMPLE = "MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7"


class NLIVerifier(Verifier):
    """A sentence-transformers NLI ``CrossEncoder`` (hub name or local directory), loaded on first use.

    ``threshold`` is the probability of entailment a claim needs. The model's labels must name
    entailment ("entailment", "ENTAILMENT", "entailed"); its other labels (contradiction, neutral,
    not_entailment) all count against the claim.
    """

    name = "nli"

    def __init__(self, model: str, threshold: float = 0.5, device: str = "cpu") -> None:
        self.model_name, self.threshold, self.device = model, threshold, device
        self.name = f"nli:{model}"
        self._model: Any = None
        self._entails = 0
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model now (the first claim would otherwise wait for it). Raises ``NewsragError``
        naming the model when it cannot be loaded or does not name entailment among its labels."""
        with self._lock:
            if self._model is not None:
                return
            from sentence_transformers import CrossEncoder

            try:
                with quiet_loading():
                    model = CrossEncoder(self.model_name, device=self.device)
            except Exception as exc:  # OSError, ValueError, HTTP errors...
                raise NewsragError(f"Could not load the NLI model {self.model_name!r}: {exc}",
                                   hint="give a local model directory, or a hub name on a machine with internet "
                                        f"(e.g. NEWSRAG_VERIFIER=nli:{EXAMPLE}); NEWSRAG_VERIFIER=llm uses the "
                                        "answering model") from exc
            labels = {int(i): str(label) for i, label in (model.config.id2label or {}).items()}
            entails = [i for i, label in labels.items()
                       if "entail" in label.lower() and not label.lower().startswith(("not", "non"))]
            if len(entails) != 1:
                raise NewsragError(f"The model {self.model_name!r} does not name one entailment label "
                                   f"(its labels: {sorted(labels.values())})",
                                   hint=f"use an NLI model whose labels name entailment, e.g. {EXAMPLE}")
            self._entails, self._model = entails[0], model

    def verify(self, claim: str, passages: Sequence[str]) -> Verdict:
        ruled_out = rule_out(claim, passages)
        if ruled_out is not None:
            return ruled_out
        self.load()
        with self._lock:  # one forward pass at a time: the UI may check sentences from several threads
            probs = self._model.predict([(" ".join(passages), claim)], apply_softmax=True,
                                        show_progress_bar=False)
        p = float(probs[0][self._entails])
        if p >= self.threshold:
            return Verdict(True, p, f"stated by the source (entailment {p:.2f})")
        return Verdict(False, p, f"not found in the sources (entailment {p:.2f} < {self.threshold:.2f})")


@register("verifier", "nli", "a sentence-transformers NLI cross-encoder's probability of entailment",
          argument="model hub name or directory")
def nli_verifier(settings: Settings, argument: str, chat_model: Callable[[], Any] | None = None) -> Verifier:
    """An NLI cross-encoder at ``nli_threshold``, on the embedder's device."""
    return NLIVerifier(argument, settings.nli_threshold, resolve_device(settings.embed_device))
