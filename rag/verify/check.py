"""The check stage for written prose: every sentence of an answer is either a source's own words
(quoted) or judged by the verifier against the source sentences closest to it; a rejected sentence is
dropped or marked, and a citation the model forgot is added only where the verifier accepts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
import re
from typing import Literal

from rag.core.types import AnswerSentence, Hit
from rag.retrieve.sentences import PassageSentences
from rag.verify.citations import (
    answer_text,
    cite,
    markers,
    normalise_markers,
    resolve,
    split_answer_sentences,
)
from rag.verify.verifier import safe_verify, sentence_state, Verifier


def check_sentence(text: str, cited: Sequence[int], sentences: PassageSentences, verifier: Verifier | None,
                   language: str | None = None) -> AnswerSentence:
    """One answer sentence checked: quoted when a passage holds it verbatim, else judged by the
    verifier against the two passage sentences closest to it (among the cited passages, when it cites)."""
    claim = normalise_markers(text, 0).strip()
    if not re.search(r"\w", claim):
        return AnswerSentence(claim, tuple(cited))
    source = sentences.passage_of(claim)
    if source is not None:
        return AnswerSentence(claim, tuple(cited) or (source,), "quoted", 1.0, "the source's own words")
    if verifier is None:
        return AnswerSentence(claim, tuple(cited), "unchecked", None, "no verifier configured")
    evidence = sentences.closest(claim, 2, among=cited)
    verdict = safe_verify(verifier, claim, [e.text for e in evidence], language)
    state = sentence_state(verdict)
    # The citation a model forgot is added only where the verifier found the claim stated.
    numbers = tuple(cited) or ((evidence[0].n,) if state == "verified" else ())
    return AnswerSentence(claim, numbers, state, verdict.score, verdict.reason,
                          " ".join(e.text for e in evidence))


def check_answer(text: str, sentences: PassageSentences, verifier: Verifier | None, language: str | None = None,
                 on_reject: Literal["drop", "mark"] = "drop") -> tuple[str, tuple[AnswerSentence, ...]]:
    """Check every sentence of an answer (markers already normalised) and return the text to show
    with the record of each sentence. Rejected sentences are left out (``on_reject="drop"``) or kept
    for the reader to see marked (``"mark"``); unverified ones are kept and marked."""
    records: list[AnswerSentence] = []
    for piece in split_answer_sentences(text):
        record = check_sentence(piece, markers(piece), sentences, verifier, language)
        if not record.text or not re.search(r"\w", record.text):
            continue
        if record.state == "rejected" and on_reject == "drop":
            record = replace(record, shown=False)
        records.append(record)
    shown = " ".join(cite(r.text, r.citations) for r in records if r.shown)
    return shown, tuple(records)


class AnswerChecker:
    """The check stage: what an answerer wrote, as the reader is shown it, each sentence with its state.

    Sentences an answerer checked itself (quoted, glossed) are kept as they are; written prose is
    checked by ``verifier`` (rejected sentences dropped or marked, per ``on_reject``), or, without one,
    only classified, and a missing citation added by word ``overlap`` or ``similarity``, which
    measure topic, not truth."""

    def __init__(self, verifier: Verifier | None, overlap: float, similarity: float,
                 on_reject: Literal["drop", "mark"] = "drop") -> None:
        self.verifier, self.overlap, self.similarity, self.on_reject = verifier, overlap, similarity, on_reject

    def check(self, raw: str, checked: Sequence[AnswerSentence], free: bool, hits: Sequence[Hit],
              sentences: PassageSentences, language: str | None) -> tuple[str, tuple[AnswerSentence, ...]]:
        """The text to show and the record of every sentence (those not shown included)."""
        if checked and not free:
            # Every sentence was checked by the answerer itself (render, extractive): keep its records
            # rather than re-split the text, which may cut a quoted sentence at an inner full stop.
            return answer_text(checked), tuple(checked)
        if self.verifier is None:
            def support(claim: str) -> tuple[int, float] | None:
                best = sentences.support(claim)
                return (best.n, best.score) if best else None

            text, _ = resolve(raw, hits, support=support, overlap=self.overlap, similarity=self.similarity)
            records = check_answer(text, sentences, None, language)[1]
        else:
            records = check_answer(normalise_markers(raw, len(hits)), sentences, self.verifier, language,
                                   self.on_reject)[1]
        records = _direct_first(records)
        return answer_text(records), records


def _direct_first(records: tuple[AnswerSentence, ...]) -> tuple[AnswerSentence, ...]:
    """Written prose opens with its direct answer (the prompt asks so): the first shown sentence is it
    when a source states it (quoted or verified), and the others support it."""
    first = next((i for i, r in enumerate(records) if r.shown), None)
    if first is None or not records[first].supported or sum(r.shown for r in records) < 2:
        return records
    return tuple(replace(r, role="answer" if i == first else "support") if r.shown else r
                 for i, r in enumerate(records))
