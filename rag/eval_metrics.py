"""Metric functions of the scripted evaluation: retrieval ranks, answer matching, abstention, citation
support, latency percentiles, and their aggregation into one flat ``{metric: value}`` summary.

Everything here is pure (no index, no LLM) except ``SupportJudge``, which embeds sentences. A metric
that cannot be measured on a set of questions (no gold, no answers, no citations) is ``None`` rather
than 0, so "not measured" never reads as "bad" or "good".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from rag.citations import markers, split_answer_sentences
from rag.embedding import Embedder
from rag.lexical import fold

#: Rank cut-offs of the retrieval and answer@k metrics.
KS = (1, 5, 10)
#: How many distinct articles the retrieval ranking is scored to (hit@10, MRR@10).
DEPTH = 10
#: Naive chunks fetched for its 10-article ranking (1000-character chunks, no per-article cap).
NAIVE_DEPTH_CHUNKS = 40

# (name, higher is better, description) of every metric in a summary, in report order.
METRICS: tuple[tuple[str, bool, str], ...] = (
    ("questions", True, "questions evaluated"),
    ("hit@1", True, "a gold article is the first retrieved article"),
    ("hit@5", True, "a gold article is among the first 5 distinct retrieved articles"),
    ("hit@10", True, "a gold article is among the first 10 distinct retrieved articles"),
    ("mrr@10", True, "mean of 1/rank of the first gold article (0 beyond rank 10)"),
    ("hit@context", True, "a gold article is among the passages given to the answerer"),
    ("answer@1", True, "an accepted answer string occurs in the top passage"),
    ("answer@5", True, "an accepted answer string occurs in the top 5 passages"),
    ("answer@10", True, "an accepted answer string occurs in the top 10 passages"),
    ("accuracy", True, "the answer contains an accepted answer (with choices: the right one and no other)"),
    ("abstention_correct", True, "share of unanswerable questions correctly declined"),
    ("abstention_wrong", False, "share of answerable questions wrongly declined"),
    ("citation_valid", True, "share of [n] markers in the raw answer that point to a given passage"),
    ("citation_supported", True, "share of cited sentences supported by a passage they cite"),
    ("uncited_answers", False, "share of (non-declined) answers without any valid citation"),
    ("model_uncited_answers", False, "the same before citation repair: the raw answer has no valid [n]"),
    ("retrieval_p50", False, "retrieval seconds, median"),
    ("retrieval_p95", False, "retrieval seconds, 95th percentile"),
    ("first_token_p50", False, "seconds from passages to the first answer token, median (LLM only)"),
    ("generation_p50", False, "answer generation seconds, median"),
    ("generation_p95", False, "answer generation seconds, 95th percentile"),
    ("total_p50", False, "seconds per question end to end, median"),
    ("total_p95", False, "seconds per question end to end, 95th percentile"),
    ("tokens_per_second", True, "answer tokens (cl100k count) / generation seconds (LLM only)"),
    ("decode_tokens_per_second", True, "answer tokens / seconds after the first token (LLM writing speed)"),
    ("index_seconds", False, "index build time in seconds (whole archive)"),
    ("index_chunks", True, "chunks in the index"),
    ("index_chunks_per_second", True, "chunks embedded and stored per second while building"),
)
METRIC_NAMES = tuple(name for name, _, _ in METRICS)
HIGHER_IS_BETTER = {name: higher for name, higher, _ in METRICS}
DESCRIPTIONS = {name: text for name, _, text in METRICS}


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
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an|le|la|les|l')\s*", re.I)


def normalise(text: str) -> str:
    """Case-folded, accent-free, quote- and space-normalised text, for matching answers."""
    return re.sub(r"\s+", " ", fold(text.translate(_QUOTES)).casefold()).strip()


def _answer_pattern(answer: str) -> re.Pattern[str] | None:
    """Regex for an accepted answer: whole words, any spacing, a leading article optional."""
    core = _LEADING_ARTICLE.sub("", normalise(answer)).strip(" .")
    if not core:
        return None
    body = r"\s+".join(re.escape(part) for part in core.split())
    return re.compile(rf"(?<!\w)(?:(?:the|a|an|le|la|les|l')\s*)?{body}(?!\w)")


def _spans(text: str, answer: str) -> list[tuple[int, int]]:
    pattern = _answer_pattern(answer)
    return [m.span() for m in pattern.finditer(text)] if pattern else []


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """True when ``text`` contains one of ``answers`` as whole words, case- and accent-insensitive
    (a leading "the"/"a"/"le"… of the accepted answer is optional)."""
    norm = normalise(text)
    return any(_spans(norm, a) for a in answers)


def choices_named(text: str, choices: Sequence[str]) -> list[int]:
    """Indexes of the ``choices`` that ``text`` names. A choice only found inside the mention of a
    longer choice ("Etna" inside "Mount Etna") does not count as named."""
    norm = normalise(text)
    spans = {i: _spans(norm, c) for i, c in enumerate(choices)}
    named = []
    for i, own in spans.items():
        # Drop occurrences that lie strictly inside an occurrence of another choice.
        free = [(s, e) for s, e in own
                if not any((a, b) != (s, e) and a <= s and e <= b for j, other in spans.items() if j != i
                           for a, b in other)]
        if free:
            named.append(i)
    return named


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


# "I don't know" in the three languages of the archive: how a free-form answer (the naive peer's)
# declines. The project's pipeline says so explicitly (Answer.abstained).
_DONT_KNOW = re.compile("|".join([
    r"\b(?:i|we) (?:do not|don't|dont) know\b", r"\bnot (?:sure|certain)\b", r"\bno (?:information|mention)\b",
    r"\b(?:does|do) not (?:contain|provide|mention|say|specify|include)\b",
    r"\b(?:doesn't|don't) (?:contain|provide|mention|say|specify|include)\b",
    r"\b(?:cannot|can't|can not|unable to) (?:answer|determine|find|tell|say)\b",
    r"\b(?:is|are) not (?:mentioned|provided|specified|given|stated)\b", r"\bnot in the (?:context|passages)\b",
    r"\bje ne (?:sais|peux) pas\b", r"\bne sais pas\b", r"\baucune information\b", r"\bpas d'information",
    r"\bne (?:contient|mentionne|précise|dit|fournit) (?:pas|aucune?)\b",
    r"\bn'est pas (?:mentionné|précisé|indiqué)",
    r"\btidak (?:tahu|diketahui|disebutkan|dijelaskan|ada informasi)\b", r"\bsaya tidak (?:tahu|yakin)\b",
    r"\bbelum (?:diketahui|jelas)\b",
]), re.I)


def says_dont_know(text: str) -> bool:
    """True when a free-form answer declines ("I don't know", "je ne sais pas", "tidak tahu"…)."""
    return bool(_DONT_KNOW.search(text.translate(_QUOTES)))


# --- citations --------------------------------------------------------------------------------------

_STOPWORDS = frozenset("""
the and for are was were has have had with from that this these those which who whom whose what when where
why how not but its his her their them they she him our you your all any can could would should will may
might about after before into over than then there here been being also more most some such only other
said says say one two per its it's via
les des une dans pour par sur avec est sont pas que qui quoi dont ses son leur leurs aux ont été être
cette ces mais plus comme tout tous elle ils elles nous vous lui fait faire sans sous entre après avant
aussi selon encore même dit
yang dan di ke dari untuk dengan pada adalah ini itu akan telah dalam tidak juga oleh atau para bahwa
sebagai karena kata mereka sudah saat lebih ada bisa hanya masih
""".split())
_WORD = re.compile(r"\w+", re.U)
_MARKER = re.compile(r"[\[【][^\]】]{0,20}[\]】]")


def content_words(text: str, stem: int = 6) -> set[str]:
    """Content words of ``text`` (markers, stopwords and words under 3 letters dropped; numbers kept),
    normalised and cut to their first ``stem`` letters so inflections meet ("attacked", "attack")."""
    words = _WORD.findall(normalise(_MARKER.sub(" ", text)))
    return {w[:stem] for w in words if (len(w) >= 3 or w.isdigit()) and w not in _STOPWORDS}


def lexical_overlap(sentence: str, passage: str) -> float:
    """Share of the sentence's content words found in the passage (0 when it has none)."""
    s = content_words(sentence)
    return len(s & content_words(passage)) / len(s) if s else 0.0


#: Calibrated on hand-labelled pairs: the synthetic ones in tests/test_evaluation.py and cited sentences of
#: real local-LLM answers (see README, Evaluation). Real answers reuse the passage's words in claims it
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
        from rag.chunking import split_sentences

        if passage not in self._passages:
            if len(self._passages) > 2000:
                self._passages.clear()
            self._passages[passage] = self.embedder.embed_passages(split_sentences(passage) or [passage])
        return self._passages[passage]

    def scores(self, sentence: str, passage: str) -> tuple[float, float]:
        """(lexical overlap, best cosine) of ``sentence`` against ``passage``."""
        clean = _MARKER.sub(" ", sentence).strip()
        lexical = lexical_overlap(clean, passage)
        if not clean:
            return lexical, 0.0
        cosine = float((self._sentence_vectors(passage) @ self.embedder.embed_query(clean)).max())
        return lexical, cosine

    def supports(self, sentence: str, passage: str) -> bool:
        """Supported by word overlap, or else (only then embedding the sentence) by meaning."""
        clean = _MARKER.sub(" ", sentence).strip()
        if lexical_overlap(clean, passage) >= self.lexical:
            return True
        return bool(clean) and float((self._sentence_vectors(passage) @ self.embedder.embed_query(clean)).max()) \
            >= self.semantic


@dataclass(frozen=True)
class CitationCounts:
    """Citation facts of one answer; summed over answers into shares."""

    markers: int = 0
    valid_markers: int = 0
    cited_sentences: int = 0
    supported_sentences: int = 0
    has_valid_citation: bool = False
    raw_has_valid_citation: bool = False


def citation_counts(raw: str, final: str, passages: Sequence[str], judge: SupportJudge | None) -> CitationCounts:
    """Count the raw answer's ``[n]`` markers and those within 1..len(passages); then, in the final
    (checked) answer, the cited sentences and those that a cited passage supports (any of them)."""
    raw_markers = markers(raw)
    valid = [n for n in raw_markers if 1 <= n <= len(passages)]
    cited = supported = 0
    any_valid = False
    for sentence in split_answer_sentences(final):
        ns = [n for n in markers(sentence) if 1 <= n <= len(passages)]
        if not ns:
            continue
        any_valid = True
        cited += 1
        if judge is not None and any(judge.supports(sentence, passages[n - 1]) for n in dict.fromkeys(ns)):
            supported += 1
    return CitationCounts(len(raw_markers), len(valid), cited, supported, any_valid, bool(valid))


# --- aggregation ------------------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100, linear interpolation), None for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else None


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def _share(num: int, den: int) -> float | None:
    return num / den if den else None


def summarize(records: Sequence[Mapping[str, Any]]) -> dict[str, float | int | None]:
    """One flat summary of per-question records (as written by the evaluation runner).

    A record has ``scores`` (hit@k, rr, answer@k, hit@context, correct: float/bool or None),
    ``answerable`` (has gold articles), ``answered`` (an answer was generated), ``abstained``,
    ``citation_counts`` (CitationCounts as a dict, or None for a pipeline without citations), ``timings``
    (seconds per stage), ``generated`` (the answerer ran: not a retrieval-gate abstention),
    ``llm_generated`` (an LLM wrote it) and ``tokens`` (generated, cl100k).
    """
    out: dict[str, float | int | None] = {"questions": len(records)}
    for name in [f"hit@{k}" for k in KS] + ["hit@context"] + [f"answer@{k}" for k in KS]:
        out[name] = _mean(r["scores"].get(name) for r in records)
    out["mrr@10"] = _mean(r["scores"].get("rr") for r in records)
    answered = [r for r in records if r.get("answered")]
    out["accuracy"] = _mean(None if r["scores"].get("correct") is None else float(r["scores"]["correct"])
                            for r in answered)
    unanswerable = [r for r in answered if not r["answerable"]]
    answerable = [r for r in answered if r["answerable"]]
    out["abstention_correct"] = _share(sum(bool(r["abstained"]) for r in unanswerable), len(unanswerable))
    out["abstention_wrong"] = _share(sum(bool(r["abstained"]) for r in answerable), len(answerable))
    cited = [(r, r["citation_counts"]) for r in answered if not r["abstained"] and r.get("citation_counts") is not None]
    out["citation_valid"] = _share(sum(c["valid_markers"] for _, c in cited), sum(c["markers"] for _, c in cited))
    out["citation_supported"] = _share(sum(c["supported_sentences"] for _, c in cited),
                                       sum(c["cited_sentences"] for _, c in cited))
    declined_not = [r for r in answered if not r["abstained"]]
    for name, key in (("uncited_answers", "has_valid_citation"), ("model_uncited_answers", "raw_has_valid_citation")):
        out[name] = _share(sum(not (r.get("citation_counts") or {}).get(key) for r in declined_not), len(declined_not))
    for stage, qs in (("retrieval", (50, 95)), ("first_token", (50,)), ("generation", (50, 95)), ("total", (50, 95))):
        # Generation is timed only where it ran (not for retrieval-gate abstentions), first token only for LLMs.
        ran = {"generation": "generated", "first_token": "llm_generated"}.get(stage)
        values = [r["timings"][stage] for r in records
                  if stage in r.get("timings", {}) and (ran is None or r.get(ran))]
        for q in qs:
            out[f"{stage}_p{q}"] = percentile(values, q)
    generated = [r for r in records if r.get("llm_generated")]
    seconds = sum(r["timings"].get("generation", 0.0) for r in generated)
    out["tokens_per_second"] = sum(r.get("tokens", 0) for r in generated) / seconds if seconds > 0 else None
    timed = [r for r in generated if "first_token" in r["timings"]]
    writing = sum(r["timings"]["generation"] - r["timings"]["first_token"] for r in timed)
    out["decode_tokens_per_second"] = sum(r.get("tokens", 0) for r in timed) / writing if writing > 0 else None
    return out


def by_type(records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float | int | None]]:
    """``summarize`` per question type, types in order of first appearance."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        groups.setdefault(str(r.get("type") or "untyped"), []).append(r)
    return {t: summarize(rs) for t, rs in groups.items()}


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
    pipeline, _, metric = name.rpartition(":") if ":" in name else ("", "", name)
    metric = metric.strip()
    if not sep or metric not in METRIC_NAMES:
        raise ThresholdError(f"unknown metric in {spec!r}; valid metrics: {', '.join(METRIC_NAMES)}")
    try:
        number = float(value)
    except ValueError as exc:
        raise ThresholdError(f"{spec!r}: {value!r} is not a number") from exc
    if math.isnan(number):
        raise ThresholdError(f"{spec!r}: NaN is not a threshold")
    return Threshold(metric, number, minimum, pipeline.strip() or None)


def check_thresholds(summaries: Mapping[str, Mapping[str, Any]], thresholds: Sequence[Threshold],
                     default_pipeline: str) -> list[str]:
    """The thresholds that fail, as messages; a metric not measured in this run fails too (a guard
    that silently passes is worse than none)."""
    failures = []
    for t in thresholds:
        pipeline = t.pipeline or default_pipeline
        if pipeline not in summaries:
            failures.append(f"{t}: pipeline {pipeline!r} was not run (ran: {', '.join(summaries)})")
            continue
        value = summaries[pipeline].get(t.metric)
        if value is None:
            failures.append(f"{t}: {t.metric} was not measured in this run ({pipeline})")
        elif (value < t.value) if t.minimum else (value > t.value):
            failures.append(f"{t}: {pipeline} {t.metric} = {value:.4g}")
    return failures


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
        return "better" if (d > 0) == HIGHER_IS_BETTER.get(self.metric, True) else "worse"


def compare_summaries(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Delta]:
    """Deltas between two reports' ``summary`` and ``by_type`` sections (``{metric: {pipeline: value}}``),
    for the pipelines, types and metrics both have."""
    out: list[Delta] = []
    scopes = [("all", new.get("summary", {}), old.get("summary", {}))]
    for t, metrics in new.get("by_type", {}).items():
        if t in old.get("by_type", {}):
            scopes.append((t, metrics, old["by_type"][t]))
    for scope, n, o in scopes:
        for metric in METRIC_NAMES:
            for pipeline, value in (n.get(metric) or {}).items():
                if pipeline in (o.get(metric) or {}):
                    out.append(Delta(scope, pipeline, metric, o[metric][pipeline], value))
    return out


def metric_table() -> str:
    """Markdown list of the metrics and what they mean (for the report)."""
    return "\n".join(f"- `{name}`: {text}" for name, _, text in METRICS)
