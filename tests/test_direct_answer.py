"""The direct answer: the phrase the model copies, cut out of its source sentence word for word, shown
first; written prose opens with its first supported sentence as the direct answer."""

from __future__ import annotations

from conftest import SYNTHETIC, write_jsonl
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from rag.answer.pick import verbatim_span
from rag.answer.quoting import _direct
from rag.core.settings import Settings
from rag.core.types import Answer, AnswerSentence
from rag.factory import build_pipeline
from rag.index.indexer import reindex
from rag.retrieve.sentences import Sentence
from ui.render import answer_html

SENTENCE = "Téhéran a promis de répondre à une attaque israélienne contre l'ambassade à Damas la semaine dernière."


def test_the_phrase_is_cut_out_of_its_sentence_as_the_source_writes_it() -> None:
    assert verbatim_span("une attaque israelienne contre l'ambassade a DAMAS", SENTENCE) == \
        "une attaque israélienne contre l'ambassade à Damas"  # accents and case as the source has them
    # A word left out or one put in: the shortest run of the sentence holding them all, within 3 more words.
    assert verbatim_span("attaque israélienne à Damas", SENTENCE) == "attaque israélienne contre l'ambassade à Damas"
    assert verbatim_span("fined $2 million", "The regulator fined the airline $2 million for delays.") == \
        "fined the airline $2 million"
    assert verbatim_span("Eiffel Tower", SENTENCE) is None and verbatim_span("NONE", SENTENCE) is None
    assert verbatim_span("", SENTENCE) is None
    assert verbatim_span("attaque Damas", SENTENCE + " " * 3) is None  # scattered: 7 words apart


def test_a_phrase_covering_its_sentence_is_the_sentence() -> None:
    s = Sentence(2, 0, "Etna erupted on Monday.", 0.9)
    assert _direct(s, "Etna erupted on Monday") is s
    part = _direct(s, "on Monday")
    assert part is not None and (part.n, part.text) == (2, "on Monday")
    assert _direct(s, "") is None


def test_written_prose_opens_with_its_first_supported_sentence_as_the_direct_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]


    write_jsonl(tmp_path / "a.jsonl", SYNTHETIC[:1])
    settings = Settings(index_dir=tmp_path / "index", llm="local", answer_style="synthesis", verify_answers=False)
    reindex(settings, [tmp_path / "a.jsonl"])
    reply = "Catania airport closed for the afternoon [1]. Mount Etna in Sicily erupted on Monday [1]."
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply)] * 3))
    answer = build_pipeline(settings, chat_model=model).ask("What happened at Catania airport?")
    assert answer.direct is not None and answer.direct.text == "Catania airport closed for the afternoon."
    assert [s.role for s in answer.sentences] == ["answer", "support"]
    assert answer.text.startswith("Catania airport closed for the afternoon [1].\n\nMount Etna")


def test_the_chat_shows_the_direct_answer_first_and_its_support_apart() -> None:
    answer = Answer(question="q", text="t", sentences=(
        AnswerSentence("à Damas", (1,), "quoted", 1.0, "phrase", role="answer"),
        AnswerSentence("Téhéran a promis de répondre à Damas.", (1,), "quoted", 1.0, "words", role="support")))
    html = answer_html(1, answer)
    assert html.index('class="direct-answer"') < html.index("à Damas") < html.index('class="support"') \
        < html.index("Téhéran")


def test_a_why_questions_direct_answer_is_the_clause_stating_the_cause_in_three_languages() -> None:
    from rag.answer.pick import asks_why, best_reason, reason_clause

    # Mid-sentence, set off by dashes, commas or a relative clause, as wire copy writes it.
    assert reason_clause("Iran launched the strikes on Saturday — in retaliation for an Israeli strike on its embassy "
                         "compound in Damascus — and called the matter concluded.") == \
        "in retaliation for an Israeli strike on its embassy compound in Damascus"
    assert reason_clause("Téhéran a promis de répondre à une attaque israélienne contre l'ambassade à Damas qui a tué "
                         "un commandant.") == "répondre à une attaque israélienne contre l'ambassade à Damas"
    assert reason_clause("Iran menyerang Israel sebagai balasan atas serangan terhadap kedutaan besarnya di Damaskus, "
                         "kata pejabat.") == "sebagai balasan atas serangan terhadap kedutaan besarnya di Damaskus"
    # A connective opening too short a clause, or none: no cause stated.
    assert reason_clause("Une intervention en réponse qui a augmenté la menace.") is None
    assert reason_clause("Iran launched drones and missiles at Israel on Saturday night.") is None
    event = Sentence(1, 0, "Iran launched drones and missiles at Israel on Saturday night.", 0.9)
    cause = Sentence(2, 3, "The attack came in response to a strike on the Iranian consulate in Damascus.", 0.8)
    assert best_reason([event, cause]) == (cause, "in response to a strike on the Iranian consulate in Damascus")
    assert asks_why("Pourquoi l'Iran a-t-il attaqué Israël ?") and asks_why("Mengapa Iran menyerang Israel?")
    assert not asks_why("Who condemned the attack?")
