"""Follow-up questions (rag.query.conversation, Pipeline history) and the feedback log (rag.index.feedback)."""

from __future__ import annotations

import json
from pathlib import Path
import sys

import pytest

from rag.core.events import Retrieved
from rag.core.settings import Settings
from rag.core.types import Answer, Filters
from rag.factory import build_pipeline
from rag.index.feedback import FeedbackStore
from rag.query.conversation import deterministic_rewrite, key_terms, refers_back, rewrite_followup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from openai_stub import serve  # noqa: E402

FOLLOW_UPS = {
    "en": ["and what did the G7 say?", "What did they say?", "Why?", "What about Lebanon?", "How many people died?",
           "Tell me more", "What did she announce after that?"],
    "fr": ["Et le G7 ?", "Qu'a-t-il dit ?", "Et pour la France ?", "Qu'en pense-t-elle ?", "Combien de morts ?",
           "Pourquoi ont-ils attaqué ?"],
    "id": ["Dan bagaimana dengan G7?", "Apa kata mereka?", "Apa penyebabnya?", "Bagaimana dengan Surabaya?",
           "Kapan itu terjadi?"],
}
STANDALONE = {
    "en": ["Why did Iran attack Israel?", "What happened this week in Jakarta?", "Is it true that Etna erupted?",
           "Who won the election in France in 2024?", "What did the European Union decide about tariffs?"],
    "fr": ["Que s'est-il passé au Parlement jeudi ?", "Pourquoi l'Iran a-t-il attaqué Israël ?",
           "Quel est le budget de la France pour 2025 ?", "Y a-t-il eu des victimes à Catane ?"],
    "id": ["Mengapa banjir melanda Jakarta Utara?", "Siapa presiden Indonesia tahun ini?",
           "Berapa warga Jakarta yang mengungsi minggu ini?"],
}


@pytest.mark.parametrize("lang", sorted(FOLLOW_UPS))
def test_follow_ups_refer_back(lang: str) -> None:
    assert [q for q in FOLLOW_UPS[lang] if not refers_back(q)] == []


@pytest.mark.parametrize("lang", sorted(STANDALONE))
def test_standalone_questions_do_not(lang: str) -> None:
    assert [q for q in STANDALONE[lang] if refers_back(q)] == []


def test_deterministic_rewrite_keeps_the_follow_up_and_adds_context() -> None:
    assert deterministic_rewrite("and what did the G7 say?", "Why did Iran attack Israel?") == \
        "What did the G7 say — Iran attack Israel?"
    assert deterministic_rewrite("Et le G7 ?", "Pourquoi l'Iran a-t-il attaqué Israël ?") == \
        "Le G7 — Iran attaqué Israël?"
    assert key_terms("Mengapa banjir melanda Jakarta Utara?") == ["banjir", "melanda", "Jakarta", "Utara"]
    history = [("Why did Iran attack Israel?", "Because […] [1].")]
    assert rewrite_followup("Why did Iran attack Israel?", history) is None  # stands alone
    assert rewrite_followup("and what did the G7 say?", []) is None  # nothing to refer back to


def test_llm_rewrite_uses_a_short_prompt_and_falls_back() -> None:
    history = [("Why did Iran attack Israel?", "In response to the strike on its embassy [1].")]
    with serve() as stub:
        from rag.models.chat import make_chat_model

        model = make_chat_model(Settings(llm="openai", openai_base_url=stub.base_url, request_timeout=10))
        rewritten = rewrite_followup("and what did the G7 say?", history, lambda: model)
        assert rewritten == "What did the G7 say, about: Why did Iran attack Israel?"
        body = stub.requests[-1]["body"]
        assert "standalone question" in body["messages"][0]["content"] and body["stream"] is True
        assert "In response to the strike" in body["messages"][1]["content"] and body.get("stop") == ["\n\n"]

    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    echo = GenericFakeChatModel(messages=iter([AIMessage("What did the G7 say?")]))  # lost the context
    assert rewrite_followup("and what did the G7 say?", history, lambda: echo) == \
        "What did the G7 say — Iran attack Israel?"
    good = GenericFakeChatModel(messages=iter([AIMessage("What did the G7 say about Iran's attack on Israel?")]))
    assert rewrite_followup("and what did the G7 say?", history, lambda: good) == \
        "What did the G7 say about Iran's attack on Israel?"

    def broken() -> object:
        from rag.core.errors import LLMUnavailableError

        raise LLMUnavailableError("down", "start it")

    assert rewrite_followup("and what did the G7 say?", history, broken) == \
        "What did the G7 say — Iran attack Israel?"  # type: ignore[arg-type]


def test_pipeline_answers_a_follow_up_in_context(index_settings: Settings) -> None:
    pipeline = build_pipeline(index_settings)
    first = pipeline.ask("Why did Iran attack Israel?")
    alone = pipeline.ask("and what did the G7 say?")
    assert alone.rewritten_question is None
    events = list(pipeline.stream("and what did the G7 say?", Filters(), history=[(first.question, first.text)]))
    retrieved = next(e for e in events if isinstance(e, Retrieved))
    answer = events[-1].answer  # type: ignore[union-attr]
    assert retrieved.rewritten_question == answer.rewritten_question == "What did the G7 say — Iran attack Israel?"
    assert not answer.abstained and "G7" in answer.text and "rewrite" in answer.timings
    assert answer.to_dict()["rewritten_question"] == answer.rewritten_question
    again = pipeline.ask("Why did Iran attack Israel?", history=[(first.question, first.text)])
    assert again.rewritten_question is None  # a standalone question is never rewritten


def test_feedback_log(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    answer = Answer("q?", "a [1].", rewritten_question="q2?")
    store.record(answer, answer_id="a1", rating="up", filters=Filters(as_of="2025-01-01"),
                 settings=Settings(openai_api_key="secret-key"))  # type: ignore[arg-type]
    store.record(answer, answer_id="a1", rating="up", comment=" good ")
    store.record(answer, answer_id="a2", rating="down")
    (tmp_path / "feedback.jsonl").open("a").write('{"truncated": ')
    rows = store.read()
    assert len(rows) == 3 and rows[0]["filters"]["as_of"] == "2025-01-01"
    assert rows[0]["rewritten_question"] == "q2?" and "secret-key" not in json.dumps(rows)
    latest = store.latest()
    assert latest["a1"]["comment"] == "good" and latest["a2"]["rating"] == "down"
    with pytest.raises(ValueError):
        store.record(answer, answer_id="a3", rating="meh")  # type: ignore[arg-type]
