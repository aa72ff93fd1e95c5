"""Metrics of the scripted evaluation: retrieval ranks, answer matching, abstention, citation support,
latency percentiles, and their aggregation into one flat ``{metric: value}`` summary.

Every metric is one ``Metric`` record in ``METRICS`` (its name, direction, description, per-question
score where it has one, and aggregate); ``summarize``, the report, ``--min``/``--max`` and
``--compare`` all read that registry. Everything here is pure (no index, no LLM) except
``SupportJudge``, which embeds sentences. A metric that cannot be measured on a set of questions (no
gold, no answers, no citations) is ``None`` rather than 0, so "not measured" never reads as "bad" or
"good". Language knowledge (stopwords, "I don't know", articles) comes from ``rag.languages``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
import math
import re
from typing import Any

import numpy as np

from rag import languages
from rag.verify.citations import markers, split_answer_sentences
from rag.models.embedding import Embedder
from rag.core.types import Answer
from rag.eval.records import CitationCounts, Observation, QuestionResult, ScoreValue
from rag.languages import fold

__all__ = ["KS", "DEPTH", "Metric", "METRICS", "METRIC_NAMES", "metric", "score_question", "summarize", "by_type",
           "index_summary", "article_ranking", "hit_at", "reciprocal_rank", "normalise", "contains_answer",
           "choices_named", "is_correct", "answer_in_passages", "says_dont_know", "content_words",
           "lexical_overlap", "SupportJudge", "CitationCounts", "citation_counts", "percentile", "Threshold",
           "ThresholdError", "parse_threshold", "check_thresholds", "Delta", "compare_summaries", "metric_table",
           "LEXICAL_THRESHOLD", "SEMANTIC_THRESHOLD"]

#: Rank cut-offs of the retrieval and answer@k metrics.
KS = (1, 5, 10)
#: How many distinct articles the retrieval ranking is scored to (hit@10, MRR@10).
DEPTH = 10


# --- retrieval --------------------------------------------------------------------------------------

def article_ranking(article_ids: Iterable[str], depth: int = DEPTH) -> list[str]:
    """Article ids in rank order, each once (an article counts once however many of its chunks are
    retrieved), cut to ``depth``."""
    seen: dict[str, None] = {}
    for aid in article_ids:
        seen.setdefault(aid, None)
        if len(seen) == depth:
            break
    return list(seen)


def hit_at(ranking: Sequence[str], gold: Iterable[str], k: int) -> float | None:
    """1.0 when a gold article is among the first ``k`` of ``ranking`` (distinct ids), 0.0 when not,
    None when there is no gold to find."""
    gold = set(gold)
    if not gold:
        return None
    return 1.0 if gold.intersection(article_ranking(ranking, k)) else 0.0


def reciprocal_rank(ranking: Sequence[str], gold: Iterable[str], depth: int = DEPTH) -> float | None:
    """1/rank of the first gold article among the first ``depth`` distinct articles (0.0 when none),
    None when there is no gold."""
    gold = set(gold)
    if not gold:
        return None
    for rank, aid in enumerate(article_ranking(ranking, depth), 1):
        if aid in gold:
            return 1.0 / rank
    return 0.0


# --- answer matching --------------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "«": '"', "»": '"',
                         "–": "-", "—": "-", "\u00a0": " "})
#: The articles an accepted answer may open with, every language's, English first ("the|a|an|le|…").
_ARTICLES = "|".join(re.escape(a) for lang in languages.LANGUAGES.values() for a in lang.articles)
_LEADING_ARTICLE = re.compile(rf"^(?:{_ARTICLES})\s*", re.I)


def normalise(text: str) -> str:
    """Case-folded, accent-free, quote- and space-normalised text, for matching answers."""
    return re.sub(r"\s+", " ", fold(text.translate(_QUOTES)).casefold()).strip()


def _answer_pattern(answer: str) -> re.Pattern[str] | None:
    """Regex for an accepted answer: whole words, any spacing, a leading article optional."""
    core = _LEADING_ARTICLE.sub("", normalise(answer)).strip(" .")
    if not core:
        return None
    body = r"\s+".join(re.escape(part) for part in core.split())
    return re.compile(rf"(?<!\w)(?:(?:{_ARTICLES})\s*)?{body}(?!\w)")


def _spans(text: str, answer: str) -> list[tuple[int, int]]:
    pattern = _answer_pattern(answer)
    return [m.span() for m in pattern.finditer(text)] if pattern else []


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """True when ``text`` contains one of ``answers`` as whole words, case- and accent-insensitive
    (a leading "the"/"a"/"le"… of the accepted answer is optional)."""
    norm = normalise(text)
    return any(_spans(norm, a) for a in answers)


def _inside_another(span: tuple[int, int], i: int, spans: Mapping[int, list[tuple[int, int]]]) -> bool:
    """Whether ``span`` (of choice ``i``) lies strictly inside an occurrence of another choice."""
    s, e = span
    return any((a, b) != (s, e) and a <= s and e <= b for j, other in spans.items() if j != i for a, b in other)


def choices_named(text: str, choices: Sequence[str]) -> list[int]:
    """Indexes of the ``choices`` that ``text`` names. A choice only found inside the mention of a
    longer choice ("Etna" inside "Mount Etna") does not count as named."""
    norm = normalise(text)
    spans = {i: _spans(norm, c) for i, c in enumerate(choices)}
    return [i for i, own in spans.items() if any(not _inside_another(span, i, spans) for span in own)]


def is_correct(text: str, answers: Sequence[str], choices: Sequence[str] = (), abstained: bool = False
               ) -> bool | None:
    """Whether an answer is right: None when there are no accepted answers to check against, False
    when it declined. With ``choices``, it must name the right choice(s) and no other; without, it
    must contain an accepted answer."""
    if not answers:
        return None
    if abstained:
        return False
    accepted = {normalise(a) for a in answers}
    right = [i for i, c in enumerate(choices) if normalise(c) in accepted]
    if not right:  # accepted answers are keywords, not one of the choices: plain containment
        return contains_answer(text, answers)
    named = choices_named(text, choices)
    return bool(named) and set(named) <= set(right)


def answer_in_passages(passages: Sequence[str], answers: Sequence[str], k: int) -> float | None:
    """1.0 when an accepted answer occurs in one of the first ``k`` passages, None without answers."""
    if not answers:
        return None
    return 1.0 if any(contains_answer(p, answers) for p in passages[:k]) else 0.0


# How a free-form answer (the naive peer's) declines, in every language of ``rag.languages``; the
# project's pipeline says so explicitly (Answer.abstained).
_DONT_KNOW = languages.combined("dont_know", "{}")


def says_dont_know(text: str) -> bool:
    """True when a free-form answer declines ("I don't know", "je ne sais pas", "tidak tahu"…)."""
    return bool(_DONT_KNOW.search(text.translate(_QUOTES)))


# --- citations --------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.U)
_MARKER = re.compile(r"[\[【][^\]】]{0,20}[\]】]")


def content_words(text: str, stem: int = 6) -> set[str]:
    """Content words of ``text`` (markers, stopwords and words under 3 letters dropped; numbers kept),
    normalised and cut to their first ``stem`` letters so inflections meet ("attacked", "attack")."""
    stopwords = languages.stopwords()
    words = _WORD.findall(normalise(_MARKER.sub(" ", text)))
    return {w[:stem] for w in words if (len(w) >= 3 or w.isdigit()) and w not in stopwords}


def lexical_overlap(sentence: str, passage: str) -> float:
    """Share of the sentence's content words found in the passage (0 when it has none)."""
    s = content_words(sentence)
    return len(s & content_words(passage)) / len(s) if s else 0.0


#: Calibrated on hand-labelled pairs: the synthetic ones in tests/test_evaluation.py and cited sentences of
#: real local-LLM answers (see docs/research). Real answers reuse the passage's words in claims it
#: does not make, so word overlap only counts when nearly verbatim.
LEXICAL_THRESHOLD = 0.9
SEMANTIC_THRESHOLD = 0.86


class SupportJudge:
    """Decides whether a passage supports an answer sentence: lexical overlap of content words at least
    ``lexical`` OR the multilingual embedding cosine between the sentence (as a query) and the passage's
    closest sentence at least ``semantic`` (which catches paraphrases and other languages)."""

    def __init__(self, embedder: Embedder, lexical: float = LEXICAL_THRESHOLD,
                 semantic: float = SEMANTIC_THRESHOLD) -> None:
        self.embedder = embedder
        self.lexical = lexical
        self.semantic = semantic
        self._passages: dict[str, np.ndarray] = {}

    def _sentence_vectors(self, passage: str) -> np.ndarray:
        from rag.index.chunking import split_sentences

        if passage not in self._passages:
            if len(self._passages) > 2000:
                self._passages.clear()
            self._passages[passage] = self.embedder.embed_passages(split_sentences(passage) or [passage])
        return self._passages[passage]

    def _cosine(self, clean: str, passage: str) -> float:
        return float((self._sentence_vectors(passage) @ self.embedder.embed_query(clean)).max())

    def scores(self, sentence: str, passage: str) -> tuple[float, float]:
        """(lexical overlap, best cosine) of ``sentence`` against ``passage``."""
        clean = _MARKER.sub(" ", sentence).strip()
        lexical = lexical_overlap(clean, passage)
        return lexical, (self._cosine(clean, passage) if clean else 0.0)

    def supports(self, sentence: str, passage: str) -> bool:
        """Supported by word overlap, or else (only then embedding the sentence) by meaning."""
        clean = _MARKER.sub(" ", sentence).strip()
        if lexical_overlap(clean, passage) >= self.lexical:
            return True
        return bool(clean) and self._cosine(clean, passage) >= self.semantic


def citation_counts(raw: str, final: str, passages: Sequence[str], judge: SupportJudge | None) -> CitationCounts:
    """Count the raw answer's ``[n]`` markers and those within 1..len(passages); then, in the final
    (checked) answer, the cited sentences and those that a cited passage supports (any of them)."""
    raw_markers = markers(raw)
    valid = [n for n in raw_markers if 1 <= n <= len(passages)]
    cited = supported = 0
    for sentence in split_answer_sentences(final):
        ns = [n for n in markers(sentence) if 1 <= n <= len(passages)]
        if not ns:
            continue
        cited += 1
        if judge is not None and any(judge.supports(sentence, passages[n - 1]) for n in dict.fromkeys(ns)):
            supported += 1
    return CitationCounts(len(raw_markers), len(valid), cited, supported, cited > 0, bool(valid))


# --- aggregation helpers ----------------------------------------------------------------------------

Results = Sequence[QuestionResult]
#: A summary value computed from a set of question results.
Aggregate = Callable[[Results], float | int | None]
#: A per-question score computed from what the pipeline produced.
Score = Callable[[Observation], ScoreValue]


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The chance that a positive (``labels`` true) scores above a negative, ties counting half: how
    well a score separates, whatever threshold is later put on it (NaN without both kinds)."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100, linear interpolation), None for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else None


def _mean(values: Iterable[ScoreValue]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def _share(num: int, den: int) -> float | None:
    return num / den if den else None


def _mean_of(key: str) -> Aggregate:
    """Mean of the per-question score ``key`` over the questions where it was measured."""
    return lambda results: _mean(r.scores.get(key) for r in results)


def _abstained_share(answerable: bool) -> Aggregate:
    """Share of the answered questions (answerable or not) that were declined."""
    def aggregate(results: Results) -> float | None:
        group = [r for r in results if r.answered and r.answerable == answerable]
        return _share(sum(r.abstained for r in group), len(group))
    return aggregate


def _cited(results: Results) -> list[CitationCounts]:
    """Citation counts of the answers that did not decline, for pipelines that cite."""
    return [r.citation_counts for r in results if r.answered and not r.abstained and r.citation_counts is not None]


def _citation_share(part: str, whole: str) -> Aggregate:
    """Sum of count ``part`` over sum of count ``whole``, over the cited answers."""
    def aggregate(results: Results) -> float | None:
        cited = _cited(results)
        return _share(sum(getattr(c, part) for c in cited), sum(getattr(c, whole) for c in cited))
    return aggregate


def _uncited_share(flag: str) -> Aggregate:
    """Share of the answers that did not decline whose counts lack ``flag`` (or that have none)."""
    def aggregate(results: Results) -> float | None:
        kept = [r for r in results if r.answered and not r.abstained]
        return _share(sum(not (r.citation_counts is not None and getattr(r.citation_counts, flag)) for r in kept),
                      len(kept))
    return aggregate


#: Stages timed only where they ran: generation not for declines before generating, first token only for LLMs.
_STAGE_RAN = {"generation": "generated", "first_token": "llm_generated"}


def _latency(stage: str, q: int, answers_only: bool = False) -> Aggregate:
    """The ``q``-th percentile of the seconds ``stage`` took, over the questions where it ran (and,
    with ``answers_only``, that got an answer rather than a decline)."""
    ran = _STAGE_RAN.get(stage)

    def aggregate(results: Results) -> float | None:
        return percentile([r.timings[stage] for r in results
                           if stage in r.timings and (ran is None or getattr(r, ran))
                           and not (answers_only and (not r.answered or r.abstained))], q)
    return aggregate


def _tokens_per_second(results: Results) -> float | None:
    generated = [r for r in results if r.llm_generated]
    seconds = sum(r.timings.get("generation", 0.0) for r in generated)
    return sum(r.tokens for r in generated) / seconds if seconds > 0 else None


def _decode_tokens_per_second(results: Results) -> float | None:
    timed = [r for r in results if r.llm_generated and "first_token" in r.timings]
    writing = sum(r.timings["generation"] - r.timings["first_token"] for r in timed)
    return sum(r.tokens for r in timed) / writing if writing > 0 else None


# --- per-question scores ----------------------------------------------------------------------------

def _hit(k: int) -> Score:
    return lambda o: hit_at(o.ranking, o.question.gold_ids, k)


def _answer_at(k: int) -> Score:
    return lambda o: answer_in_passages(o.passages, o.question.answers, k)


def _rr(o: Observation) -> ScoreValue:
    return reciprocal_rank(o.ranking, o.question.gold_ids)


def _hit_context(o: Observation) -> ScoreValue:
    return hit_at(o.context, o.question.gold_ids, len(o.context) or 1)


def _correct(o: Observation) -> ScoreValue:
    a = o.answer
    return None if a is None else is_correct(a.text, o.question.answers, o.question.choices, a.abstained)


def _direct_text(a: Answer) -> str:
    """The answer's direct answer with its gloss; for an answer without one (the naive peer's prose, a
    render answer whose pick failed), its first sentence."""
    if a.direct is not None:
        return f"{a.direct.text} {a.direct.translation}".strip()
    return next(iter(split_answer_sentences(a.text)), "")


def _direct_correct(o: Observation) -> ScoreValue:
    """Whether the direct answer itself states an accepted answer: a quote further down holding the
    string (about another summit, another year) does not count."""
    a, q = o.answer, o.question
    if a is None or not q.answerable or not q.answers:
        return None
    return not a.abstained and is_correct(_direct_text(a), q.answers, q.choices)


def _direct_words(o: Observation) -> ScoreValue:
    a = o.answer
    return None if a is None or a.abstained else float(len(_direct_text(a).split()))


def _answer_words(o: Observation) -> ScoreValue:
    a = o.answer
    return None if a is None or a.abstained else float(len(a.text.split()))


def _median_of(key: str) -> Aggregate:
    """Median of the per-question score ``key`` over the questions where it was measured."""
    def aggregate(results: Results) -> float | None:
        values = sorted(v for r in results if (v := r.scores.get(key)) is not None)
        return percentile(values, 50) if values else None
    return aggregate


def _truthfulness(o: Observation) -> ScoreValue:
    """CRAG-style: +1 right, 0 declined, -1 wrong. For an unanswerable question the decline is the
    right answer and any answer is wrong; questions without an answer key (lookups) are not scored."""
    a, q = o.answer, o.question
    if a is None or (q.answerable and not q.answers):
        return None
    if not q.answerable:
        return 1.0 if a.abstained else -1.0
    if a.abstained:
        return 0.0
    return 1.0 if is_correct(a.text, q.answers, q.choices, a.abstained) else -1.0


# --- the registry -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    """One metric of the summary.

    ``aggregate`` computes its value from question results; a metric with a per-question ``score``
    records it in ``QuestionResult.scores`` under ``key`` (its name unless given) and aggregates it as
    the mean where measured; ``needs_answer`` scores exist only when an answer was asked for. An index
    metric (``index_stat``) is read from the index build instead. ``unit`` says how the report shows it
    ("share", "count", "seconds" or "rate").
    """

    name: str
    higher_is_better: bool
    description: str
    aggregate: Aggregate | None = None
    score: Score | None = None
    key: str = ""
    needs_answer: bool = False
    index_stat: str | None = None
    unit: str = "share"

    @property
    def score_key(self) -> str:
        return self.key or self.name


def _scored(name: str, description: str, score: Score, key: str = "", needs_answer: bool = False) -> Metric:
    """A metric that is the mean of a per-question score (higher is better)."""
    return Metric(name, True, description, _mean_of(key or name), score, key, needs_answer)


def _latency_metric(stage: str, q: int, description: str, answers_only: bool = False) -> Metric:
    name = f"answer_{stage}_p{q}" if answers_only else f"{stage}_p{q}"
    return Metric(name, False, description, _latency(stage, q, answers_only), unit="seconds")


#: Every metric of a summary, in report order.
METRICS: tuple[Metric, ...] = (
    Metric("questions", True, "questions evaluated", len, unit="count"),
    _scored("hit@1", "a gold article is the first retrieved article", _hit(1)),
    _scored("hit@5", "a gold article is among the first 5 distinct retrieved articles", _hit(5)),
    _scored("hit@10", "a gold article is among the first 10 distinct retrieved articles", _hit(10)),
    _scored("mrr@10", "mean of 1/rank of the first gold article (0 beyond rank 10)", _rr, key="rr"),
    _scored("hit@context", "a gold article is among the passages given to the answerer", _hit_context),
    _scored("answer@1", "an accepted answer string occurs in the top passage", _answer_at(1)),
    _scored("answer@5", "an accepted answer string occurs in the top 5 passages", _answer_at(5)),
    _scored("answer@10", "an accepted answer string occurs in the top 10 passages", _answer_at(10)),
    _scored("accuracy", "the answer contains an accepted answer (with choices: the right one and no other)",
            _correct, key="correct", needs_answer=True),
    _scored("direct_accuracy", "the direct answer itself (else the answer's first sentence) contains an accepted "
            "answer: a quote further down that holds the string does not count", _direct_correct,
            key="direct_correct", needs_answer=True),
    Metric("direct_words_p50", False, "median words of the direct answer (else of the answer's first sentence), "
           "over the answers given", _median_of("direct_words"), _direct_words, "direct_words", needs_answer=True,
           unit="count"),
    Metric("answer_words_p50", False, "median words of the whole reply, over the answers given",
           _median_of("answer_words"), _answer_words, "answer_words", needs_answer=True, unit="count"),
    _scored("truthfulness", "CRAG-style mean: +1 right answer, 0 decline, -1 wrong answer (answering an "
            "unanswerable question is wrong, declining it right); punishes confident errors",
            _truthfulness, needs_answer=True),
    Metric("abstention_correct", True, "share of unanswerable questions correctly declined", _abstained_share(False)),
    Metric("abstention_wrong", False, "share of answerable questions wrongly declined", _abstained_share(True)),
    Metric("citation_valid", True, "share of [n] markers in the raw answer that point to a given passage",
           _citation_share("valid_markers", "markers")),
    Metric("citation_supported", True, "share of cited sentences supported by a passage they cite",
           _citation_share("supported_sentences", "cited_sentences")),
    Metric("uncited_answers", False, "share of (non-declined) answers without any valid citation",
           _uncited_share("has_valid_citation")),
    Metric("model_uncited_answers", False, "the same before citation repair: the raw answer has no valid [n]",
           _uncited_share("raw_has_valid_citation")),
    _latency_metric("retrieval", 50, "retrieval seconds, median"),
    _latency_metric("retrieval", 95, "retrieval seconds, 95th percentile"),
    _latency_metric("first_token", 50, "seconds from passages to the first answer token, median (LLM only)"),
    _latency_metric("generation", 50, "answer generation seconds, median"),
    _latency_metric("generation", 95, "answer generation seconds, 95th percentile"),
    _latency_metric("total", 50, "seconds per question end to end, median"),
    _latency_metric("total", 95, "seconds per question end to end, 95th percentile"),
    # A quick decline pulls total_p50 down; a reader waits for an answer this long.
    _latency_metric("total", 50, "seconds end to end for questions answered (not declined), median", True),
    _latency_metric("total", 95, "seconds end to end for questions answered (not declined), 95th percentile", True),
    Metric("tokens_per_second", True, "answer tokens (cl100k count) / generation seconds (LLM only)",
           _tokens_per_second, unit="rate"),
    Metric("decode_tokens_per_second", True, "answer tokens / seconds after the first token (LLM writing speed)",
           _decode_tokens_per_second, unit="rate"),
    Metric("index_seconds", False, "index build time in seconds (whole archive)", index_stat="seconds",
           unit="seconds"),
    Metric("index_chunks", True, "chunks in the index", index_stat="chunks", unit="count"),
    Metric("index_chunks_per_second", True, "chunks embedded and stored per second while building",
           index_stat="chunks_per_second", unit="rate"),
)
METRIC_NAMES = tuple(m.name for m in METRICS)
_BY_NAME = {m.name: m for m in METRICS}


def metric(name: str) -> Metric | None:
    """The registered metric called ``name``, or None."""
    return _BY_NAME.get(name)


def score_question(observation: Observation) -> dict[str, ScoreValue]:
    """The per-question scores of what one pipeline produced, keyed by ``Metric.score_key`` (the answer
    scores only when it answered)."""
    answered = observation.answer is not None
    return {m.score_key: m.score(observation) for m in METRICS
            if m.score is not None and (answered or not m.needs_answer)}


def summarize(results: Results) -> dict[str, float | int | None]:
    """One flat summary of one pipeline's question results: every metric computed from them (the
    index metrics come from ``index_summary``)."""
    return {m.name: m.aggregate(results) for m in METRICS if m.aggregate is not None}


def by_type(results: Results) -> dict[str, dict[str, float | int | None]]:
    """``summarize`` per question type, types in order of first appearance."""
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        groups.setdefault(r.type or "untyped", []).append(r)
    return {t: summarize(rs) for t, rs in groups.items()}


def index_summary(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The index metrics of one pipeline, from its index build's ``stats``."""
    return {m.name: stats.get(m.index_stat) for m in METRICS if m.index_stat}


def metric_table() -> str:
    """Markdown list of the metrics and what they mean (for the report)."""
    return "\n".join(f"- `{m.name}`: {m.description}" for m in METRICS)


# --- thresholds and comparison -------------------------------------------------------------------

class ThresholdError(ValueError):
    """A ``--min``/``--max`` argument that cannot be parsed or names no metric."""


@dataclass(frozen=True)
class Threshold:
    """``[PIPELINE:]METRIC=VALUE``: a floor (``minimum``) or a ceiling on one summary value."""

    metric: str
    value: float
    minimum: bool = True
    pipeline: str | None = None

    def __str__(self) -> str:
        prefix = f"{self.pipeline}:" if self.pipeline else ""
        return f"{prefix}{self.metric} {'>=' if self.minimum else '<='} {self.value:g}"


def parse_threshold(spec: str, minimum: bool = True) -> Threshold:
    """Parse ``hit@5=0.6`` or ``naive:hit@5=0.3``; raises ThresholdError naming the valid metrics."""
    name, sep, value = spec.rpartition("=")
    pipeline, _, metric_name = name.rpartition(":") if ":" in name else ("", "", name)
    metric_name = metric_name.strip()
    if not sep or metric(metric_name) is None:
        raise ThresholdError(f"unknown metric in {spec!r}; valid metrics: {', '.join(METRIC_NAMES)}")
    try:
        number = float(value)
    except ValueError as exc:
        raise ThresholdError(f"{spec!r}: {value!r} is not a number") from exc
    if math.isnan(number):
        raise ThresholdError(f"{spec!r}: NaN is not a threshold")
    return Threshold(metric_name, number, minimum, pipeline.strip() or None)


def _failure(t: Threshold, summaries: Mapping[str, Mapping[str, Any]], pipeline: str) -> str | None:
    """Why threshold ``t`` fails for ``pipeline``, or None when it holds."""
    if pipeline not in summaries:
        return f"{t}: pipeline {pipeline!r} was not run (ran: {', '.join(summaries)})"
    value = summaries[pipeline].get(t.metric)
    if value is None:
        return f"{t}: {t.metric} was not measured in this run ({pipeline})"
    if (value < t.value) if t.minimum else (value > t.value):
        return f"{t}: {pipeline} {t.metric} = {value:.4g}"
    return None


def check_thresholds(summaries: Mapping[str, Mapping[str, Any]], thresholds: Sequence[Threshold],
                     default_pipeline: str) -> list[str]:
    """The thresholds that fail, as messages; a metric not measured in this run fails too (a guard
    that silently passes is worse than none)."""
    failures = (_failure(t, summaries, t.pipeline or default_pipeline) for t in thresholds)
    return [f for f in failures if f is not None]


@dataclass(frozen=True)
class Delta:
    """One metric of one pipeline in one scope ("all" or a question type), old and new."""

    scope: str
    pipeline: str
    metric: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def verdict(self) -> str:
        d = self.delta
        if d is None or abs(d) < 1e-9:
            return ""
        m = metric(self.metric)
        return "better" if (d > 0) == (m.higher_is_better if m else True) else "worse"


def compare_summaries(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Delta]:
    """Deltas between two reports' ``summary`` and ``by_type`` sections (``{metric: {pipeline: value}}``),
    for the pipelines, types and metrics both have (old reports included: the layout is unchanged)."""
    old_types = old.get("by_type") or {}
    scopes = [("all", new.get("summary") or {}, old.get("summary") or {})]
    scopes += [(t, metrics, old_types[t]) for t, metrics in (new.get("by_type") or {}).items() if t in old_types]
    return [Delta(scope, pipeline, name, o[name][pipeline], value)
            for scope, n, o in scopes for name in METRIC_NAMES
            for pipeline, value in (n.get(name) or {}).items() if pipeline in (o.get(name) or {})]
