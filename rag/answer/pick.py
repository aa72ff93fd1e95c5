"""The answer's phrase: which candidate sentence holds the phrase the model copied, and that phrase as
the source writes it.

The bundled model, asked for the shortest phrase that answers, copies it from numbered candidate
sentences more reliably than it names a sentence by number (it mostly named the first). What it
returns is matched back to the candidates (``holding``), and the words shown are the source's own,
cut out of the sentence (``verbatim_span``): the direct answer is a quote, faithful by construction,
even when the model's copy changed a letter or dropped an accent.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
import re

from rag import languages
from rag.core.types import Query
from rag.retrieve.sentences import is_question_sentence, PassageSentences, Sentence

#: Share of a copied phrase's words a candidate must hold to be the one it was copied from.
PICK_MATCH = 0.75
#: A phrase found only scattered in its sentence is cut out when the words between are at most this
#: many more than its own; else no direct answer is shown (the sentence alone answers).
SPAN_SLACK = 3

_WORD = re.compile(r"\w+", re.U)


def _folded_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(languages.fold(text))]


def holding(phrase: str, candidates: Sequence[Sentence]) -> Sentence | None:
    """The candidate that holds most of ``phrase``'s words (at least ``PICK_MATCH`` of them; accents
    and case aside), the closest to the question on ties; None for "NONE" or an empty phrase."""
    words = _folded_words(phrase)
    if not words or words == ["none"]:
        return None
    best, share = None, 0.0
    for c in candidates:
        held = set(_folded_words(c.text))
        s = sum(w in held for w in words) / len(words)
        if s > share:
            best, share = c, s
    return best if share >= PICK_MATCH else None


def verbatim_span(phrase: str, sentence: str) -> str | None:
    """``phrase`` as ``sentence`` writes it: the shortest run of the sentence's words holding the phrase's
    words in order (accents and case aside), or holding all of them within ``SPAN_SLACK`` extra words;
    None when the sentence does not hold it so. A phrase covering nearly the whole sentence is the
    sentence."""
    wanted = _folded_words(phrase)
    if not wanted or wanted == ["none"]:
        return None
    tokens = [(m.start(), m.end(), languages.fold(m.group()).lower()) for m in _WORD.finditer(sentence)]
    words = [w for _, _, w in tokens]
    n = len(wanted)
    for i in range(len(words) - n + 1):
        if words[i:i + n] == wanted:
            return _cut(sentence, tokens, i, i + n - 1)
    best: tuple[int, int] | None = None
    for i, w in enumerate(words):
        if w != wanted[0] and w not in wanted:
            continue
        left = list(wanted)
        for j in range(i, min(len(words), i + n + SPAN_SLACK)):
            if words[j] in left:
                left.remove(words[j])
            if not left:
                if best is None or j - i < best[1] - best[0]:
                    best = (i, j)
                break
    return _cut(sentence, tokens, *best) if best else None


def _cut(sentence: str, tokens: list[tuple[int, int, str]], first: int, last: int) -> str:
    text = sentence[tokens[first][0]:tokens[last][1]]
    # A number's unit or a closing quote belongs to the phrase ("2 million euros", "$5").
    if first > 0 and sentence[tokens[first][0] - 1:tokens[first][0]] in "$€£":
        text = sentence[tokens[first][0] - 1:tokens[first][0]] + text
    return text.strip()


#: A why-question's cause clause is looked for in this many of the sentences closest to it, of every passage.
REASON_POOL = 12
#: A cause clause shorter than this many words after its connective says too little ("en réponse").
MIN_CLAUSE_WORDS = 3
#: And one longer than this many words is cut at the last word before it.
MAX_CLAUSE_WORDS = 28


@cache
def _connective() -> re.Pattern[str]:
    return languages.combined("reason_clauses")


@cache
def _clause_end() -> re.Pattern[str]:
    # Punctuation that closes a clause, or a word that opens the next one.
    return languages.combined("clause_openers", r"\s*[,;:()«»“”\"—–]|\s-\s|\s+\b(?:{})\b")


def asks_why(question: str) -> bool:
    """Whether a question asks for a reason ("why", "pourquoi", "mengapa"), in any language's wording."""
    return bool(languages.combined("reason_questions").search(question))


@cache
def _negation() -> re.Pattern[str]:
    # A denial in the few words before the connective: "wasn't fired because of", "n'est pas dû à".
    return languages.combined("negations", r"(?:\b|(?<=\w))(?:{})\b(?:\W+\w+){{0,3}}\W*$")


def reason_clause(sentence: str) -> str | None:
    """The clause of ``sentence`` that states a cause, from its connective ("in retaliation for …",
    "répondre à …", "karena …") to the end of the clause, as the sentence writes it; None when no
    connective opens one of at least ``MIN_CLAUSE_WORDS`` words, or only denied ones ("wasn't fired
    because of …")."""
    for m in _connective().finditer(sentence):
        if _negation().search(sentence[:m.start()]):
            continue
        rest = sentence[m.end():]
        end = _clause_end().search(rest)
        clause = sentence[m.start():m.end() + (end.start() if end else len(rest))].rstrip(" .!?…")
        words = clause.split()
        if len(words) - len(m.group().split()) < MIN_CLAUSE_WORDS:
            continue
        return " ".join(words[:MAX_CLAUSE_WORDS]) if len(words) > MAX_CLAUSE_WORDS else clause
    return None


def best_reason(candidates: Sequence[Sentence]) -> tuple[Sentence, str] | None:
    """Among ``candidates`` (best first), the first sentence stating a cause, with its cause clause."""
    for s in candidates:
        clause = reason_clause(s.text)
        if clause:
            return s, clause
    return None



def stated_reason(query: Query, sentences: PassageSentences) -> tuple[Sentence, str] | None:
    """For a why-question, the closest sentence stating a cause ("in retaliation for …", "répondre à …"),
    in any passage and language, with its cause clause; None for other questions or when none states one."""
    if not asks_why(query.searched):
        return None
    # Not limited to sentences holding the question's names (tried on the why-mid set: 4 causes of other
    # events went, but so did 2 right ones that name the event in other words, "the $10 billion lawsuit").
    closest = sorted((s for s in sentences.scored(query.searched) if not is_question_sentence(s.text)),
                     key=lambda s: -s.score)
    return best_reason(closest[:REASON_POOL])


#: A question word is read as held by a sentence when they share this many first letters (or the whole
#: shorter word): "condemned" / "condemn", "attaque" / "attaques", without a stemmer per language.
STEM = 5


def is_name(phrase: str) -> bool:
    """Whether ``phrase`` is a proper name or a number: at most four words, each capitalised or a figure
    ("Joe Biden", "G7", "2025"). A name reads the same in every language: it needs no translation."""
    words = phrase.split()
    return 0 < len(words) <= 4 and all(w[:1].isupper() or w[:1].isdigit() for w in words)


def echoes(phrase: str, question: str) -> bool:
    """Whether ``phrase`` only names what the question already names: a proper name (every word
    capitalised, at most four) whose last word the question holds. "Joe Biden" copied for "Whom did
    Biden call?", or "Iran" for "Who condemned Iran's attack?", repeats the question instead of answering."""
    if not is_name(phrase):
        return False
    last = _folded_words(phrase.split()[-1])
    return bool(last) and last[-1] in set(_folded_words(question))


def _content_words(text: str) -> set[str]:
    stop = languages.stopwords()
    return {w for w in _folded_words(text) if len(w) > 2 and w not in stop}


def _same_word(a: str, b: str) -> bool:
    if len(a) >= STEM and len(b) >= STEM:
        return a[:STEM] == b[:STEM]
    short, long = sorted((a, b), key=len)
    return long.startswith(short)


def _holds(words: set[str], word: str) -> bool:
    return any(_same_word(word, w) for w in words)


def on_subject(sentence: str, question: str, names: Sequence[str]) -> bool:
    """Whether ``sentence`` is about what ``question`` asks: it holds one of the question's ``names``
    (in any language's spelling that folds to the same letters: "Israël", "Iranian"), or, for a question
    without names, two of its content words (compared by their first ``STEM`` letters)."""
    held = _content_words(sentence)
    if names:
        return any(all(_holds(held, w) for w in _folded_words(n)) for n in names)
    return sum(_holds(held, w) for w in _content_words(question)) >= 2
