"""Chat models by name, and the judgements read from one next token.

``make_chat_model(settings)`` builds the backend ``NEWSRAG_LLM`` names from the registry
(``rag.core.registry``; the built-in ones are ``rag.models.llama`` and ``rag.models.openai``), always a
LangChain ``BaseChatModel``, so the rest of the library only calls ``invoke`` / ``stream``. A backend
that cannot be used raises ``LLMUnavailableError`` with a hint. ``yes_probability`` and
``option_probabilities`` read a model's odds of a few one-token replies, without sampling.
"""

from __future__ import annotations

from collections.abc import Sequence
import math

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from rag.core import registry
from rag.core.settings import Settings

#: The answering mode that needs no chat model (``NEWSRAG_LLM=extractive``).
EXTRACTIVE = "extractive"


def yes_probability(model: BaseChatModel, messages: list[BaseMessage]) -> float:
    """How sure ``model`` is that the answer to ``messages`` is YES rather than NO (0-1).

    The local model reads it from its next-token logits; an OpenAI-compatible endpoint from the
    top log-probabilities of a one-token reply; a model that gives neither, from its text (1 or 0).
    """
    return option_probabilities(model, messages, ["YES", "NO"])[0]


def option_probabilities(model: BaseChatModel, messages: list[BaseMessage], options: Sequence[str]) -> list[float]:
    """How likely ``model`` replies each of ``options`` (short words that start differently) to
    ``messages``, normalised over them; read as :func:`yes_probability` reads YES/NO. A reply that
    names none of them gives zeros (so a YES/NO judge that says neither is a NO)."""
    own = getattr(model, "option_probabilities", None)
    if callable(own):  # a model that reads its own logits (the in-process llama.cpp one)
        return list(own(messages, options))
    try:
        reply = model.bind(logprobs=True, top_logprobs=10, max_tokens=1, temperature=0).invoke(messages)
    except (TypeError, ValueError, NotImplementedError):  # a model without those options
        reply = model.invoke(messages)
    tops = ((reply.response_metadata.get("logprobs") or {}).get("content") or [{}])[0].get("top_logprobs") or []
    keys = [o.strip().lower() for o in options]
    mass = dict.fromkeys(keys, 0.0)
    for top in tops:
        word = str(top.get("token", "")).strip().lower()
        if word in mass:
            mass[word] += math.exp(float(top.get("logprob", -1e9)))
    total = sum(mass.values())
    if total > 0:
        return [mass[k] / total for k in keys]
    text = reply.text.strip().lower()
    said = [k for k in keys if text.startswith(k)]
    if said:
        return [1.0 if k == said[0] else 0.0 for k in keys]
    return [0.0] * len(keys)


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model ``settings.llm`` names, built (and, for the local model, loaded) now.

    Raises ``ValueError`` for ``extractive``, which has none, and ``LLMUnavailableError`` when the
    backend is unusable."""
    if settings.llm == EXTRACTIVE:
        raise ValueError(f"llm={settings.llm!r} has no chat model")
    backend, argument = registry.resolve("chat_model", settings.llm)
    model: BaseChatModel = backend.factory(settings, argument)
    return model


def describe_llm(settings: Settings) -> str:
    """A one-line human label of the configured answering backend."""
    if settings.llm == EXTRACTIVE:
        return "extractive: best-matching sentences, no LLM"
    backend, argument = registry.resolve("chat_model", settings.llm)
    return backend.describe(settings, argument)


def llm_names() -> tuple[str, ...]:
    """Every value ``NEWSRAG_LLM`` and ``--llm`` accept: the registered chat models, then extractive."""
    return (*registry.names("chat_model"), EXTRACTIVE)


def llm_help() -> str:
    """``name: description`` of every answering backend, for ``--llm`` help."""
    return f"{registry.help_text('chat_model')}; {EXTRACTIVE}: no LLM, the passage sentences closest to the question"
