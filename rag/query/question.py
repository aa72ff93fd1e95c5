"""Question analysis: read a question once into a ``Query`` that every later stage consumes.

What is read: the standalone form of a follow-up (``rag.query.conversation``), the language to answer in,
whether it is a question or a pasted statement, the proper names that must appear verbatim, and the
period a relative date points to ("this week" relative to the as-of date). The words and phrases of
each language come from ``rag.languages``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import lru_cache
import re

from langchain_core.language_models.chat_models import BaseChatModel

from rag import languages
from rag.core.types import Query, Window
from rag.query.conversation import rewrite_followup, Turn
from rag.query.dates import in_title, named_window, numbered_window
from rag.query.names import names_in


@lru_cache(maxsize=1)
def _question_pattern() -> re.Pattern[str]:
    # Only a question's "this week" is the asker's week: in a pasted sentence ("The court sits on
    # Monday.") it is the article's week, and narrowing to the asker's would hide the very article sought.
    return languages.combined("question_words", r"[?？]\s*$|^\s*(?:{})\b")


@lru_cache(maxsize=1)
def _identifier() -> object:
    from py3langid.langid import LanguageIdentifier, MODEL_FILE

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # Questions are short: restricting to languages we answer in avoids absurd guesses. Malay is left
    # out because short Indonesian questions are otherwise often taken for it.
    ident.set_languages([code for code in languages.language_names() if code != "ms"])
    return ident


def question_language(question: str) -> str:
    """ISO 639-1 code of the question's language (English when unsure: questions are short)."""
    lang, prob = _identifier().classify(question)  # type: ignore[attr-defined]
    return str(lang) if prob >= 0.5 else "en"


def is_question(text: str) -> bool:
    """Whether ``text`` is a question or a request (ends with "?" or opens with a question word or an
    imperative such as "summarise"), in any language of ``rag.languages``; else it is a statement."""
    return bool(_question_pattern().search(text))


def is_lookup(text: str, question: bool | None = None) -> bool:
    """A pasted sentence rather than a question or a few keywords: the reader wants its source.
    ``question`` is ``is_question(text)`` when already known."""
    return not (is_question(text) if question is None else question) and len(text.split()) >= 8


@lru_cache(maxsize=1)
def _recent_pattern() -> re.Pattern[str]:
    return languages.combined("recent_words")


def relative_window(question: str, as_of: str | None, language: str = "en") -> Window | None:
    """The dates a relative expression in a question points to ("the past 3 days", "il y a deux
    semaines": ``rag.query.dates.numbered_window``; "this week" → the 8 days up to ``as_of``; "on Monday" →
    the last 8 days), else a named date (``rag.query.dates``: "in October" → the
    last October); None when there is none, no ``as_of`` is known, or the text is a statement rather
    than a question."""
    if not as_of or not is_question(question):
        return None
    numbered = numbered_window(question, as_of)
    if numbered is not None:
        return numbered  # before the phrases: "dua minggu lalu" holds "minggu lalu" (last week)
    today = date.fromisoformat(as_of[:10])
    for pattern, back, span in languages.relative_date_patterns():
        m = next((m for m in pattern.finditer(question) if not in_title(question, m)), None)
        if m:
            start = today - timedelta(days=back)
            return Window(start.isoformat(), (start + timedelta(days=span - 1)).isoformat(), m.group(0))
    return named_window(question, language, as_of)


def analyse(question: str, as_of: str | None = None, history: Sequence[Turn] = (),
            rewriter: Callable[[], BaseChatModel] | None = None, max_names: int = 3) -> Query:
    """Read ``question`` once: rewrite it when it is a follow-up of ``history`` (by ``rewriter``'s model,
    else deterministically), then detect its language, kind, names and relative-date window."""
    question = question.strip()
    rewritten = rewrite_followup(question, history, rewriter) if history else None
    searched = rewritten or question
    asks = is_question(searched)
    language = question_language(searched)
    return Query(text=question, searched=searched, language=language, is_question=asks,
                 is_lookup=is_lookup(searched, asks), names=tuple(names_in(searched, max_names)),
                 window=relative_window(searched, as_of, language), rewritten=rewritten,
                 recent=asks and bool(_recent_pattern().search(searched)))
