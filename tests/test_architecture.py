"""The seams of the pipeline: parts passed in, the question read once, scores that say what they are,
one home per language, one list of backends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
import re

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
import pytest

from rag import languages
from rag.cli import build_parser
from rag.core.settings import Settings
from rag.core.types import Filters, Hit, Query
from rag.factory import build_pipeline
from rag.languages.base import DATE_SPANS, REPLY_KEYS
from rag.models.chat import llm_names
from rag.pipeline import AnsweringPipeline, Pipeline
from rag.query.question import analyse
from rag.retrieve.gate import Reranker
from rag.verify.verifier import Verdict, Verifier


class ConstantReranker(Reranker):
    """Scores every passage the same, with its own gate threshold."""

    def __init__(self, score: float, threshold: float) -> None:
        self.score, self.min_relevance, self.margin = score, threshold, 0.1

    def rerank(self, query: Query, hits: list[Hit]) -> list[Hit]:
        return [replace(h, relevance=self.score) for h in hits]


class Judge(Verifier):
    """Accepts or rejects every claim, recording what it was asked."""

    def __init__(self, verdict: bool) -> None:
        self.verdict, self.asked = verdict, []

    def verify(self, claim: str, passages: Sequence[str]) -> Verdict:
        self.asked.append((claim, tuple(passages)))
        return Verdict(self.verdict, 1.0 if self.verdict else 0.0, "test")


def chat(reply: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=reply)] * 5))


def test_the_gate_reads_a_rerankers_scores_with_the_rerankers_threshold(index_settings: Settings) -> None:
    question = "Why did Iran attack Israel?"
    plain = build_pipeline(index_settings)
    assert not plain.ask(question).abstained
    hits = plain.retrieve(question)
    assert all(h.relevance is None and h.gate_score == h.similarity for h in hits)
    # A reranker scoring 0.3 passes its own 0.2 gate although 0.3 is far below min_relevance (0.8) ...
    low_but_calibrated = build_pipeline(index_settings, reranker=ConstantReranker(0.3, 0.2))
    answer = low_but_calibrated.ask(question)
    assert not answer.abstained and answer.to_dict()["passages"][0]["relevance"] == 0.3
    # ... and the same scores under a stricter reranker threshold make the pipeline decline.
    assert build_pipeline(index_settings, reranker=ConstantReranker(0.3, 0.5)).ask(question).abstained


def test_a_verifier_decides_whether_the_repair_may_add_a_citation(index_settings: Settings) -> None:
    s = index_settings.model_copy(update={"llm": "local", "answer_style": "synthesis"})
    # The model forgets to cite a sentence that passage [1] states: the repair would cite it ...
    reply = "Catania airport closed for the afternoon after Mount Etna erupted."
    question = "What happened at Catania airport?"
    accepting, rejecting = Judge(True), Judge(False)
    cited = build_pipeline(s, chat_model=chat(reply), verifier=accepting).ask(question)
    assert cited.citations and cited.citations[0].article_id == "t-volcano" and accepting.asked
    assert "Catania airport closed" in accepting.asked[0][1][0]  # judged against the passage it would cite
    assert [x.state for x in cited.sentences] == ["verified"] and not cited.quoted_fallback
    # ... unless the verifier rejects the claim: shown marked and uncited ("mark") ...
    marked = build_pipeline(s.model_copy(update={"rejected_sentences": "mark"}), chat_model=chat(reply),
                            verifier=rejecting).ask(question)
    assert not marked.citations and "[" not in marked.text and rejecting.asked
    assert [(x.state, x.shown) for x in marked.sentences] == [("rejected", True)]
    # ... or dropped (the default), and then the reply quotes the sources, saying so.
    dropped = build_pipeline(s, chat_model=chat(reply), verifier=rejecting).ask(question)
    assert dropped.quoted_fallback and dropped.text.startswith("No sentence written for this answer")
    assert reply not in dropped.text and dropped.sentences[0].shown is False
    assert {x.state for x in dropped.sentences[1:]} == {"quoted"}


def test_the_question_is_analysed_once_into_a_query() -> None:
    q = analyse("Quel volcan est entré en éruption cette semaine en Italie ?", as_of="2025-06-05")
    assert q.language == "fr" and q.is_question and not q.is_lookup and q.rewritten is None
    assert q.window is not None and q.window.phrase == "cette semaine" and q.window.end == "2025-06-05"
    assert q.names == ("Italie",)
    statement = analyse("The defendant is expected to appear before Belfast Magistrates' Court on Monday.",
                        as_of="2025-06-05")
    assert statement.is_lookup and statement.window is None and "Belfast Magistrates' Court" in statement.names
    follow = analyse("And what did the G7 say?", history=[("Why did Iran attack Israel?", "Because …")])
    assert follow.rewritten and "Iran" in follow.searched and follow.text == "And what did the G7 say?"


def test_both_pipelines_offer_the_same_interface(index_settings: Settings) -> None:
    project = build_pipeline(index_settings)
    assert isinstance(project, Pipeline) and isinstance(project, AnsweringPipeline)
    ranking = project.ranking("Why did Iran attack Israel?", Filters(), depth=10)
    assert ranking[:len(project.retrieve("Why did Iran attack Israel?"))] == project.retrieve(
        "Why did Iran attack Israel?")
    assert project.context(ranking) and project.reads(ranking[0]).startswith(ranking[0].title)


@pytest.mark.parametrize("code", sorted(languages.LANGUAGES))
def test_every_language_module_is_complete(code: str) -> None:
    lang = languages.LANGUAGES[code]
    assert set(REPLY_KEYS) <= set(lang.replies), f"{code}: missing replies {set(REPLY_KEYS) - set(lang.replies)}"
    assert set(lang.relative_dates) <= set(DATE_SPANS) and lang.question_words and lang.stopwords
    for pattern in (*lang.question_words, *lang.connectives, *lang.not_referring, *lang.dont_know,
                    *(p for ps in lang.relative_dates.values() for p in ps)):
        re.compile(pattern)
    assert languages.language_name(code) == lang.name


def test_languages_are_discovered_and_unknown_ones_fall_back_to_english() -> None:
    assert {"en", "fr", "id"} <= set(languages.LANGUAGES) and next(iter(languages.LANGUAGES)) == "en"
    assert languages.reply("de", "abstain") == languages.LANGUAGES["en"].replies["abstain"]
    assert languages.language_name("de") == "German"  # answerable in, though it has no module
    assert "pourquoi" in languages.stopwords() and "apres" in languages.stopwords()  # folded forms too


def test_every_shell_offers_the_backends_of_one_list() -> None:
    ask = build_parser()._subparsers._group_actions[0].choices["ask"]  # type: ignore[union-attr]
    llm = next(a for a in ask._actions if a.dest == "llm")
    assert tuple(llm.choices) == llm_names() == ("local", "openai", "extractive")
    assert Settings(llm="extractive").llm == "extractive"
    with pytest.raises(ValueError):
        Settings(llm="gpt")  # type: ignore[arg-type]
