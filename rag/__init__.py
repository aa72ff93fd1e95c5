"""newsrag: question answering over news archives, with citations you can check."""

from rag.core.settings import Settings
from rag.core.types import Answer, Article, Chunk, Citation, Hit

__all__ = ["Answer", "Article", "Chunk", "Citation", "Hit", "Settings"]
