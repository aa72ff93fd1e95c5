"""The answering backends, listed once: settings, the command lines, the UI and the scripts read this.

Adding a backend is adding it here and teaching ``rag.factory.make_answerer`` (and, for a chat model,
``rag.llm.make_chat_model``) to build it.
"""

from __future__ import annotations

from typing import get_args, Literal

#: What writes the answers.
LLMName = Literal["local", "openai", "extractive"]

#: The same names as a tuple, for ``argparse`` choices and messages.
LLM_BACKENDS: tuple[str, ...] = get_args(LLMName)

#: One line on each, for help texts.
DESCRIPTIONS: dict[str, str] = {
    "local": "in-process GGUF via llama-cpp-python (the bundled Qwen2.5-Coder-1.5B-Instruct by default)",
    "openai": "any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, OpenAI)",
    "extractive": "no LLM: the passage sentences closest to the question, each cited",
}

#: Backends that write with a chat model (the others need none loaded).
CHAT_BACKENDS: tuple[str, ...] = ("local", "openai")


def help_text() -> str:
    """``name: description`` of every backend, for ``--llm`` help."""
    return "; ".join(f"{name}: {DESCRIPTIONS[name]}" for name in LLM_BACKENDS)
