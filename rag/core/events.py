"""What a pipeline yields while it answers: the passages first (``Retrieved``), then the answer's text as
it is written (``Token``), then the final, checked ``Answer`` (``Done``). The UI shows sources before
the answer; the CLI and the evaluation collect the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from rag.core.types import Answer, Hit, Window


@dataclass(frozen=True)
class Retrieved:
    """Retrieval finished: these passages will be numbered [1]..[n] for the answerer."""

    hits: tuple[Hit, ...]
    seconds: float
    #: The standalone question that was searched when a follow-up was rewritten, else None.
    rewritten_question: str | None = None
    #: The period a relative date in the question was read as, when one narrowed the search.
    window: Window | None = None


@dataclass(frozen=True)
class Token:
    """A piece of answer text as the answerer writes it."""

    text: str


@dataclass(frozen=True)
class Done:
    """The final, citation-checked answer."""

    answer: Answer


Event = Union[Retrieved, Token, Done]
