"""What a decline rule is: one object, one method, reading one ``Case``.

A ``Case`` holds what the rules read: the analysed question, the passages the retriever kept, the
period it searched, and what is worked out from them on demand, once: the passages' sentences, the
passages the answer would quote, the answerer's judgement of whether they answer. A rule that needs
none of the costly parts never pays for them (the judgement reads a prompt with the local model).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
import time
from typing import ClassVar

from rag.answer.base import Answerer
from rag.core.types import Hit, Query, Window
from rag.retrieve.sentences import PassageSentences
from rag.verify.verifier import Verdict


@dataclass(frozen=True)
class Decline:
    """A rule's decision not to answer: the rule's name and the reply shown instead, in the question's
    language."""

    rule: str
    text: str
    #: Whether the decline came after the answering stage started (see ``DeclineRule.reads_answering``).
    after_answering: bool = False


@dataclass(frozen=True)
class Case:
    """A question and the passages found for it, as the decline rules read them.

    ``note`` is the period rule's introduction of older coverage ("" for none); ``judged`` a
    judgement already made (by the period rule); ``sentences_of`` splits and embeds passages'
    sentences (the pipeline's, configured once).
    """

    query: Query
    hits: tuple[Hit, ...]
    answerer: Answerer
    sentences_of: Callable[[Sequence[Hit]], PassageSentences]
    window: Window | None = None
    outside_window: bool = False
    note: str = ""
    judged: Verdict | None = None
    given_sentences: PassageSentences | None = None

    @cached_property
    def sentences(self) -> PassageSentences:
        """The passages' sentences, embedded once for the rules, the answerer and the checks."""
        return self.given_sentences or self.sentences_of(self.hits)

    @cached_property
    def quoting(self) -> list[Hit]:
        """The passages the answer would quote (the answerer's choice), before anything is written."""
        return self.answerer.quoting(self.query, self.hits, self.sentences)

    @cached_property
    def _judgement(self) -> tuple[Verdict | None, float]:
        verdict = self.judged or self.answerer.answerable(self.query, self.hits, self.sentences)
        return verdict, time.perf_counter()

    @property
    def judgement(self) -> Verdict | None:
        """Whether the passages answer, as the answerer judges (None: it does not judge)."""
        return self._judgement[0]

    def judged_so_far(self) -> tuple[Verdict | None, float | None]:
        """The judgement if one was made (here or by the period rule) and when, without making one."""
        if "_judgement" in self.__dict__:
            return self._judgement
        return self.judged, None


class DeclineRule(ABC):
    """One way of declining. ``rag.factory.build_rules`` builds the rules in their documented order;
    the first that declines decides."""

    #: Short name, recorded with the decline.
    name: ClassVar[str]
    #: The setting that switches this rule or sets its threshold (None: always on).
    setting: ClassVar[str | None] = None
    #: Whether the rule reads the answering stage's work (the passages' sentences, what the answer would
    #: quote, the judge's verdict): its decline then counts as made while answering (timed as
    #: generation); one that reads only what retrieval found declines before any generation.
    reads_answering: ClassVar[bool] = False

    @abstractmethod
    def reply(self, case: Case) -> str | None:
        """The reply that declines ``case``, in the question's language; None to let the next rule speak."""

    def decline(self, case: Case) -> Decline | None:
        """This rule's ``Decline`` of ``case``, or None."""
        text = self.reply(case)
        return Decline(self.name, text, self.reads_answering) if text is not None else None


def first_decline(rules: Sequence[DeclineRule], case: Case) -> Decline | None:
    """The decline of the first rule, in order, that declines ``case``; None when every rule lets it be
    answered."""
    for rule in rules:
        decline = rule.decline(case)
        if decline is not None:
            return decline
    return None
