"""The period a question names, read as a researcher would, and how old an answer's sources are.

``OlderCoverage`` revises a ``Case`` for a question naming a period ("this week"): the period's
passages when they answer; else the coverage of other dates, when some of it is from the days around
the period and the answerer judges that it answers, introduced by a note with its date; else the
``OutsideWindow`` rule declines and lists the passages. ``StaleNote`` tells a question asking for the
latest coverage how old the newest source its answer quotes is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from rag import languages
from rag.core.types import Citation, Filters, Hit, Query, Window
from rag.decide.base import Case
from rag.retrieve.retriever import Retriever


def near_period(hits: Sequence[Hit], window: Window, days: int) -> bool:
    """Whether a passage is dated within ``days`` of ``window`` (before its start or after its end):
    coverage that may still speak of the period's occurrence. Undated passages cannot tell."""
    lo = (date.fromisoformat(window.start) - timedelta(days=days)).isoformat()
    hi = (date.fromisoformat(window.end) + timedelta(days=days)).isoformat()
    return any(h.published and lo <= h.published[:10] <= hi for h in hits)


class OlderCoverage:
    """For a question naming a period: whether the period's passages answer, and if not, whether the
    coverage of other dates within ``days`` of it does (``older_coverage_days``; 0: never)."""

    def __init__(self, retriever: Retriever, days: int) -> None:
        self.retriever, self.days = retriever, days

    def revise(self, case: Case, filters: Filters | None) -> Case:
        """``case`` with the passages to answer from, their judgement when one was made, and the note
        that introduces older coverage ("" when none answers: the ``OutsideWindow`` rule then lists it)."""
        w, query, answerer = case.window, case.query, case.answerer
        if w is None or not case.hits or query.is_lookup:
            return case
        if not case.outside_window:
            judged = case.judgement
            if judged is None or not judged.checked or judged.supported:
                return replace(case, judged=judged, given_sentences=case.sentences)
            found = self.retriever.find(query, filters, other_dates=True)
            case = replace(case, hits=tuple(self.retriever.gate(found.hits)), outside_window=True, judged=judged,
                           given_sentences=None)
            if not case.hits:
                return case
        if not near_period(case.hits, w, self.days):
            # All of it is about another occurrence (last year's Derby, whose "yesterday" is not this
            # one's): listed, not answered from. The judge, shown the dates, had let a 2022 "won
            # yesterday" answer 2025's. Older passages beside a recent one stay: the judge leans on them.
            return case
        sentences = case.sentences_of(case.hits)
        judged = answerer.answerable(query, case.hits, sentences, older=True)
        case = replace(case, judged=judged, given_sentences=sentences)
        if judged is None or not judged.checked or not judged.supported:
            return case
        # Over every passage the answerer may quote from: the note must not date older sentences as
        # the newest coverage (a 2019 sentence once followed "the latest coverage (2025-06-03) says").
        latest = max((h.published[:10] for h in case.hits if h.published), default=None)
        key = "other_answer" if w.any_later(case.hits) else "older_answer"
        note = languages.reply(query.language, key).format(
            start=w.start, end=w.end, latest=latest or languages.reply(query.language, "undated"))
        return replace(case, note=note)


class StaleNote:
    """For a question asking for the latest coverage ("recently", "terbaru"), the date of the newest
    source the answer quotes when it is older than ``days`` (``stale_days``; 0: never): a "recent"
    assassination attempt answered from a year-old story must say so before it is read as the news
    asked about. A question naming its period has its own note."""

    def __init__(self, days: int) -> None:
        self.days = days

    def note(self, query: Query, filters: Filters | None, window: Window | None, quoted: Sequence[Citation]) -> str:
        """The note to show above the answer, "" for none."""
        dated = [c.published[:10] for c in quoted if c.published]
        if not (query.recent and dated and self.days) or window is not None:
            return ""
        today = date.fromisoformat(filters.as_of[:10]) if filters and filters.as_of else date.today()
        latest = max(dated)
        days = (today - date.fromisoformat(latest)).days
        if days <= self.days:
            return ""
        return languages.reply(query.language, "stale").format(latest=latest, days=days, today=today.isoformat())
