"""Errors that say how to fix themselves."""

from __future__ import annotations


class NewsragError(Exception):
    """Base error: a message plus a hint telling the user what to do next."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class IndexMissingError(NewsragError):
    """No index where one was expected."""


class EmbedderMismatchError(NewsragError):
    """The index was built with another embedder than the one configured."""


class LLMUnavailableError(NewsragError):
    """The configured LLM backend cannot be used (not installed, unreachable, model missing)."""


class IngestError(NewsragError):
    """One input (a file, a line, a feed item) could not be read; ``where`` is ``path[:line]``."""

    def __init__(self, where: str, message: str, hint: str = "") -> None:
        super().__init__(f"{where}: {message}", hint)
        self.where = where
        self.reason = message


class IngestWarning(IngestError):
    """Something read only in part; the article itself was indexed (a feed item kept its summary because
    its page could not be fetched, say). It does not count as a skipped input and does not stop a prune."""


class FetchError(IngestError):
    """A URL could not be fetched; ``where`` is the URL. ``transient`` errors (network, time-outs, 5xx)
    may pass on a later round; the others (404, robots.txt, too large, redirect loop) will not by themselves."""

    def __init__(self, url: str, message: str, hint: str = "", transient: bool = False) -> None:
        super().__init__(url, message, hint)
        self.transient = transient
