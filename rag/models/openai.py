"""Any OpenAI-compatible chat endpoint (``NEWSRAG_LLM=openai``): vLLM, llama.cpp's server, Ollama, OpenAI.

The errors that mean "this endpoint is unusable" (unreachable, timed out, wrong key, no such model or
route) become ``LLMUnavailableError`` with a hint naming the setting to fix; others pass through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from rag.core.errors import LLMUnavailableError
from rag.core.registry import register
from rag.core.settings import Settings


def _label(settings: Settings, argument: str) -> str:
    return f"openai: {settings.openai_model} @ {settings.openai_base_url}"


@register("chat_model", "openai", "any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, OpenAI)",
          label=_label)
def openai_chat_model(settings: Settings, argument: str = "") -> BaseChatModel:
    """A LangChain ``ChatOpenAI`` on ``openai_base_url``, its unusable-endpoint errors explained."""
    from langchain_openai import ChatOpenAI
    import openai

    base_url = settings.openai_base_url

    def explain(exc: openai.APIError) -> LLMUnavailableError:
        if isinstance(exc, openai.APITimeoutError):
            return LLMUnavailableError(f"the endpoint at {base_url} did not answer within "
                                       f"{settings.request_timeout:g} s", "raise NEWSRAG_REQUEST_TIMEOUT")
        if isinstance(exc, openai.APIConnectionError):
            return LLMUnavailableError(f"cannot reach the OpenAI-compatible endpoint at {base_url}: {exc}",
                                       "start the server or fix openai_base_url (NEWSRAG_OPENAI_BASE_URL), "
                                       "or use --llm local / --llm extractive")
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return LLMUnavailableError(f"{base_url} refused the API key: {exc}",
                                       "set openai_api_key (NEWSRAG_OPENAI_API_KEY)")
        if isinstance(exc, openai.NotFoundError):
            return LLMUnavailableError(f"{base_url} has no model {settings.openai_model!r} or no chat "
                                       f"completions route: {exc}", "check openai_model and that "
                                       "openai_base_url ends in /v1")
        return LLMUnavailableError(f"the endpoint at {base_url} failed: {exc}", "see the server's log")

    class _HintingChatOpenAI(ChatOpenAI):
        # Only errors that mean "this backend is unusable" are translated; others pass through.
        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            try:
                return super()._generate(*args, **kwargs)
            except openai.APIError as exc:
                raise explain(exc) from exc

        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            try:
                yield from super()._stream(*args, **kwargs)
            except openai.APIError as exc:
                raise explain(exc) from exc

        async def _agenerate(self, *args: Any, **kwargs: Any) -> ChatResult:
            try:
                return await super()._agenerate(*args, **kwargs)
            except openai.APIError as exc:
                raise explain(exc) from exc

        async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
            try:
                async for chunk in super()._astream(*args, **kwargs):
                    yield chunk
            except openai.APIError as exc:
                raise explain(exc) from exc

    return _HintingChatOpenAI(base_url=base_url, model=settings.openai_model, api_key=settings.openai_api_key,
                              temperature=settings.temperature, max_completion_tokens=settings.max_tokens,
                              timeout=settings.request_timeout, max_retries=2)
