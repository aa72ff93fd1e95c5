"""The in-process local chat model: llama-cpp-python over a GGUF (``NEWSRAG_LLM=local``).

``ChatLlamaCpp`` is a LangChain chat model using the GGUF's own chat template; it also reads the
next-token odds of a few one-token options from llama.cpp's logits (``option_probabilities``), which
the YES/NO judgements use without sampling, and keeps the state of a long prompt opening those
judgements repeat (``rag.models.llama_prefix``). The GGUF is the bundled model
(``rag.models.bundled``) unless ``NEWSRAG_LOCAL_MODEL_PATH`` names another.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
import importlib
import os
import threading
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ChatMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from rag.core.errors import LLMUnavailableError
from rag.core.registry import register
from rag.core.settings import Settings
from rag.models.bundled import _FALLBACK_HINT, _LLAMA_HINT, BUNDLED_MODELS, ensure_local_model
from rag.models.llama_prefix import PrefixStates


def _role_dict(message: BaseMessage) -> dict[str, str]:
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    role = message.role if isinstance(message, ChatMessage) else roles.get(message.type)
    if role is None:
        raise ValueError(f"ChatLlamaCpp cannot send a {message.type!r} message")
    return {"role": role, "content": message.text}


class ChatLlamaCpp(BaseChatModel):
    """LangChain chat model over an in-process ``llama_cpp.Llama`` using the GGUF's own chat template."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    max_tokens: int = 320
    temperature: float = 0.1
    stop: list[str] | None = None

    _llama: Any = PrivateAttr(default=None)
    # A Llama context is not re-entrant; the web UI may call from several threads.
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    # The GGUF's chat template as a formatter, for option_probabilities (built on first use).
    _formatter: Any = PrivateAttr(default=None)
    # Saved states of prompt openings the judgements repeat (rag.models.llama_prefix).
    _prefixes: PrefixStates = PrivateAttr(default_factory=PrefixStates)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "max_tokens": self.max_tokens,
                "temperature": self.temperature}

    def load(self) -> ChatLlamaCpp:
        """Load the model now (otherwise on first use), so a bad file fails at startup; returns self."""
        with self._lock:
            self._load_locked()
        return self

    def _load_locked(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LLMUnavailableError("llama-cpp-python is not installed", _LLAMA_HINT) from exc
            threads = self.n_threads or len(os.sched_getaffinity(0))  # llama.cpp's default is half
            try:
                self._llama = Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=threads,
                                    n_threads_batch=threads, verbose=False)
            except ValueError as exc:  # llama.cpp reports unreadable GGUFs as ValueError
                raise LLMUnavailableError(f"cannot load {self.model_path}: {exc}",
                                          f"check the file or delete it to re-assemble, {_FALLBACK_HINT}"
                                          ) from exc
        return self._llama

    def _params(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        return {"messages": [_role_dict(m) for m in messages], "max_tokens": self.max_tokens,
                "temperature": self.temperature, "stop": (self.stop or []) + (stop or []), **kwargs}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        params = self._params(messages, stop, **kwargs)
        with self._lock:
            response = self._load_locked().create_chat_completion(**params)
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            response_metadata={"finish_reason": choice.get("finish_reason"), "model_name": self.model_path},
            usage_metadata={"input_tokens": usage.get("prompt_tokens", 0),
                            "output_tokens": usage.get("completion_tokens", 0),
                            "total_tokens": usage.get("total_tokens", 0)} if usage else None)
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output={"token_usage": usage})

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                ) -> Iterator[ChatGenerationChunk]:
        params = self._params(messages, stop, **kwargs)
        # Held for the whole stream; a consumer that stops early closes the generator and releases it.
        with self._lock:
            for event in self._load_locked().create_chat_completion(stream=True, **params):
                choice = event["choices"][0]
                text = choice["delta"].get("content") or ""
                finish = choice.get("finish_reason")
                if not text and not finish:
                    continue  # the role-only first delta
                chunk = ChatGenerationChunk(message=AIMessageChunk(
                    content=text, response_metadata={"finish_reason": finish} if finish else {}))
                if run_manager and text:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk

    def option_probabilities(self, messages: list[BaseMessage], options: Sequence[str]) -> list[float]:
        """The model's next-token probabilities of ``options`` after ``messages``, normalised over
        them (each option is read as its first token: give options that start differently). One
        prompt read, no sampling: the YES/NO judgements and the render style's pick."""
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        import numpy as np

        with self._lock:
            llama = self._load_locked()
            if self._formatter is None:  # compiled once: judgements run several times per answer
                template = llama.metadata.get("tokenizer.chat_template")
                if not template:
                    raise LLMUnavailableError(f"{self.model_path} has no chat template", _FALLBACK_HINT)
                eos = llama.detokenize([llama.token_eos()], special=True).decode("utf-8", "replace")
                self._formatter = (Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=""),
                                   Jinja2ChatFormatter(template=template, eos_token=eos, bos_token="",
                                                       add_generation_prompt=False))
            full, opening = self._formatter
            roles = [_role_dict(m) for m in messages]
            tokens = llama.tokenize(full(messages=roles).prompt.encode("utf-8"), add_bos=False, special=True)
            # Earlier turns (worked examples) are the same for every claim: their state is kept aside.
            head = llama.tokenize(opening(messages=roles[:-1]).prompt.encode("utf-8"), add_bos=False,
                                  special=True) if len(roles) > 2 else []
            ids = [llama.tokenize(w.encode(), add_bos=False, special=False)[0] for w in options]
            self._prefixes.read(llama, tokens, len(head) if tokens[:len(head)] == head else 0)
            # llama-cpp-python keeps logits only for logprobs (logits_all); the last row is read directly.
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llama.ctx, -1), shape=(llama.n_vocab(),))
            chosen = logits[ids].astype(np.float64)
        odds = np.exp(chosen - chosen.max())
        return [float(x) for x in odds / odds.sum()]


def _label(settings: Settings, argument: str) -> str:
    name = (settings.local_model_path.name if settings.local_model_path is not None
            else BUNDLED_MODELS[settings.local_model].name)
    return f"local: {name} (llama.cpp)"


@register("chat_model", "local", "in-process GGUF via llama-cpp-python (the bundled "
          "Qwen2.5-Coder-1.5B-Instruct by default)", label=_label)
def local_chat_model(settings: Settings, argument: str = "") -> BaseChatModel:
    """The local GGUF loaded now: the bundled model (assembled on first use) or ``local_model_path``."""
    try:  # before assembling a gigabyte for a model that could not run anyway
        importlib.import_module("llama_cpp")
    except ImportError as exc:
        raise LLMUnavailableError("llama-cpp-python is not installed", _LLAMA_HINT) from exc
    path = ensure_local_model(settings)
    return ChatLlamaCpp(model_path=str(path), n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                        max_tokens=settings.max_tokens, temperature=settings.temperature).load()
