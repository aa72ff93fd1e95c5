"""Follow-up questions: tell when a question refers back to the conversation, and make it standalone.

"and what did the G7 say?" after "Why did Iran attack Israel?" retrieves nothing useful on its own.
A cheap heuristic (English, French, Indonesian) decides whether a question refers back: it opens with
a connective ("and", "et", "dan", "what about" …), leans on a pronoun ("they", "elle", "mereka" …), or
is very short without a proper name. Only then is it rewritten: by the LLM with a short prompt when
one is configured, else deterministically (the follow-up plus the previous question's key terms).
A question that stands on its own is never rewritten.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

#: One earlier exchange: (the question as it was understood, the answer's text).
Turn = tuple[str, str]

_CONNECTIVE = re.compile(
    r"^\W*(?:and|also|but|so|then|what about|how about|what else|and what|"
    r"et|mais|aussi|alors|puis|et pour|et si|quid de|qu['’]en est-il|"
    r"dan|juga|lalu|terus|tapi|tetapi|kalau|bagaimana dengan|selain itu)\b", re.I)

# Pronouns that point at a person or group already named: refer back whatever else the question says.
_STRONG = {"he", "she", "they", "them", "their", "theirs", "his", "him", "her", "hers",
           "il", "elle", "ils", "elles", "lui", "eux", "leur", "leurs",
           "dia", "mereka", "beliau", "tersebut"}
# Pronouns and demonstratives that often refer back, but also appear in standalone questions
# ("Is it true that Etna erupted?"): they count only when the question names nothing itself.
_WEAK = {"it", "its", "this", "that", "these", "those", "there",
         "ce", "cela", "ça", "celui", "celle", "ceux", "celles",
         "itu", "ini"}
# Expressions where those words do not refer back: times ("this week") and French impersonal "il".
_NOT_REFERRING = re.compile(
    r"\b(?:this|that|last|next)\s+(?:week|month|year|morning|afternoon|evening|weekend|time)\b|"
    r"\b(?:ce|cette|cet)\s+(?:semaine|mois|année|annee|matin|soir|week-end|weekend)\b|"
    r"\b(?:hari|minggu|pekan|bulan|tahun|pagi|malam|saat)\s+ini\b|"
    r"\bil\s+y\s+a\b|\bil\s+faut\b|-t-il\b|\bs['’]est-il\b|\best-ce\b|\bqu['’]est-ce\b", re.I)
_NYA_WORDS = {"hanya", "punya", "tanya", "bertanya", "menanya", "bernyanyi", "nyanya"}
_WORD = re.compile(r"[\w'’-]+", re.U)
_INVERSION = re.compile(r"-(?:t-)?(?:il|elle|ils|elles|on)$")  # French "a-t-il", "dit-elle"

_STOPWORDS = {
    # English
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "from", "by", "with", "about",
    "is", "are", "was", "were", "be", "been", "do", "does", "did", "has", "have", "had", "will", "would",
    "can", "could", "what", "which", "who", "whom", "whose", "why", "when", "where", "how", "that", "this",
    "it", "its", "they", "their", "he", "she", "his", "her", "there", "so", "also", "say", "said", "says",
    # French
    "le", "la", "les", "un", "une", "des", "du", "de", "d'", "et", "ou", "mais", "en", "au", "aux", "dans",
    "sur", "pour", "par", "avec", "est", "sont", "ont", "été", "que", "qui", "quoi", "quel", "quelle",
    "quels", "quelles", "pourquoi", "comment", "quand", "où", "ce", "cette", "il", "elle", "ils", "elles",
    "se", "s'est", "qu'a", "dit",
    # Indonesian
    "yang", "dan", "atau", "di", "ke", "dari", "untuk", "dengan", "pada", "dalam", "apa", "apakah",
    "siapa", "mengapa", "kenapa", "bagaimana", "kapan", "mana", "di mana", "itu", "ini", "dia", "mereka",
    "adalah", "akan", "sudah", "telah", "juga", "tentang",
}

REWRITE_PROMPT = """You rewrite the user's last question so that it can be understood without the conversation.
Replace pronouns and references with what they refer to, using the earlier questions and answers.
Keep the question's language. Do not answer it. Reply with the standalone question only, on one line."""

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
    if _CONNECTIVE.match(q):
        return True
    words = [w.lower().strip("'’-") for w in _WORD.findall(_NOT_REFERRING.sub(" ", q))]
    if any(w in _STRONG for w in words):
        return True
    named = _has_name(q)
    if not named and any(w in _WEAK or (w.endswith("nya") and len(w) > 4 and w not in _NYA_WORDS)
                         for w in words):
        return True
    return not named and len(_WORD.findall(q)) <= 4


def key_terms(question: str, limit: int = 8) -> list[str]:
    """The question's content words in their order (function words of en/fr/id dropped)."""
    out: list[str] = []
    for w in _WORD.findall(question):
        w = re.sub(r"^(?:[ldjnsc]|qu)['’]", "", w.strip("'’-"), flags=re.I)  # French elision: l'Iran → Iran
        low = w.lower()
        if len(w) < 2 or low in _STOPWORDS or _INVERSION.search(low) or w in out:
            continue
        out.append(w)
    return out[:limit]


def strip_connective(question: str) -> str:
    """The question without its leading connective ("and what did …" → "What did …")."""
    q = _CONNECTIVE.sub("", question.strip(), count=1).strip(" ,;:—-")
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
                HumanMessage("Conversation:\n" + "\n".join(lines) + f"\n\nLast question: {question}\n"
                             "Standalone question:")]
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
        from rag.errors import LLMUnavailableError

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
