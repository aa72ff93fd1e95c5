"""The decision to answer reads more than the judge's YES/NO probability: below the judge's threshold,
down to ``min_answerable_picked``, a question is still answered when the model copies an answering phrase
from a sentence on the question's subject; a phrase that only repeats the question's name, one from a
sentence about something else, or a judge below the floor still declines."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from conftest import SYNTHETIC, write_jsonl
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
import pytest

from rag.answer.pick import echoes, on_subject
from rag.core.settings import Settings
from rag.core.types import Answer
from rag.factory import build_pipeline
from rag.index.indexer import reindex


class DoubtingJudge(GenericFakeChatModel):
    """A chat model whose YES/NO judge gives ``p_yes`` and whose every other reply is the next message."""

    p_yes: float = 0.45

    def option_probabilities(self, messages: Sequence[BaseMessage], options: Sequence[str]) -> list[float]:
        return [self.p_yes, 1 - self.p_yes][:len(options)]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    d = tmp_path_factory.mktemp("decision")
    write_jsonl(d / "a.jsonl", SYNTHETIC[:2])
    s = Settings(index_dir=d / "index", llm="local", answer_style="render", min_answerable=0.6,
                 min_answerable_picked=0.3, verify_answers=False)
    report = reindex(s, [d / "a.jsonl"])
    assert report.added == 2 and not report.errors
    return s


def _ask(settings: Settings, question: str, p_yes: float, phrase: str, tmp: Path) -> Answer:
    model = DoubtingJudge(messages=iter([AIMessage(content=phrase)] * 8), p_yes=p_yes)
    return build_pipeline(settings, chat_model=model).ask(question)


def test_a_doubted_question_is_answered_with_the_phrase_copied_from_a_sentence_on_its_subject(
        settings: Settings, tmp_path: Path) -> None:
    answer = _ask(settings, "Which airport did the Etna eruption close?", 0.45, "Catania airport", tmp_path)
    assert not answer.abstained
    assert answer.direct is not None and answer.direct.text == "Catania airport"
    assert answer.answerability == pytest.approx(0.45)


def test_below_the_floor_the_judge_declines_whatever_the_model_copies(settings: Settings, tmp_path: Path) -> None:
    answer = _ask(settings, "Which airport did the Etna eruption close?", 0.2, "Catania airport", tmp_path)
    assert answer.abstained and answer.direct is None


def test_a_phrase_repeating_the_questions_name_or_copied_off_the_subject_declines(
        settings: Settings, tmp_path: Path) -> None:
    # "Etna" only repeats the question's name: no answer was copied.
    assert _ask(settings, "Which airport did the Etna eruption close?", 0.45, "Mount Etna", tmp_path).abstained
    # The budget sentence holds the phrase but not the question's name.
    assert _ask(settings, "How much will Etna cost Sicily?", 0.45, "30 milliards d'euros", tmp_path).abstained


def test_the_judge_alone_decides_by_default(tmp_path: Path, settings: Settings) -> None:
    plain = settings.model_copy(update={"min_answerable_picked": 1.0})
    assert _ask(plain, "Which airport did the Etna eruption close?", 0.45, "Catania airport", tmp_path).abstained


def test_echoes_and_subjects_in_three_languages() -> None:
    assert echoes("Joe Biden", "Whom did Biden speak to by phone?")
    assert echoes("Iran", "Who condemned Iran's drone attack on Israel?")
    assert not echoes("G7", "Quels dirigeants Biden veut-il rassembler ?")
    assert not echoes("Le président américain Joe Biden", "Siapa yang mengutuk serangan Iran?")
    seed = "Téhéran a promis de répondre à une attaque israélienne contre le complexe ambassade iranien à Damas."
    assert on_subject(seed, "Why did Iran attack Israel?", ["Iran", "Israel"])
    assert on_subject(seed, "Mengapa Iran menyerang Israel?", ["Iran", "Israel"])
    assert not on_subject("Le Parlement a adopté le budget.", "Why did Iran attack Israel?", ["Iran", "Israel"])
    assert on_subject("Catania airport closed for the afternoon.", "which airport closed after the eruption?", [])
    assert not on_subject("Catania airport closed.", "what did volcanologists say?", [])


def test_a_why_answer_without_a_stated_cause_says_so_and_one_with_a_cause_does_not(
        settings: Settings, tmp_path: Path) -> None:
    no_cause = _ask(settings, "Why did Catania airport close?", 0.9, "NONE", tmp_path)
    assert not no_cause.abstained and no_cause.text.startswith("The sources found describe the event, but none")
    # A phrase the model copied is its answer to the why: no note contradicts it.
    copied = _ask(settings, "Why did Catania airport close?", 0.9, "ash several kilometres high", tmp_path)
    assert copied.direct is not None and "none of their sentences" not in copied.text
    cause = _ask(settings, "Pourquoi le Parlement a-t-il adopté le budget ?", 0.9, "NONE", tmp_path)
    assert not cause.abstained and "aucune de leurs phrases" in cause.text  # the budget states no cause either
    d = tmp_path / "cause"
    d.mkdir()
    write_jsonl(d / "a.jsonl", [{**SYNTHETIC[0], "text": SYNTHETIC[0]["text"].replace(
        "Catania airport closed for the afternoon.",
        "Catania airport closed for the afternoon because ash covered its runway.")}])
    with_cause = settings.model_copy(update={"index_dir": d / "index"})
    reindex(with_cause, [d / "a.jsonl"])
    answer = _ask(with_cause, "Why did Catania airport close?", 0.9, "NONE", tmp_path)
    assert "none of their sentences" not in answer.text
    assert answer.direct is not None and answer.direct.text == "because ash covered its runway"


def test_a_name_copied_as_the_answer_gets_no_translation_beside_it() -> None:
    from rag.answer.pick import is_name
    assert is_name("Joe Biden") and is_name("G7") and is_name("Maison Blanche")
    assert not is_name("samedi soir") and not is_name("la Maison Blanche") and not is_name("")


def test_a_denied_cause_is_no_cause_in_three_languages() -> None:
    from rag.answer.pick import reason_clause
    assert reason_clause("The coach wasn’t fired because of the team’s dismal record.") is None
    assert reason_clause("The coach was fired because of the team’s dismal record.") == \
        "because of the team’s dismal record"
    assert reason_clause("Le vol n’a pas été annulé en raison de la grève des contrôleurs.") is None
    assert reason_clause("Iran tidak menyerang sebagai balasan atas serangan itu.") is None
    assert reason_clause("Iran menyerang Israel sebagai balasan atas serangan di Damaskus.") == \
        "sebagai balasan atas serangan di Damaskus"

