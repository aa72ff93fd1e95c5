"""Declines for want of coverage: nothing relevant was found, or nothing from the period asked about."""

from __future__ import annotations

from rag.decide.base import Case, DeclineRule
from rag.decide.replies import abstain_message, out_of_window_message


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
