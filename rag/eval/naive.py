"""The naive baseline: the RAG a user would otherwise build from the LangChain tutorial.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over each article (headline, blank
line, body), the chunks in a langchain-chroma ``Chroma`` store, top-k similarity search on the same
embedder as the project, and the classic "stuff" prompt (``rag.core.prompts.STUFF_PROMPT``) to the same chat
model. No date filters, no relevance gate, no passage numbering (so no citations), no syndication
folding, no conversation: each of these is something the project adds, and the evaluation puts the
two side by side.

``NaivePipeline`` offers the interface of every pipeline (``rag.pipeline.AnsweringPipeline``), so the
evaluation drives both the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
import hashlib
import json
from pathlib import Path
import shutil
import time
from typing import Any, cast

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_core.prompts import PromptTemplate

from rag.verify.citations import normalise_markers
from rag.query.conversation import Turn
from rag.models.embedding import Embedder, embedder_for, vector_family
from rag.core.errors import NewsragError
from rag.eval.metrics import says_dont_know
from rag.factory import LazyChatModel
from rag.answer.select import extractive_answer
from rag.answer.synthesis import stream_answer
from rag.retrieve.sentences import PassageSentences
from rag.core.events import Done, Event, Retrieved, Token
from rag.core.prompts import STUFF_PROMPT as STUFF_TEXT
from rag.core.settings import Settings
from rag.core.types import Answer, Article, Filters, Hit

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
COLLECTION = "naive"

#: Chunks of the ranking per distinct article asked for: 1000-character chunks with no per-article cap,
#: so 40 chunks for the 10 articles the retrieval metrics score.
CHUNKS_PER_ARTICLE = 4

#: The "stuff" question-answering prompt of LangChain's tutorial (RetrievalQA's default).
STUFF_PROMPT = PromptTemplate.from_template(STUFF_TEXT)

#: progress(done, total) after each batch of chunks is stored.
BuildProgress = Callable[[int, int], None]


class EmbedderEmbeddings(Embeddings):
    """The project's Embedder as a LangChain ``Embeddings``, so both pipelines use the same vectors."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return cast(list[list[float]], self.embedder.embed_passages(texts).tolist())

    def embed_query(self, text: str) -> list[float]:
        return cast(list[float], self.embedder.embed_query(text).tolist())


@dataclass(frozen=True)
class NaiveIndexReport:
    """The naive index: its chunks, and how long building it took (recorded when it was built)."""

    chunks: int
    seconds: float
    reused: bool

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds > 0 else 0.0


def split_articles(articles: Sequence[Article]) -> list[Document]:
    """The tutorial's splitting: each article as one document, cut into 1000-character chunks."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [Document(page_content=f"{a.title}\n\n{a.text}",
                     metadata={k: v for k, v in {"article_id": a.id, "title": a.title, "source": a.source,
                                                 "published": a.published, "language": a.language,
                                                 "url": a.url}.items() if v})
            for a in articles]
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    return splitter.split_documents(docs)


def _fingerprint(articles: Sequence[Article], embedder: Embedder) -> str:
    h = hashlib.sha256(f"{vector_family(embedder.name)}|{CHUNK_SIZE}|{CHUNK_OVERLAP}|v1".encode())
    for key in sorted(f"{a.id}:{a.content_hash}" for a in articles):
        h.update(key.encode())
    return h.hexdigest()[:16]


def _store(directory: Path, embedder: Embedder) -> Any:
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    return Chroma(collection_name=COLLECTION, embedding_function=EmbedderEmbeddings(embedder),
                  persist_directory=str(directory),
                  client_settings=ChromaSettings(anonymized_telemetry=False))


def _reused(directory: Path, key: str, embedder: Embedder) -> NaiveIndexReport | None:
    """The index in ``directory`` when its manifest says it was built complete under ``key`` and it
    still holds the chunks it recorded, else None."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("key") != key or not manifest.get("complete"):
        return None
    count = _store(directory, embedder)._collection.count()
    return NaiveIndexReport(count, float(manifest.get("seconds", 0.0)), reused=True) \
        if count == manifest.get("chunks") else None


def _add_chunks(store: Any, chunks: Sequence[Document], progress: BuildProgress | None, batch: int) -> None:
    for i in range(0, len(chunks), batch):
        part = chunks[i:i + batch]
        store.add_documents(part, ids=[f"{d.metadata['article_id']}#n{i + j}" for j, d in enumerate(part)])
        if progress:
            progress(min(i + batch, len(chunks)), len(chunks))


def build_index(directory: Path, articles: Sequence[Article], embedder: Embedder,
                progress: BuildProgress | None = None, batch: int = 64) -> NaiveIndexReport:
    """Build the naive index in ``directory``, or reuse it when it was built from the same articles with
    the same embedder (recorded in ``manifest.json``); anything else there is replaced."""
    directory = Path(directory)
    key = _fingerprint(articles, embedder)
    reused = _reused(directory, key, embedder)
    if reused is not None:
        return reused
    started = time.perf_counter()
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    chunks = split_articles(articles)
    _add_chunks(_store(directory, embedder), chunks, progress, batch)
    seconds = time.perf_counter() - started
    (directory / "manifest.json").write_text(json.dumps(
        {"key": key, "complete": True, "chunks": len(chunks), "seconds": seconds, "embedder": embedder.name,
         "built": time.strftime("%Y-%m-%dT%H:%M:%S")}))
    return NaiveIndexReport(len(chunks), seconds, reused=False)


def _hit(doc: Document, distance: float, position: int) -> Hit:
    meta = doc.metadata
    return Hit(chunk_id=str(doc.id or f"{meta.get('article_id')}#n{position}"),
               article_id=str(meta.get("article_id", "")), text=doc.page_content,
               # Chroma's default space is squared L2; for unit vectors cosine = 1 - d/2.
               similarity=1.0 - float(distance) / 2.0, title=str(meta.get("title", "")), source=meta.get("source"),
               published=meta.get("published"), language=meta.get("language"), url=meta.get("url"),
               position=position)


class NaivePipeline:
    """The tutorial's pipeline as an ``AnsweringPipeline``: top-k similarity search over the naive index
    and the stuff prompt, or the project's extractive answerer over the same chunks when ``settings.llm``
    is 'extractive'.

    It is blind to dates and to the conversation: ``stream`` accepts ``filters`` and ``history`` and
    ignores them, as the tutorial's chain would. It has no numbered passages, so it never cites
    (``cites = False``), and it declines only when its answer says it does not know.
    """

    name = "naive"
    cites = False

    def __init__(self, settings: Settings, directory: Path, chat_model: BaseChatModel | None = None) -> None:
        self.settings = settings
        self.embedder = embedder_for(settings)
        if not (Path(directory) / "manifest.json").exists():
            raise NewsragError(f"No naive index in {directory}",
                               hint="build it first with rag.eval.naive.build_index (the evaluation does)")
        self.store = _store(Path(directory), self.embedder)
        self.chat_model = LazyChatModel(settings, chat_model)

    def describe_answerer(self) -> str:
        if self.settings.llm == "extractive":
            return "extractive (no LLM)"
        return f"LangChain stuff prompt to {self.chat_model.describe()}"

    def warm(self) -> None:
        """One search, so that the first question's timing does not include loading the index."""
        self.search("news", 1)

    def search(self, question: str, k: int) -> list[Hit]:
        """The ``k`` chunks most similar to the question, best first."""
        found = self.store.similarity_search_with_score(question, k=k)
        return [_hit(doc, dist, i) for i, (doc, dist) in enumerate(found)]

    def ranking(self, question: str, filters: Filters | None, depth: int) -> list[Hit]:
        """The ``depth * CHUNKS_PER_ARTICLE`` most similar chunks (``filters`` ignored: no date filter)."""
        return self.search(question, depth * CHUNKS_PER_ARTICLE)

    def context(self, ranking: Sequence[Hit], question: str = "") -> list[Hit]:
        """The top ``top_k`` chunks: no relevance gate."""
        return list(ranking[:self.settings.top_k])

    def reads(self, hit: Hit) -> str:
        """The chunk as is: the headline is only in an article's first chunk."""
        return hit.text

    def stream(self, question: str, filters: Filters | None = None,
               history: Sequence[Turn] = ()) -> Iterator[Event]:
        """Answer like the tutorial's chain; yields Retrieved, Token pieces, then Done. ``filters`` and
        ``history`` are ignored."""
        question = question.strip()
        t0 = time.perf_counter()
        hits = self.search(question, self.settings.top_k)
        t1 = time.perf_counter()
        yield Retrieved(tuple(hits), t1 - t0)
        timings = {"retrieval": t1 - t0}
        pieces: list[str] = []
        first_token = None
        for piece in self._answer(question, hits):
            if first_token is None:
                first_token = time.perf_counter() - t1
            pieces.append(piece)
            yield Token(piece)
        raw = "".join(pieces)
        if self.settings.llm != "extractive":
            raw = raw.strip()
            timings["first_token"] = first_token or 0.0
        t2 = time.perf_counter()
        timings.update(generation=t2 - t1, total=t2 - t0)
        yield Done(Answer(question=question, text=raw, hits=tuple(hits), abstained=not raw or says_dont_know(raw),
                          llm=self.settings.llm, timings=timings))

    def _answer(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        """The answer's pieces: the extractive answer in one piece, or the chat model's stream."""
        if self.settings.llm == "extractive":
            # The same no-LLM answerer as the project's, over the naive chunks; its markers removed,
            # since this peer has no numbered passages to cite.
            yield normalise_markers(extractive_answer(PassageSentences(hits, self.embedder).scored(question)), 0)
            return
        prompt = STUFF_PROMPT.format(context="\n\n".join(h.text for h in hits), question=question)
        yield from stream_answer(self.chat_model(), [HumanMessage(prompt)])
