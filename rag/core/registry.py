"""Backends found by name: embedders, chat models, verifiers and rerankers, in one registry.

A backend is a factory registered under a kind and a name::

    @register("chat_model", "local", "in-process GGUF via llama-cpp-python")
    def local(settings: Settings, argument: str) -> BaseChatModel: ...

Settings name the backend to use (``NEWSRAG_EMBEDDER``, ``NEWSRAG_LLM``, ``NEWSRAG_VERIFIER``,
``NEWSRAG_RERANKER``), as ``name`` or ``name:argument`` (``nli:<model>``); ``resolve`` finds it and
``rag.factory`` calls it. What each kind's factory takes and returns:

============  ==============================================================  =====================
kind          factory                                                         returns
============  ==============================================================  =====================
embedder      ``(settings, argument)``                                        ``Embedder``
chat_model    ``(settings, argument)``                                        ``BaseChatModel``
verifier      ``(settings, argument, chat_model=Callable[[], BaseChatModel])``  ``Verifier``
reranker      ``(settings, argument)``                                        ``Reranker``
============  ==============================================================  =====================

The built-in backends are modules of ``rag.models``, ``rag.verify`` and ``rag.retrieve`` that register
themselves when imported; ``discover`` imports every module of those packages, then the modules
other packages name in the ``newsrag.backends`` entry-point group. Adding a backend is one new file
in one of those packages (or one entry point in another package), and no edit elsewhere.

The registry sits in ``rag.core`` and imports the packages that fill it by name, at run time: it
depends on no stage, and every stage may register.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import importlib
from importlib.metadata import entry_points
import pkgutil
import threading
from typing import Any, get_args, Literal, TYPE_CHECKING, TypeVar

from rag.core.errors import NewsragError

if TYPE_CHECKING:
    from rag.core.settings import Settings

Kind = Literal["embedder", "chat_model", "verifier", "reranker"]
KINDS: tuple[str, ...] = get_args(Kind)

#: The setting that names each kind's backend, for messages.
SETTING = {"embedder": "NEWSRAG_EMBEDDER", "chat_model": "NEWSRAG_LLM", "verifier": "NEWSRAG_VERIFIER",
           "reranker": "NEWSRAG_RERANKER"}
#: Packages whose modules register the built-in backends.
BUILTIN_PACKAGES = ("rag.models", "rag.verify", "rag.retrieve")
#: The entry-point group through which other packages add backends (each entry point names a module).
ENTRY_POINTS = "newsrag.backends"

F = TypeVar("F", bound=Callable[..., Any])


class UnknownBackendError(NewsragError, ValueError):
    """A setting names a backend nobody registered (also a ``ValueError``, so settings validation
    reports it as a bad value)."""


@dataclass(frozen=True)
class Backend:
    """One registered backend: ``factory`` builds it (see the module docstring for its arguments).

    ``argument`` describes what follows ``name:`` when the backend needs it (a model name, say);
    ``fallback`` marks the backend that takes any spec no other name matches, as its argument (the
    sentence-transformers embedder takes any hub name or directory); ``label`` describes a configured
    instance in one line (the UI header, reports)."""

    kind: str
    name: str
    factory: Callable[..., Any]
    description: str
    argument: str = ""
    fallback: bool = False
    label: Callable[[Settings, str], str] | None = None

    def describe(self, settings: Settings, argument: str = "") -> str:
        """A one-line label of this backend as ``settings`` configure it."""
        return self.label(settings, argument) if self.label else f"{self.name}{':' + argument if argument else ''}"


_backends: dict[str, dict[str, Backend]] = {kind: {} for kind in KINDS}
_discovered = False
_lock = threading.RLock()


def register(kind: Kind, name: str, description: str, *, argument: str = "", fallback: bool = False,
             label: Callable[[Settings, str], str] | None = None) -> Callable[[F], F]:
    """Register the decorated factory as the ``kind`` backend called ``name`` (a later registration
    of the same name replaces it: a plugin may override a built-in)."""
    table = _backends.get(kind)
    if table is None:
        raise ValueError(f"unknown backend kind {kind!r}: one of {', '.join(KINDS)}")

    def decorate(factory: F) -> F:
        with _lock:
            table[name] = Backend(kind, name, factory, description, argument, fallback, label)
        return factory

    return decorate


def unregister(kind: Kind, name: str) -> None:
    """Forget the ``kind`` backend called ``name`` (a test's, or a plugin's being unloaded)."""
    with _lock:
        _backends[kind].pop(name, None)


def discover() -> None:
    """Import the modules that register backends, once per process: every module of the built-in
    packages, then the entry points of ``newsrag.backends``."""
    global _discovered
    with _lock:
        if _discovered:
            return
        for package in BUILTIN_PACKAGES:
            for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
                importlib.import_module(f"{package}.{info.name}")
        for point in entry_points(group=ENTRY_POINTS):
            try:
                point.load()
            except Exception as exc:
                raise NewsragError(f"The newsrag backend plugin {point.name!r} ({point.value}) failed to load: {exc}",
                                   hint=f"fix or uninstall the package that provides it ({point.value})") from exc
        _discovered = True


def backends(kind: Kind) -> dict[str, Backend]:
    """The registered backends of ``kind``, by name."""
    discover()
    return dict(_backends[kind])


def names(kind: Kind) -> tuple[str, ...]:
    """The names of the registered backends of ``kind``, in registration order."""
    return tuple(backends(kind))


def resolve(kind: Kind, spec: str) -> tuple[Backend, str]:
    """The backend a setting's value names and its argument: ``name``, ``name:argument``, or any
    value the kind's fallback backend takes. Raises ``UnknownBackendError`` naming the known ones."""
    known = backends(kind)
    spec = spec.strip()
    name, _, argument = spec.partition(":")
    backend = known.get(name) or known.get(spec)
    if backend is not None and backend.name == spec:
        argument = ""
    if backend is None:
        fallback = next((b for b in known.values() if b.fallback), None)
        if fallback is None or not spec:
            raise UnknownBackendError(f"{SETTING[kind]}: no {kind.replace('_', ' ')} called {spec!r}",
                                      hint=f"use one of: {help_text(kind)}")
        return fallback, spec
    if backend.argument and not argument.strip():
        raise UnknownBackendError(f"{SETTING[kind]}: {name!r} needs an argument, {name}:<{backend.argument}>",
                                  hint=f"e.g. {SETTING[kind]}={name}:<{backend.argument}>")
    return backend, argument.strip()


def help_text(kind: Kind) -> str:
    """``name: description`` of every backend of ``kind``, for help texts and errors."""
    return "; ".join(f"{b.name}{':<' + b.argument + '>' if b.argument else ''}: {b.description}"
                     for b in backends(kind).values())
