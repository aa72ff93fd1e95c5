"""Follow-up questions: tell when a question refers back to the conversation, and make it standalone.

"and what did the G7 say?" after "Why did Iran attack Israel?" retrieves nothing useful on its own.
A cheap heuristic (the cues of ``rag.languages``) decides whether a question refers back: it opens with
a connective ("and", "et", "dan", "what about" …), leans on a pronoun ("they", "elle", "mereka" …), or
is very short without a proper name. Only then is it rewritten: by the LLM with a short prompt when
one is configured, else deterministically (the follow-up plus the previous question's key terms).
A question that stands on its own is never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
import re

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from rag import languages
from rag.core.prompts import REWRITE_PROMPT, REWRITE_USER

#: One earlier exchange: (the question as it was understood, the answer's text).
Turn = tuple[str, str]

_WORD = re.compile(r"[\w'’-]+", re.U)


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    langs = list(languages.LANGUAGES.values())
    prefixes = [lang.clitic_prefix for lang in langs if lang.clitic_prefix]
    suffixes = [lang.clitic_suffix for lang in langs if lang.clitic_suffix]
    return _Cues(
        connective=languages.combined("connectives", r"^\W*(?:{})\b"),
        strong=frozenset(languages.words_of(langs, "strong_pronouns")),
        weak=frozenset(languages.words_of(langs, "weak_pronouns")),
        # Expressions where those words do not refer back: times ("this week") and French impersonal "il".
        not_referring=languages.combined("not_referring", "{}"),
        suffixes=tuple(s for lang in langs for s in lang.pronoun_suffixes),
        suffix_exceptions=frozenset(languages.words_of(langs, "suffix_exceptions")),
        clitic_prefix=re.compile(f"^(?:{'|'.join(prefixes)})", re.I) if prefixes else None,
        clitic_suffix=re.compile(f"(?:{'|'.join(suffixes)})$") if suffixes else None,
        stopwords=languages.stopwords(),
    )


@dataclass(frozen=True)
class _Cues:
    """The follow-up cues of every language in ``rag.languages``, combined."""

    connective: re.Pattern[str]
    strong: frozenset[str]
    weak: frozenset[str]
    not_referring: re.Pattern[str]
    suffixes: tuple[str, ...]
    suffix_exceptions: frozenset[str]
    clitic_prefix: re.Pattern[str] | None
    clitic_suffix: re.Pattern[str] | None
    stopwords: frozenset[str]

    def suffixed(self, word: str) -> bool:
        """A word whose ending is a pronoun ("rumahnya": his house)."""
        return any(word.endswith(s) and len(word) > len(s) + 1 and word not in self.suffix_exceptions
                   for s in self.suffixes)


_MAX_CHARS = 300


def _has_name(question: str) -> bool:
    """True when the question names something itself: a capitalised word past the first, an acronym,
    or a number (first words are capitalised anyway, so they only count when all caps or digits)."""
    words = _WORD.findall(question)
    for i, w in enumerate(words):
        if any(c.isdigit() for c in w) or (len(w) >= 2 and w.isupper()):
            return True
        if i > 0 and w[:1].isupper() and w not in ("I",):
            return True
    return False


def refers_back(question: str) -> bool:
    """Does ``question`` lean on the conversation before it (so needs rewriting to stand alone)?"""
    q = question.strip()
    if not q:
        return False
    cues = _cues()
    if cues.connective.match(q):
        return True
    words = [w.lower().strip("'’-") for w in _WORD.findall(cues.not_referring.sub(" ", q))]
    if any(w in cues.strong for w in words):
        return True
    named = _has_name(q)
    if not named and any(w in cues.weak or cues.suffixed(w) for w in words):
        return True
    return not named and len(_WORD.findall(q)) <= 4


def key_terms(question: str, limit: int = 8) -> list[str]:
    """The question's content words in their order (function words of every language dropped)."""
    cues = _cues()
    out: list[str] = []
    for w in _WORD.findall(question):
        w = w.strip("'’-")
        if cues.clitic_prefix is not None:
            w = cues.clitic_prefix.sub("", w)  # French elision: l'Iran → Iran
        low = w.lower()
        if (len(w) < 2 or low in cues.stopwords or w in out
                or (cues.clitic_suffix is not None and cues.clitic_suffix.search(low))):
            continue
        out.append(w)
    return out[:limit]


def strip_connective(question: str) -> str:
    """The question without its leading connective ("and what did …" → "What did …")."""
    q = _cues().connective.sub("", question.strip(), count=1).strip(" ,;:—-")
    return (q[:1].upper() + q[1:]) if q else question.strip()


def deterministic_rewrite(question: str, previous: str) -> str:
    """The follow-up made standalone without an LLM: itself plus the previous question's key terms."""
    core = strip_connective(question).rstrip(" ?？")
    terms = [t for t in key_terms(previous) if t.lower() not in core.lower()]
    return f"{core} — {' '.join(terms)}?" if terms else f"{core}?"


def _clean(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    line = re.sub(r"^(standalone question|rewritten question|question)\s*:\s*", "", line, flags=re.I)
    return line.strip(" \"'“”«»")


def llm_rewrite(question: str, history: Sequence[Turn], model: BaseChatModel) -> str:
    """The standalone question written by ``model`` from the last two turns ("" when it failed)."""
    lines = []
    for q, a in list(history)[-2:]:
        lines += [f"Q: {q}", f"A: {a[:400]}"]
    messages = [SystemMessage(REWRITE_PROMPT),
                HumanMessage(REWRITE_USER.format(conversation="\n".join(lines), question=question))]
    pieces: list[str] = []
    # Streamed and cut short: a rewrite is one line, and the model must not be left writing an answer.
    for chunk in model.stream(messages, stop=["\n\n"]):
        pieces.append(chunk.text)
        if "\n" in "".join(pieces).strip() or sum(map(len, pieces)) > _MAX_CHARS:
            break
    text = _clean("".join(pieces))
    return text if 3 <= len(text) <= _MAX_CHARS else ""


def rewrite_followup(question: str, history: Sequence[Turn],
                     model: Callable[[], BaseChatModel] | None = None) -> str | None:
    """The standalone form of ``question`` when it refers back to ``history``, else None.

    ``model`` returns the chat model to rewrite with; without one (or when it fails to produce a
    question) the rewrite is deterministic. The result is None when it would not change anything.
    """
    question = question.strip()
    if not history or not refers_back(question):
        return None
    rewritten = ""
    if model is not None:
        from rag.core.errors import LLMUnavailableError

        try:
            rewritten = llm_rewrite(question, history, model())
        except LLMUnavailableError:
            rewritten = ""  # the answer will report the backend; retrieval still gets a usable question
    if rewritten and not _adds_context(rewritten, question, history[-1][0]):
        rewritten = ""  # small models often echo the follow-up: it would still not stand alone
    rewritten = rewritten or deterministic_rewrite(question, history[-1][0])
    return None if rewritten.strip().lower() == question.lower() else rewritten


def _adds_context(rewritten: str, question: str, previous: str) -> bool:
    """Does the rewrite bring in something from the previous question that the follow-up lacked?"""
    have = {t.lower() for t in key_terms(question, limit=50)}
    wanted = {t.lower() for t in key_terms(previous, limit=50)} - have
    got = {t.lower() for t in key_terms(rewritten, limit=50)}
    return bool(wanted & got) or not wanted
