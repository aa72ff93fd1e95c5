"""The real bundled local LLM answering the seed question from the sample archive (slow: ~30 s)."""

from __future__ import annotations

import pytest

from rag.factory import build_pipeline
from rag.settings import Settings

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.llm


def test_local_llm_answers_the_seed_question_citing_the_sample(index_settings: Settings) -> None:
    settings = index_settings.model_copy(update={"llm": "local", "temperature": 0.0, "max_tokens": 160})
    answer = build_pipeline(settings).ask("Why did Iran attack Israel?")
    assert not answer.abstained, answer.text
    assert answer.language == "en"
    cited_titles = {c.title for c in answer.citations}
    assert any(t.startswith("Joe Biden soutient") for t in cited_titles), answer.text
    # The reason is the strike on Iran's embassy compound in Damascus.
    assert any(word in answer.text.lower() for word in ("damascus", "damas", "embassy", "ambassade")), answer.text
    assert answer.timings["generation"] > 0
