"""The answering chat model as the verifier (``NEWSRAG_VERIFIER=llm``, the default): asked YES or NO,
after six worked examples, whether one or two source sentences state a claim; the score is P(YES)
read from its next-token odds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import logging
from typing import TYPE_CHECKING

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from rag.core.prompts import VERIFY_EXAMPLES, VERIFY_PROMPT, VERIFY_SYSTEM
from rag.core.registry import register
from rag.verify.verifier import rule_out, Verdict, Verifier

if TYPE_CHECKING:
    from rag.core.settings import Settings

log = logging.getLogger(__name__)


class LLMVerifier(Verifier):
    """A chat model asked YES or NO; the score is P(YES) read from its next-token probabilities.

    ``threshold`` is the P(YES) a claim needs (calibrated on docs/eval/claims; docs/eval/claims/report-verifier.md).
    """

    name = "llm"

    def __init__(self, model: Callable[[], BaseChatModel], threshold: float = 0.8,
                 languages: frozenset[str] | None = None) -> None:
        self.model = model
        self.threshold = threshold
        self.languages = languages
        self._loaded = False

    def load(self) -> None:
        """Read the worked examples once (~8 s on 2 cores for the local model, kept from then on), so the
        first answer's checks do not wait for them."""
        from rag.models.chat import yes_probability

        if self._loaded:  # the answerer and the pipeline may share this verifier
            return
        try:
            yes_probability(self.model(), [*verify_examples(), HumanMessage(VERIFY_PROMPT.format(passage="-",
                                                                                                 claim="-"))])
            self._loaded = True
        except Exception:  # noqa: BLE001 (the first real claim reports a failing model with its reason)
            log.debug("warming the verifier failed", exc_info=True)

    def verify(self, claim: str, passages: Sequence[str]) -> Verdict:
        from rag.models.chat import yes_probability

        ruled_out = rule_out(claim, passages)
        if ruled_out is not None:
            return ruled_out
        messages = [*verify_examples(),
                    HumanMessage(VERIFY_PROMPT.format(passage=" ".join(passages), claim=claim))]
        p = yes_probability(self.model(), messages)
        if p >= self.threshold:
            return Verdict(True, p, f"stated by the source (verifier {p:.2f})")
        return Verdict(False, p, f"not found in the sources (verifier {p:.2f} < {self.threshold:.2f})")


def verify_examples() -> list[BaseMessage]:
    """The verifier's system prompt and worked examples, as the conversation before each claim."""
    messages: list[BaseMessage] = [SystemMessage(VERIFY_SYSTEM)]
    for passage, claim, answer in VERIFY_EXAMPLES:
        messages += [HumanMessage(VERIFY_PROMPT.format(passage=passage, claim=claim)), AIMessage(answer)]
    return messages


@register("verifier", "llm", "the answering model asked YES or NO after worked examples (default)")
def llm_verifier(settings: Settings, argument: str, chat_model: Callable[[], BaseChatModel]) -> Verifier:
    """The answering chat model as the verifier, at ``verify_threshold``."""
    # The bundled models read the archive's languages; a configured endpoint is trusted with any.
    readable = frozenset({"en", "fr", "id"}) if settings.llm == "local" else None
    return LLMVerifier(chat_model, settings.verify_threshold, readable)
