"""The decline rules, one class each, in the order ``rag.factory.build_rules`` asks them.

Each reads a ``Case`` (the question, the passages found, and what is worked out from them on demand)
and returns the reply that declines, in the question's language, or None to let the next rule speak.
The cheap ones come first; ``NotAnswerable`` asks the answerer's judge (an LLM prompt) last. A new
rule is one class here, one line in ``build_rules``, its setting and its test (``tests/test_decide.py``).
"""

from __future__ import annotations

from rag import languages
from rag.decide.base import Case, DeclineRule
from rag.decide.replies import abstain_message, out_of_window_message, unmentioned_message
from rag.query.names import unmentioned


class OutsideWindow(DeclineRule):
    """The question names a period ("this week") and nothing relevant is from it: the passages of other
    dates are listed for the reader, never answered from, unless the period rule found that older
    coverage answers (its note then introduces it). Last month's story is not this week's news."""

    name = "outside_window"
    setting = "older_coverage_days"

    def reply(self, case: Case) -> str | None:
        if not (case.outside_window and case.window) or case.note:
            return None
        return out_of_window_message(case.query.language, case.window, case.hits)


class NoPassages(DeclineRule):
    """No passage passed the relevance gate: the archive does not cover the question."""

    name = "no_passages"
    setting = "min_relevance"

    def reply(self, case: Case) -> str | None:
        return None if case.hits else abstain_message(case.query.language)


class UnmentionedName(DeclineRule):
    """A proper name of the question appears in none of the passages found (``rag.query.names.unmentioned``:
    same-language passages, close forms count): the archive has nothing on it, and passages about
    another event would only be misread as the answer (a Labubu question answered with another
    auction's prices). The reply names it."""

    name = "unmentioned_name"
    setting = "decline_unmentioned"

    def reply(self, case: Case) -> str | None:
        missing = unmentioned(case.query, case.hits)
        return unmentioned_message(case.query.language, missing) if missing else None


class LookupUnmatched(DeclineRule):
    """A pasted sentence (a lookup) is answered with the sentences that match it; when even the closest
    passage sentence is below ``min_similarity`` (cosine), its source is not in the archive. Judged by
    sentence, not by passage: a translated source passage often scores under the relevance gate while
    its matching sentence stands out."""

    name = "lookup_unmatched"
    setting = "lookup_min_similarity"
    reads_answering = True

    def __init__(self, min_similarity: float) -> None:
        self.min_similarity = min_similarity

    def reply(self, case: Case) -> str | None:
        if not case.query.is_lookup:
            return None
        closest = case.sentences.support(case.query.searched)
        if closest is not None and closest.score >= self.min_similarity:
            return None
        return languages.reply(case.query.language, "lookup_unmatched")


class UnquotedName(DeclineRule):
    """Other passages name it, not the ones the answer would quote: true sentences about another event
    pass the judge ("6-7", Dictionary.com's word of the year, for Merriam-Webster's)."""

    name = "unquoted_name"
    setting = "decline_unmentioned"
    reads_answering = True

    def reply(self, case: Case) -> str | None:
        if case.query.is_lookup:
            return None
        missing = unmentioned(case.query, case.quoting)
        return unmentioned_message(case.query.language, missing, closest=True) if missing else None


class NoAmount(DeclineRule):
    """"How much was the fine?" over passages on the case that give no sum: the judge passes them,
    being on topic, and the answer would quote the case instead of a fine. Money questions and
    currency names per language come from ``rag.languages`` (signs and codes in every language)."""

    name = "no_amount"
    setting = "decline_no_amount"
    reads_answering = True

    def reply(self, case: Case) -> str | None:
        query = case.query
        if query.is_lookup or not languages.asks_money(query.searched):
            return None
        quoting = case.quoting
        if not quoting or any(languages.gives_money(f"{h.title} {h.text}") for h in quoting):
            return None
        return languages.reply(query.language, "no_amount")


class NotAnswerable(DeclineRule):
    """The answerer judged, before writing, that the passages do not answer (the render style's YES/NO
    judge, at ``min_answerable``). The closest passages stay listed as sources; nothing is written."""

    name = "not_answerable"
    setting = "min_answerable"
    reads_answering = True

    def reply(self, case: Case) -> str | None:
        judged = case.judgement
        if judged is None or not judged.checked or judged.supported:
            return None
        return abstain_message(case.query.language)
