"""Claim verification: does a passage state what an answer sentence claims?

The interface is deliberately small (a claim and the passage text(s) it cites → a verdict with a
score), so an NLI model, a larger LLM behind an endpoint or the local model can serve. The pipeline
consults its verifier, when one is configured, before the citation repair attaches a marker the
model did not write: a sentence only gains a citation the verifier accepts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """A verifier's judgement of one claim: ``supported`` is the decision, ``score`` its confidence
    (0-1), ``reason`` a short human-readable why (shown to readers when a claim is rejected)."""

    supported: bool
    score: float
    reason: str = ""


class Verifier(ABC):
    """Judges claims against the passages they cite."""

    #: Short name, recorded in reports.
    name: str = "verifier"

    @abstractmethod
    def verify(self, claim: str, passages: Sequence[str]) -> Verdict:
        """Whether ``passages`` (one or two short texts, best first) state ``claim``."""
