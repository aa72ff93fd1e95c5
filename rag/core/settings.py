"""The one typed Settings object; the only reader of the environment (prefix ``NEWSRAG_``).

Every field can be set as an environment variable (``NEWSRAG_LLM=openai``) or in a ``.env`` file, and
command-line flags override them. Settings are passed down explicitly, never read from globals. The
fields are declared in groups (``rag.core.setting_groups``: fetch, index, retrieval, answer, verify,
llm, ui); ``Settings`` merges them, and ``groups`` lists them for ``python -m rag settings``.
"""

from __future__ import annotations

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.core.setting_groups import (
    AnswerSettings,
    FetchSettings,
    IndexSettings,
    LLMSettings,
    RetrievalSettings,
    UiSettings,
    VerifySettings,
)

#: The groups in the order they are listed, each with its name.
GROUPS: dict[str, type[BaseModel]] = {"fetch": FetchSettings, "index": IndexSettings, "retrieval": RetrievalSettings,
          "answer": AnswerSettings, "verify": VerifySettings, "llm": LLMSettings, "ui": UiSettings}


class Settings(BaseSettings, UiSettings, LLMSettings, VerifySettings, AnswerSettings, RetrievalSettings,
               IndexSettings, FetchSettings):
    """Configuration of fetching, indexing, retrieval, answering, verification, the LLM and the UI."""

    model_config = SettingsConfigDict(env_prefix="NEWSRAG_", env_file=".env", extra="ignore", frozen=True)


def groups() -> dict[str, list[str]]:
    """Every setting's field name, by group, in the order each group declares them."""
    return {name: list(group.model_fields) for name, group in GROUPS.items()}


def is_experimental(name: str) -> bool:
    """Whether the setting ``name`` is marked experimental (off by default after measurement, or not
    calibrated offline)."""
    extra = Settings.model_fields[name].json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("experimental"))
