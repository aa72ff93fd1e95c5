"""The default assembly: every part of the pipeline built from ``Settings`` in one place.

``build_pipeline(settings)`` is what the UI, the CLI, the scripts and the evaluation call. Each
builder takes the parts it depends on, so a caller (a test, a benchmark, a new deployment) can pass
its own embedder, store, chat model, reranker or verifier and get the rest built as usual.
"""

from __future__ import annotations

from collections.abc import Callable
import threading

from langchain_core.language_models.chat_models import BaseChatModel

from rag.embedding import Embedder, embedder_for, resolve_device
from rag.generation import Answerer, ExtractiveAnswerer, LLMAnswerer, LookupAnswerer
from rag.lexical import LexicalIndex
from rag.passages import PassagePicker
from rag.pipeline import Pipeline
from rag.rendering import RenderingAnswerer
from rag.retrieval import Channel, DenseChannel, Gate, LexicalChannel, NameChannel, Reranker, Retriever
from rag.settings import Settings
from rag.store import ChunkStore
from rag.verification import LLMVerifier, Verifier


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
                    from rag.llm import make_chat_model

                    self._model = make_chat_model(self.settings)
        return self._model

    def describe(self) -> str:
        """The model's class name when one was given (tests), else the configured backend's label."""
        if self._given:
            return type(self._model).__name__
        from rag.llm import describe_llm

        return describe_llm(self.settings)


def build_channels(settings: Settings, store: ChunkStore) -> list[Channel]:
    """Dense search, the exact-name channel, and BM25 when ``lexical_k`` > 0."""
    channels: list[Channel] = [DenseChannel(store, settings.fetch_k)]
    if settings.max_names:
        channels.append(NameChannel(store, settings.name_k or max(10, settings.fetch_k // 2),
                                    settings.name_pool))
    if settings.lexical_k:
        channels.append(LexicalChannel(store, LexicalIndex(store), settings.lexical_k, settings.lexical_weight))
    return channels


def build_retriever(settings: Settings, store: ChunkStore, embedder: Embedder,
                    reranker: Reranker | None = None) -> Retriever:
    """The retriever over ``store``; with a reranker, the gate uses the reranker's calibrated threshold."""
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
        return RenderingAnswerer(settings.llm, model, verifier, model.describe(), settings.extractive_sentences,
                                 settings.extractive_passages, settings.min_answerable,
                                 settings.lead_sentence, settings.pick_sentences,
                                 translation_min=settings.translation_min,
                                 translate_into=settings.translate_languages(),
                                 paraphrase=settings.paraphrase_similarity), model, verifier
    return LLMAnswerer(settings.llm, model, model.describe(), settings.focus_sentences), model, verifier


def build_verifier(settings: Settings, model: Callable[[], BaseChatModel] | None = None) -> Verifier:
    """The verifier ``settings.verifier`` names: an NLI cross-encoder, or ``model`` (the answering chat
    model, built from settings when not given) asked YES or NO."""
    if settings.verifier.startswith("nli:"):
        from rag.nli import NLIVerifier

        return NLIVerifier(settings.verifier[4:].strip(), settings.nli_threshold,
                           resolve_device(settings.embed_device))
    # The bundled models read the archive's languages; a configured endpoint is trusted with any.
    readable = frozenset({"en", "fr", "id"}) if settings.llm == "local" else None
    return LLMVerifier(model or LazyChatModel(settings), settings.verify_threshold, readable)


def extractive_answerer(settings: Settings) -> ExtractiveAnswerer:
    """The no-LLM answerer with the configured sizes."""
    return ExtractiveAnswerer(settings.extractive_sentences, settings.extractive_passages,
                              settings.paraphrase_similarity)


def build_pipeline(settings: Settings, chat_model: BaseChatModel | None = None, *,
                   embedder: Embedder | None = None, store: ChunkStore | None = None,
                   reranker: Reranker | None = None, verifier: Verifier | None = None) -> Pipeline:
    """The default pipeline over ``settings.index_dir`` (or the Chroma server), with any part given
    used instead of the one settings would build. ``chat_model`` replaces the configured LLM (tests
    pass a fake one); it is otherwise loaded on first use."""
    embedder = embedder or embedder_for(settings)
    store = store or ChunkStore(settings, embedder.name, embedder.dim)
    answerer, model, verifier = build_answerer(settings, chat_model, verifier)
    return Pipeline(settings, embedder=embedder, store=store,
                    retriever=build_retriever(settings, store, embedder, reranker),
                    answerer=answerer, quoter=extractive_answerer(settings),
                    lookup_answerer=LookupAnswerer(settings.lookup_min_similarity, settings.extractive_sentences),
                    rewriter=model, verifier=verifier if settings.verify_answers else None)
