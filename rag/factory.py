"""The default assembly: every part of the pipeline built from ``Settings`` in one place.

``build_pipeline(settings)`` is what the UI, the CLI, the scripts and the evaluation call. Each
builder takes the parts it depends on, so a caller (a test, a benchmark, a new deployment) can pass
its own embedder, store, chat model, reranker or verifier and get the rest built as usual. Backends
named in the settings (embedder, chat model, verifier, reranker) come from ``rag.core.registry``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
import threading

from langchain_core.language_models.chat_models import BaseChatModel

from rag.answer.base import Answerer
from rag.answer.extractive import ExtractiveAnswerer, LookupAnswerer
from rag.answer.quoting import QuotingAnswerer
from rag.answer.synthesis import LLMAnswerer
from rag.core import registry
from rag.core.settings import Settings
from rag.core.types import Hit
from rag.decide.base import DeclineRule
from rag.decide.period import OlderCoverage, StaleNote
from rag.decide.rules import (
    LookupUnmatched,
    NoAmount,
    NoPassages,
    NotAnswerable,
    OutsideWindow,
    UnmentionedName,
    UnquotedName,
)
from rag.index.lexical import LexicalIndex
from rag.index.store import ChunkStore
from rag.models.chat import describe_llm, make_chat_model
from rag.models.embedding import Embedder, embedder_for
from rag.pipeline import Pipeline
from rag.retrieve.channels import Channel, DenseChannel, LexicalChannel, NameChannel
from rag.retrieve.gate import Gate, Reranker
from rag.retrieve.passages import PassagePicker
from rag.retrieve.retriever import Retriever
from rag.retrieve.sentences import PassageSentences
from rag.verify.check import AnswerChecker
from rag.verify.verifier import Verifier


class LazyChatModel:
    """The configured chat model, built on first call and then kept (the local GGUF takes seconds to
    load, and an extractive-only or retrieval-only user never needs it)."""

    def __init__(self, settings: Settings, model: BaseChatModel | None = None) -> None:
        self.settings = settings
        self._model = model
        self._given = model is not None
        self._lock = threading.Lock()

    def __call__(self) -> BaseChatModel:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = make_chat_model(self.settings)
        return self._model

    def describe(self) -> str:
        """The model's class name when one was given (tests), else the configured backend's label."""
        return type(self._model).__name__ if self._given else describe_llm(self.settings)


def build_channels(settings: Settings, store: ChunkStore) -> list[Channel]:
    """Dense search, the exact-name channel, and BM25 when ``lexical_k`` > 0."""
    channels: list[Channel] = [DenseChannel(store, settings.fetch_k)]
    if settings.max_names:
        channels.append(NameChannel(store, settings.name_k or max(10, settings.fetch_k // 2),
                                    settings.name_pool))
    if settings.lexical_k:
        channels.append(LexicalChannel(store, LexicalIndex(store), settings.lexical_k, settings.lexical_weight))
    return channels


def build_reranker(settings: Settings) -> Reranker | None:
    """The reranker ``settings.reranker`` names, or None."""
    if not settings.reranker:
        return None
    backend, argument = registry.resolve("reranker", settings.reranker)
    reranker: Reranker = backend.factory(settings, argument)
    return reranker


def build_retriever(settings: Settings, store: ChunkStore, embedder: Embedder,
                    reranker: Reranker | None = None) -> Retriever:
    """The retriever over ``store``; with a reranker, the gate uses the reranker's calibrated threshold."""
    reranker = reranker or build_reranker(settings)
    gate = (Gate(reranker.min_relevance, reranker.margin) if reranker is not None
            else Gate(settings.min_relevance, settings.relevance_margin))
    return Retriever(embedder, build_channels(settings, store), gate, top_k=settings.top_k,
                     per_article=settings.per_article, rrf_k=settings.rrf_k,
                     syndication_overlap=settings.syndication_overlap, reranker=reranker,
                     recency_weight=settings.recency_weight,
                     date_slack_days=settings.date_slack_days,
                     picker=PassagePicker(store, settings.name_pool or 300) if settings.passage_words else None)


def build_answerer(settings: Settings, chat_model: BaseChatModel | None = None, verifier: Verifier | None = None
                   ) -> tuple[Answerer, LazyChatModel | None, Verifier | None]:
    """The answerer ``settings.llm`` and ``settings.answer_style`` name, the chat model it writes with,
    and the verifier that checks what it writes (both None for extractive)."""
    if settings.llm == "extractive":
        return extractive_answerer(settings), None, verifier
    model = LazyChatModel(settings, chat_model)
    verifier = verifier or build_verifier(settings, model)
    style = settings.answer_style
    if style == "render" or (style == "auto" and settings.llm == "local"):
        return QuotingAnswerer(settings.llm, model, verifier, model.describe(), settings.extractive_sentences,
                               settings.extractive_passages, settings.min_answerable,
                               settings.lead_sentence, settings.pick_sentences,
                               translation_min=settings.translation_min,
                               translate_into=settings.translate_languages(),
                               paraphrase=settings.paraphrase_similarity,
                               supports=settings.support_sentences,
                               min_answerable_picked=settings.min_answerable_picked), model, verifier
    return LLMAnswerer(settings.llm, model, model.describe(), settings.focus_sentences), model, verifier


def build_verifier(settings: Settings, model: Callable[[], BaseChatModel] | None = None) -> Verifier:
    """The verifier ``settings.verifier`` names (``llm``: ``model``, the answering chat model, built from
    settings when not given, asked YES or NO; ``nli:<model>``: an NLI cross-encoder; or a plugin's)."""
    backend, argument = registry.resolve("verifier", settings.verifier)
    verifier: Verifier = backend.factory(settings, argument, chat_model=model or LazyChatModel(settings))
    return verifier


def extractive_answerer(settings: Settings) -> ExtractiveAnswerer:
    """The no-LLM answerer with the configured sizes."""
    return ExtractiveAnswerer(settings.extractive_sentences, settings.extractive_passages,
                              settings.paraphrase_similarity)


def build_rules(settings: Settings) -> list[DeclineRule]:
    """The decline rules, in the order they are asked (the first that declines decides):

    1. ``outside_window``: nothing relevant from the period the question names (older coverage listed);
    2. ``no_passages``: nothing passed the relevance gate (``min_relevance``);
    3. ``unmentioned_name``: a name of the question in none of the passages (``decline_unmentioned``);
    4. ``lookup_unmatched``: a pasted sentence no passage sentence matches (``lookup_min_similarity``);
    5. ``unquoted_name``: a name of the question in none of the passages the answer would quote
       (``decline_unquoted_name``, which follows ``decline_unmentioned`` unless set);
    6. ``no_amount``: a money question whose quoted passages give no amount (``decline_no_amount``);
    7. ``not_answerable``: the answerer judges that the passages do not answer (``min_answerable``).

    The cheap rules come first: the judgement (a prompt read by the LLM) is only made when none of the
    others declined.
    """
    unquoted = settings.decline_unmentioned if settings.decline_unquoted_name is None \
        else settings.decline_unquoted_name
    switched: list[tuple[bool, DeclineRule]] = [
        (True, OutsideWindow()),
        (True, NoPassages()),
        (settings.decline_unmentioned, UnmentionedName()),
        (True, LookupUnmatched(settings.lookup_min_similarity)),
        (unquoted, UnquotedName()),
        (settings.decline_no_amount, NoAmount()),
        (True, NotAnswerable()),
    ]
    return [rule for on, rule in switched if on]


def sentences_of(settings: Settings, embedder: Embedder) -> Callable[[Sequence[Hit]], PassageSentences]:
    """How passages are split into the sentences answers quote and checks read, embedded once each."""
    return partial(PassageSentences, embedder=embedder, max_per_passage=settings.passage_sentences,
                   headlines=settings.quote_headlines)


def build_pipeline(settings: Settings, chat_model: BaseChatModel | None = None, *,
                   embedder: Embedder | None = None, store: ChunkStore | None = None,
                   reranker: Reranker | None = None, verifier: Verifier | None = None) -> Pipeline:
    """The default pipeline over ``settings.index_dir`` (or the Chroma server), with any part given
    used instead of the one settings would build. ``chat_model`` replaces the configured LLM (tests
    pass a fake one); it is otherwise loaded on first use."""
    embedder = embedder or embedder_for(settings)
    store = store or ChunkStore(settings, embedder.name, embedder.dim)
    answerer, model, verifier = build_answerer(settings, chat_model, verifier)
    retriever = build_retriever(settings, store, embedder, reranker)
    checker = AnswerChecker(verifier if settings.verify_answers else None, settings.repair_overlap,
                            settings.repair_similarity, settings.rejected_sentences)
    return Pipeline(settings, embedder=embedder, store=store, retriever=retriever, answerer=answerer,
                    lookup_answerer=LookupAnswerer(settings.lookup_min_similarity, settings.extractive_sentences),
                    quoter=extractive_answerer(settings), rules=build_rules(settings),
                    older=OlderCoverage(retriever, settings.older_coverage_days), stale=StaleNote(settings.stale_days),
                    checker=checker, sentences_of=sentences_of(settings, embedder), rewriter=model,
                    max_names=settings.max_names)
