"""The sentences of an answer's passages, embedded once per answer.

Shared by the answerers (which sentences to quote, render or focus on) and the verification stage
(which one or two sentences a shown sentence is checked against).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
import re

import numpy as np

from rag import languages
from rag.core.types import Hit
from rag.ingest.furniture import quotable, without_furniture
from rag.models.embedding import Embedder

_WORDS = re.compile(r"\w{3,}", re.U)

#: A piece ending in one of these is not a sentence end: "U.S.", "Sen.", "Mr.", an initial ("Hana S.").
_ABBREVIATION_END = re.compile(
    r"(?:\b(?:U\.S|U\.K|U\.N|E\.U|Sen|Rep|Gov|Pres|Dr|Mr|Mrs|Ms|Mme|St|Jr|Sr|Gen|Lt|Col|Sgt|Capt|Prof|"
    r"No|vs|Inc|Corp|Co|Ltd|Mt|Ft|Jan|Feb|Aug|Sept|Oct|Nov|Dec)|(?<![\w.])[A-Z])\.$")


#: A line this short without a sentence's end is a byline, a dateline or a heading, not a statement.
_FRAGMENT_WORDS = 6
# French sets a closing guillemet off by a (no-break) space: "… la fin. »".
_SENTENCE_CLOSE = re.compile(r"[.!?…:;](?:[\s\u00a0\u202f]*[\"'»”’)\]])*$")

#: A wire dateline opening a sentence: a place in capitals, maybe a region or the outlet after a
#: comma or in brackets, then a dash of any kind ("WASHINGTON −", "NEW YORK (AP) —", "JAKARTA,
#: KOMPAS.com -"). Quoted, it reads as part of the claim; the sentence is the source's words without it.
_DATELINE = re.compile(r"^[A-ZÀ-Þ][A-ZÀ-Þ.'’]{2,}(?: [A-ZÀ-Þ][A-ZÀ-Þ.'’]+)*"
                       r"(?:, ?[A-ZÀ-Þ][\w.'’]*(?: [A-ZÀ-Þ][\w.'’]*)?)?"
                       r"(?: ?\([^()]{1,30}\))? ?[-‐‑‒–—−]{1,2} +(?=[\"“«A-ZÀ-Þ0-9])")


@cache
def _page_label() -> re.Pattern[str]:
    return languages.combined("page_labels", r"^(?:{})\s*")


#: A line without a sentence's end whose longer words are mostly capitalised is a heading or a list
#: entry ("Best Performance by an Actress in a Leading Role in a Play"), however long.
_TITLE_SHARE = 0.5

#: A kicker in capitals and a colon opening a line ("REVAMPED RULES: How the policy has changed",
#: "MEDAL COUNT: …"): without a sentence's end, such a line is a link to another story, not a statement.
#: A transcript's speaker label looks the same; their lines cut off by a dash ("DAVID MUIR: But let
#: me just ask you--") are speech, so they stay.
_KICKER = re.compile(r"^[A-ZÀ-Þ][A-ZÀ-Þ0-9'’&. -]{2,40}: (?!.*[-‐‑‒–—−]$)")


def _is_fragment(sentence: str) -> bool:
    if sentence.endswith(":"):
        # A lead-in ("Here's what travelers should know:", "Patel said the following:"): what it
        # introduces is the statement, and it says nothing alone.
        return True
    if _SENTENCE_CLOSE.search(sentence):
        return False
    if _KICKER.match(sentence):
        return True
    words = sentence.split()
    if len(words) < _FRAGMENT_WORDS:
        return True
    long = [w for w in words if len(w.strip("\"'“”‘’()«»,")) >= 4]
    return bool(long) and sum(w.lstrip("\"'“‘(«")[:1].isupper() for w in long) / len(long) >= _TITLE_SHARE


def quotable_sentences(text: str) -> list[str]:
    """The sentences of a passage as an answer quotes them: the chunker's split, with the pieces it
    cuts after an abbreviation or an initial joined again (a quote must not stop at "U.S." or
    "Sen."), and without bylines, datelines, headings and lead-ins (short or title-case lines that end
    no sentence, a sentence ending in a colon, a line without an end opening with a kicker in
    capitals ("MEDAL COUNT: …", a link to another story), a wire dateline opening a sentence, and a
    page's labels such as "AI-assisted summary"), and never page furniture, a sentence addressing an
    assistant or the reader with instructions, or one holding a link (``rag.ingest.furniture``: an index
    built before furniture was dropped at ingest is covered too). Chunking keeps its own split."""
    from rag.index.chunking import split_sentences

    out: list[str] = []
    for piece in split_sentences(text):
        if out and _ABBREVIATION_END.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    label = _page_label()
    kept = (_DATELINE.sub("", label.sub("", without_furniture(s), count=1), count=1) for s in out)
    return [s for s in kept if s and not _is_fragment(s) and quotable(s)]


_OUTLET_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,30}$")


def quotable_headline(title: str) -> str | None:
    """An article's headline as a quotable statement, or None: without an outlet suffix ("| CNN"),
    and never one that asks anything or a label of fewer than four words ("Live updates")."""
    line = _OUTLET_SUFFIX.sub("", " ".join(title.split()))
    # "Who won the Super Bowl in 2024? Revisiting …" teases rather than states, and the model picks
    # such a line for its question's words.
    if len(line.split()) < 4 or "?" in line or not quotable(line):
        return None
    return line


#: Added to a sentence's score when the question asks why and the sentence states a cause.
REASON_BONUS = 0.05


def is_question_sentence(text: str) -> bool:
    """Whether a passage sentence asks rather than states ("What type of plane crashed in India?", a
    subheading): it never answers, and its words match the question's all too well."""
    return text.rstrip(" \"'”’»)]").endswith(("?", "？"))


@cache
def _reason_question() -> re.Pattern[str]:
    return languages.combined("reason_questions")


@cache
def _reason_cue() -> re.Pattern[str]:
    return languages.combined("reason_cues")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the n-th passage (1-based), scored against the question."""

    n: int
    index: int
    text: str
    score: float


class PassageSentences:
    """The sentences of the passages with their embeddings, embedded once per answer.

    Used three ways: to focus the passages on the question, as the extractive answer, and to find
    which passage sentence supports a sentence of the answer.
    """

    def __init__(self, hits: Sequence[Hit], embedder: Embedder, max_per_passage: int = 12,
                 headlines: bool = False) -> None:
        self.embedder = embedder
        self.texts = [hit.text for hit in hits]
        self.items = [(n, i, s) for n, hit in enumerate(hits, 1)
                      for i, s in enumerate(quotable_sentences(hit.text)[:max_per_passage])]
        self.vectors = embedder.embed_passages([s for _, _, s in self.items])
        # Read once: every judgement of one answer scores the same sentences against the question again.
        self._words = [_word_set(s) for _, _, s in self.items]
        self._rows = {(n, i): j for j, (n, i, _) in enumerate(self.items)}
        # A headline states the story's news in one line, often the very answer ("giant schnauzer wins
        # Best in Show") while the passages found are a live blog's asides: once per article, as
        # sentence -1 of its first passage, embedded only when ``scored_headlines`` asks.
        first: dict[str, int] = {}
        for n, hit in enumerate(hits, 1):
            first.setdefault(hit.article_id, n)
        self._titles = [(n, line) for n, hit in enumerate(hits, 1)
                        if headlines and first[hit.article_id] == n and (line := quotable_headline(hit.title))]
        self._title_rows = {n: j for j, (n, _) in enumerate(self._titles)}
        self._headline_vectors: np.ndarray | None = None
        # The answerability judge, the preface, the answer and a lookup's match all embed the same text.
        self._queries: dict[str, np.ndarray] = {}

    def _query(self, text: str) -> np.ndarray:
        if text not in self._queries:
            self._queries[text] = self.embedder.embed_query(text)
        return self._queries[text]

    def scored(self, question: str) -> list[Sentence]:
        """Every sentence scored by closeness in meaning to the question (cosine of multilingual
        embeddings, so an English question meets a French sentence), plus small bonuses for shared
        words (names, numbers), for the passage's rank, and, when the question asks why, for stating
        a cause ("in response to", "en représailles"): the reason is what such a question wants, and
        embeddings rank it no closer than the event itself.

        An explainer's question heading ("Why did the FDA ban Red No. 3?") is never quoted, but the
        sentence after it in the same passage answers it: when both the question and the heading ask
        why, that sentence scores at least what the heading scores, so a heading restating the question
        brings up the reason, which shares few of its words. (A quarter of the large archive's articles
        have question headings; headings asking something else, "What type of plane crashed?", are
        close to the question by topic alone and lend nothing.)"""
        if not self.items:
            return []
        q_words = _word_set(question)
        why = bool(_reason_question().search(question))
        sims = self.vectors @ self._query(question)
        out = []
        for (n, i, text), words, sim in zip(self.items, self._words, sims):
            out.append(Sentence(n, i, text, _score(float(sim), n, text, words, q_words, why)))
        if why:
            for j in range(1, len(out)):
                heading, after = out[j - 1], out[j]
                if (after.n == heading.n and after.score < heading.score and is_question_sentence(heading.text)
                        and _reason_question().search(heading.text) and not is_question_sentence(after.text)):
                    out[j] = replace(after, score=heading.score)
        return out

    def scored_headlines(self, question: str) -> list[Sentence]:
        """The articles' headlines (index -1), scored as ``scored`` scores sentences. Kept apart: close
        to any question on their story by topic, they would crowd the closest sentences (two dev answers
        lost their answering sentence to one), so only the model's pick of the answering sentence is
        offered them, and they are never evidence for a claim (``closest``)."""
        if not self._titles:
            return []
        if self._headline_vectors is None:
            self._headline_vectors = self.embedder.embed_passages([line for _, line in self._titles])
        q_words = _word_set(question)
        why = bool(_reason_question().search(question))
        sims = self._headline_vectors @ self._query(question)
        return [Sentence(n, -1, line, _score(float(sim), n, line, _word_set(line), q_words, why))
                for (n, line), sim in zip(self._titles, sims)]

    def _vector(self, s: Sentence) -> np.ndarray:
        if s.index < 0:
            assert self._headline_vectors is not None  # scored before it is compared
            return np.asarray(self._headline_vectors[self._title_rows[s.n]])
        return np.asarray(self.vectors[self._rows[(s.n, s.index)]])

    def similarity(self, a: Sentence, b: Sentence) -> float:
        """Cosine between two of these sentences (or headlines), both embedded as passages."""
        return float(self._vector(a) @ self._vector(b))

    def paraphrases(self, threshold: float) -> Callable[[Sentence, Sentence], bool] | None:
        """A test of whether two of these sentences say the same thing (cosine ≥ ``threshold``), for
        ``select_sentences``; None when ``threshold`` is 1 or more (off)."""
        if threshold >= 1.0:
            return None
        return lambda a, b: self.similarity(a, b) >= threshold

    def support(self, claim: str) -> Sentence | None:
        """The passage sentence closest in meaning to ``claim`` (score = cosine), or None."""
        best = self.closest(claim, 1)
        return best[0] if best else None

    def closest(self, claim: str, k: int = 2, among: Sequence[int] = ()) -> list[Sentence]:
        """The ``k`` passage sentences closest in meaning to ``claim`` (score = cosine), best first;
        with ``among``, only sentences of those passages (numbers from 1)."""
        if not self.items:
            return []
        sims = self.vectors @ self._query(claim)
        order = sorted(range(len(self.items)), key=lambda j: -float(sims[j]))
        out = []
        for j in order:
            n, i, text = self.items[j]
            if not among or n in among:
                out.append(Sentence(n, i, text, float(sims[j])))
                if len(out) == k:
                    break
        return out

    def passage_of(self, sentence: str) -> int | None:
        """The number of the passage holding ``sentence`` verbatim (spacing and case aside), or None."""
        needle = _squash(sentence)
        if len(needle) < 12:
            return None
        for n, text in enumerate(self.texts, 1):
            if needle in _squash(text):
                return n
        return None


def _score(sim: float, n: int, text: str, words: set[str], q_words: set[str], why: bool) -> float:
    """Cosine with the question plus the bonuses of ``PassageSentences.scored``."""
    overlap = len(q_words & words) / (len(q_words) or 1)
    cause = REASON_BONUS if why and _reason_cue().search(text) else 0.0
    return sim + 0.05 * overlap + 0.01 / n + cause


def _word_set(text: str) -> set[str]:
    # Accents folded: "Israel" in an English question is the same word as "Israël" in a French source.
    return {w.lower() for w in _WORDS.findall(languages.fold(text))}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower().rstrip(".!?…").strip()
