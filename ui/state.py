"""Per-browser-session state of the chat (the conversation's turns) and the filters form.

A ``Session`` lives in a ``gr.State``: each tab has its own. Turns remember what feedback and
follow-up questions need: the question as understood, the answer, the filters it was asked with,
and which chat message shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
import uuid

from rag.core.types import Answer, Filters, Hit

#: Earlier turns given to the pipeline to understand a follow-up question.
HISTORY_TURNS = 3
#: Earlier turns whose sources stay in the sources column (folded).
KEPT_SOURCES = 5


class FilterError(ValueError):
    """A filter field the user filled in wrongly; the message says how to fix it."""


@dataclass
class Turn:
    """One question and its answer."""

    number: int
    question: str
    filters: Filters
    message_index: int
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    rewritten: str | None = None
    hits: tuple[Hit, ...] = ()
    answer: Answer | None = None
    cards: str = ""

    @property
    def understood(self) -> str:
        return self.rewritten or self.question


@dataclass
class Session:
    """The conversation in one browser tab."""

    turns: list[Turn] = field(default_factory=list)
    #: (turn id, rating) of the last rating, which a comment then completes.
    pending: tuple[str, str] | None = None

    def start(self, question: str, filters: Filters, message_index: int) -> Turn:
        turn = Turn(len(self.turns) + 1, question, filters, message_index)
        self.turns.append(turn)
        return turn

    def history(self) -> list[tuple[str, str]]:
        """(question as understood, answer) of the last answered turns, for follow-ups."""
        done = [t for t in self.turns if t.answer is not None]
        return [(t.understood, t.answer.text) for t in done[-HISTORY_TURNS:] if t.answer is not None]

    def by_message(self, index: int) -> Turn | None:
        return next((t for t in self.turns if t.message_index == index and t.answer is not None), None)

    def by_id(self, turn_id: str) -> Turn | None:
        return next((t for t in self.turns if t.id == turn_id), None)

    def earlier_sources(self, current: Turn | None) -> list[tuple[int, str, str]]:
        return [(t.number, t.understood, t.cards) for t in reversed(self.turns)
                if t is not current and t.cards][:KEPT_SOURCES]


def _day(value: Any, label: str) -> str | None:
    """A YYYY-MM-DD string from the date field (which may also send a timestamp or a datetime)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return date.fromtimestamp(value).isoformat()
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise FilterError(f"{label}: “{text[:40]}” is not a date; use YYYY-MM-DD, e.g. 2025-06-01.") from None


def parse_filters(date_from: Any, date_to: Any, outlets: Sequence[str] | str | None,
                  languages: Sequence[str] | str | None, as_of: Any, question_dates: Any = True) -> Filters:
    """Filters from the form; "as of" defaults to today. Raises FilterError with a readable message."""
    lo, hi = _day(date_from, "From"), _day(date_to, "To")
    if lo and hi and lo > hi:
        raise FilterError(f"The date range is empty: “from” {lo} is after “to” {hi}.")
    return Filters(date_from=lo, date_to=hi, sources=_names(outlets), languages=_names(languages),
                   as_of=_day(as_of, "As of") or date.today().isoformat(), question_dates=question_dates is not False)


def _names(values: Sequence[str] | str | None) -> tuple[str, ...]:
    if not values:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def describe_filters(filters: Filters, today: str | None = None) -> str:
    """The filters in words ("" when only the default "as of today" is set)."""
    parts = []
    if filters.date_from:
        parts.append(f"from {filters.date_from}")
    if filters.date_to:
        parts.append(f"to {filters.date_to}")
    if filters.sources:
        parts.append("outlets: " + ", ".join(filters.sources))
    if filters.languages:
        parts.append("languages: " + ", ".join(filters.languages))
    if filters.as_of and filters.as_of != (today or date.today().isoformat()):
        parts.append(f"as of {filters.as_of}")
    if not filters.question_dates:
        parts.append("the question's own dates not read")
    return "; ".join(parts)
