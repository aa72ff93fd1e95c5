"""Answering: the ``Answerer`` interface, the grounded LLM answerer, the no-LLM extractive answerer,
and the fixed replies (declines) in the question's language.

Passages are untrusted: they are fenced as data, stripped of anything that looks like a citation
marker or a chat-template token, and the system prompt (``rag.prompts``) tells the model to ignore
instructions found in them. The model answers in the question's language and cites passages as ``[n]``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
import re

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from rag import languages
from rag.citations import cite
from rag.prompts import ANSWER_PROMPT, NOT_COVERED, SYSTEM_PROMPT
from rag.sentences import is_question_sentence, PassageSentences, Sentence
from rag.types import AnswerSentence, Hit, passage_label, Query, Window
from rag.verification import Verdict


@dataclass(frozen=True)
class Gloss:
    """What an answerer learned about the sentence it yielded just before, once that sentence is
    already on screen: its translation for the reader (empty when none is shown) and the reason that
    replaces the sentence's. Lets a quoted sentence stream at once and its translation follow."""

    translation: str
    reason: str


#: What an answerer yields: answer text, a sentence it checked itself, or a gloss of that sentence.
Piece = str | AnswerSentence | Gloss


def abstain_message(language: str) -> str:
    """The "archive does not cover it" reply in the question's language."""
    return languages.reply(language, "abstain")


def unmentioned_message(language: str, names: Sequence[str], closest: bool = False) -> str:
    """The reply when the question names something no passage found mentions (``rag.names.unmentioned``),
    or, with ``closest``, something the passages the answer would quote do not mention."""
    key = "unmentioned_closest" if closest else "unmentioned"
    return languages.reply(language, key).format(names=", ".join(f"\u201c{n}\u201d" for n in names))


def out_of_window_message(language: str, window: Window, listed: Sequence[Hit]) -> str:
    """The reply when nothing from the period the question names answers it; ``listed`` are the
    passages from other dates shown to the reader instead (none, or older ones unless the period is a
    named past one such as "in October")."""
    lang = language if languages.has_replies(language) else "en"
    latest = max((h.published[:10] for h in listed if h.published), default=None)
    key = "other_when" if window.any_later(listed) else "older_when"
    when = languages.reply(lang, key).format(latest=latest) if latest else languages.reply(lang, "undated")
    older = languages.reply(lang, "older_listed").format(when=when, phrase=window.phrase) if listed else ""
    return languages.reply(lang, "out_of_window").format(start=window.start, end=window.end, older=older).strip()


def _defang(text: str) -> str:
    # Remove what could hijack the numbering or the chat template; keep the prose.
    text = re.sub(r"<\|[^|>]{1,40}\|>", " ", text)
    text = re.sub(r"\[\s*\d{1,3}\s*\]", "", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def build_messages(question: str, hits: Sequence[Hit], language: str,
                   passages: Sequence[str] | None = None) -> list[BaseMessage]:
    """The chat messages for a grounded answer: system rules, then the fenced passages and the question.

    ``passages`` replaces the hits' texts (e.g. by their focused form from ``focus_passages``).
    """
    texts = passages if passages is not None else [h.text for h in hits]
    blocks = [f"{passage_label(i, h)}\n{_defang(t)}" for i, (h, t) in enumerate(zip(hits, texts), 1)]
    lang_name = languages.language_name(language) or "the language of the question"
    user = ANSWER_PROMPT.format(question=question, passages="\n\n".join(blocks), language=lang_name)
    return [SystemMessage(SYSTEM_PROMPT.format(not_covered=NOT_COVERED, language=lang_name)),
            HumanMessage(user)]


def stream_answer(model: BaseChatModel, messages: list[BaseMessage]) -> Iterator[str]:
    """Text pieces of the model's answer as they are generated."""
    for chunk in model.stream(messages):
        content = chunk.content
        if isinstance(content, str):
            if content:
                yield content
        else:  # list-of-parts content from some providers
            yield "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


def is_not_covered(text: str) -> bool:
    """True when the model said the passages do not answer (it may add words around the sentinel)."""
    return NOT_COVERED.lower().replace("_", "") in text.lower().replace("_", "").replace(" ", "")


def focus_passages(hits: Sequence[Hit], scored: Sequence[Sentence], keep: int = 3) -> list[str]:
    """Each passage cut down to its ``keep`` sentences closest to the question, in reading order
    (``keep`` 0: whole passages).

    A small LLM answers better from a few on-topic sentences than from whole passages, and the
    prompt is shorter (reading it is most of the local model's latency).
    """
    if keep <= 0:
        return [hit.text for hit in hits]
    out = []
    for n, hit in enumerate(hits, 1):
        mine = sorted((s for s in scored if s.n == n), key=lambda s: -s.score)[:keep]
        out.append(" ".join(s.text for s in sorted(mine, key=lambda s: s.index)) or hit.text)
    return out


def _same_text(text: str) -> str:
    # A sentence syndicated verbatim into two passages is one sentence.
    return " ".join(text.lower().split())


def passages_of(chosen: Sequence[Sentence], hits: Sequence[Hit]) -> list[Hit]:
    """The passages ``chosen`` sentences come from, in passage order."""
    return [hits[n - 1] for n in sorted({s.n for s in chosen})]


def select_sentences(scored: Sequence[Sentence], max_sentences: int = 3, from_passages: int = 3,
                     same: Callable[[Sentence, Sentence], bool] | None = None) -> list[Sentence]:
    """The sentences closest to the question among the first ``from_passages`` passages, in reading
    order (passage, then position); a sentence syndicated verbatim into two passages counts once, and
    one that asks a question is never chosen. With ``same``, a sentence that says the same as one
    already chosen (another outlet's rewrite of the event) is skipped too, so that the next one, often
    the reason or the detail asked for, is shown instead of the event told twice."""
    best: list[Sentence] = []
    seen: set[str] = set()
    for s in sorted((s for s in scored if s.n <= from_passages and not is_question_sentence(s.text)),
                    key=lambda s: -s.score):
        key = _same_text(s.text)
        if key not in seen and not (same and any(same(s, b) for b in best)):
            seen.add(key)
            best.append(s)
        if len(best) == max_sentences:
            break
    return sorted(best, key=lambda s: (s.n, s.index))


def extractive_answer(scored: Sequence[Sentence], max_sentences: int = 3, from_passages: int = 3) -> str:
    """No-LLM answer: the sentences closest to the question among the top passages, each cited."""
    return " ".join(cite(s.text, (s.n,)) for s in select_sentences(scored, max_sentences, from_passages))


# --- answerers ---------------------------------------------------------------------------------------

class Answerer(ABC):
    """Writes the answer text from the gated passages, with ``[n]`` markers numbering ``hits`` from 1.

    The pipeline checks and completes the markers afterwards (``rag.citations``); an answerer that
    cannot answer from the passages writes ``NOT_COVERED``.
    """

    #: What ``Answer.llm`` records ("local", "openai", "extractive").
    name: str
    #: Whether an LLM writes (first-token latency is then measured, and follow-ups may use it).
    uses_llm: bool = False

    @property
    def label(self) -> str:
        """A one-line human description (shown in the UI header and reports)."""
        return self.name

    def load(self) -> None:  # noqa: B027 (optional hook: most answerers have nothing to load)
        """Load what answering needs now (a chat model) rather than on the first question."""

    def answerable(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences,
                   older: bool = False) -> Verdict | None:
        """Whether the passages answer the question, judged before anything is written (None: this
        answerer does not judge; the relevance gate alone decided). ``older``: the passages predate
        the period the question names (``query.window``), and must still answer for it."""
        return None

    def quoting(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> list[Hit]:
        """The passages the answer is judged on and quotes from, before it is written (default: all)."""
        return list(hits)

    def preface(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> str:
        """A note the reader needs before the answer (e.g. that it quotes sources in another
        language), in the question's language; "" for none."""
        return ""

    @abstractmethod
    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        """Pieces of the answer as they are written: text, or whole sentences the answerer has already
        checked (``AnswerSentence``; one not ``shown`` is recorded but not displayed), each possibly
        followed by its ``Gloss`` once that is ready. ``sentences`` are the passages' sentences,
        embedded once per answer and shared with the verification."""


class ExtractiveAnswerer(Answerer):
    """No LLM: the passage sentences closest in meaning to the question, each cited."""

    name = "extractive"

    def __init__(self, max_sentences: int = 3, from_passages: int = 3, paraphrase: float = 1.0) -> None:
        self.max_sentences, self.from_passages = max_sentences, from_passages
        #: Cosine at which a sentence restates one already chosen (1: only verbatim copies are skipped).
        self.paraphrase = paraphrase

    @property
    def label(self) -> str:
        return "extractive (no LLM)"

    def quoting(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> list[Hit]:
        """The passages of the sentences it quotes."""
        return passages_of(self._chosen(query, sentences), hits)

    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        for s in self._chosen(query, sentences):
            yield AnswerSentence(s.text, (s.n,), "quoted", 1.0, "the source's own words", s.text)

    def _chosen(self, query: Query, sentences: PassageSentences) -> list[Sentence]:
        return select_sentences(sentences.scored(query.searched), self.max_sentences, self.from_passages,
                                sentences.paraphrases(self.paraphrase))


class LookupAnswerer(ExtractiveAnswerer):
    """For a pasted sentence: the passage sentences that match it (plain cosine ≥ ``min_similarity``),
    best match first, each cited: where it comes from, in each language the archive holds it in.

    Not the question-scored extractive pick: its bonus for shared words favours sentences in the
    pasted sentence's own language, and a loosely related English sentence came before the matching
    Indonesian one."""

    def __init__(self, min_similarity: float, max_sentences: int = 3) -> None:
        super().__init__(max_sentences)
        self.min_similarity = min_similarity

    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        seen: set[str] = set()
        for s in sentences.closest(query.searched, 4 * self.max_sentences):
            if s.score < self.min_similarity or len(seen) == self.max_sentences:
                break
            if (key := _same_text(s.text)) not in seen:
                seen.add(key)
                yield AnswerSentence(s.text, (s.n,), "quoted", 1.0, f"matches the pasted sentence ({s.score:.2f})",
                                     s.text)


class LLMAnswerer(Answerer):
    """A chat model answering from the passages, each cut to its sentences closest to the question."""

    uses_llm = True

    def __init__(self, name: str, model: Callable[[], BaseChatModel], label: str = "",
                 focus_sentences: int = 3) -> None:
        self.name = name
        self.model = model
        self._label = label or name
        self.focus_sentences = focus_sentences

    @property
    def label(self) -> str:
        return self._label

    def load(self) -> None:
        self.model()

    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        focused = focus_passages(hits, sentences.scored(query.searched), self.focus_sentences)
        messages = build_messages(query.searched, hits, query.language, focused)
        yield from stream_answer(self.model(), messages)
