"""The real bundled local LLM answering the seed question from the sample archive, in English, French
and Indonesian (slow: ~30 s each)."""

from __future__ import annotations

import pytest

from rag.core.settings import Settings
from rag.factory import build_pipeline

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.llm

SEED_QUESTIONS = {
    "en": "Why did Iran attack Israel?",
    "fr": "Pourquoi l'Iran a-t-il attaqué Israël ?",
    "id": "Mengapa Iran menyerang Israel?",
}


@pytest.fixture(scope="module")
def local(index_settings: Settings) -> object:
    settings = index_settings.model_copy(update={"llm": "local", "temperature": 0.0})
    pipeline = build_pipeline(settings)
    pipeline.load()
    return pipeline


@pytest.mark.parametrize("language", sorted(SEED_QUESTIONS))
def test_local_llm_answers_the_seed_question_faithfully(local: object, language: str) -> None:
    answer = local.ask(SEED_QUESTIONS[language])  # type: ignore[attr-defined]
    assert not answer.abstained, answer.text
    assert answer.language == language
    assert any(c.title.startswith("Joe Biden soutient") for c in answer.citations), answer.text
    # The reason: the Israeli strike on Iran's embassy compound in Damascus (Damas, Damaskus).
    assert "damas" in answer.text.lower(), answer.text
    shown = [s for s in answer.sentences if s.shown]
    assert shown and all(s.citations for s in shown), answer.sentences
    # Every shown sentence is the source's own words, or was found stated by the source sentence(s)
    # it renders, or is a translation of one cited sentence shown as such with that sentence beside it;
    # nothing the model wrote is shown as if it were the source's.
    assert all(s.state in ("quoted", "verified") for s in shown), [(s.state, s.text) for s in shown]
    # A translation is a gloss beside the source's own words, never in their place.
    assert all(s.text == s.evidence for s in shown if s.translation and s.role != "answer")
    # The direct answer comes first: the cause clause, cut out of its source sentence word for word.
    direct = answer.direct
    assert direct is not None and shown[0] == direct and direct.text in direct.evidence, answer.text
    assert "damas" in direct.text.lower() and len(direct.text.split()) <= 25, direct
    if language == "fr":  # the sources are French: nothing to translate
        assert {s.state for s in shown} == {"quoted"}
    assert answer.timings["first_token"] > 0 and answer.answerability is not None


def test_the_verifiers_worked_examples_are_kept_read_across_other_prompts(local: object) -> None:
    from langchain_core.messages import HumanMessage, SystemMessage

    from rag.core.prompts import VERIFY_PROMPT
    from rag.models.chat import yes_probability
    from rag.verify.llm_verifier import verify_examples

    model = local.answerer.model()  # type: ignore[attr-defined]
    asked = [*verify_examples(), HumanMessage(VERIFY_PROMPT.format(
        passage="Israel struck the Iranian embassy compound in Damascus.", claim="Iran struck the embassy."))]
    first = yes_probability(model, asked)
    # Another prompt overwrites the context; the examples' state is put back rather than read again.
    model.bind(max_tokens=4).invoke([SystemMessage("Translate into French."), HumanMessage("The embassy.")])
    again = yes_probability(model, asked)
    assert len(model._prefixes._states) == 1
    model._prefixes.clear()
    model._llama.reset()
    fresh = yes_probability(model, asked)  # read from scratch
    assert again == pytest.approx(fresh, abs=0.02) and first == pytest.approx(fresh, abs=0.02)
    assert fresh < 0.5  # the reversed roles are caught
