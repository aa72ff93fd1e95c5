"""Rendering of an evaluation report (the dict ``rag.eval.run.evaluate`` returns): ``report.json``,
``report.md`` (run, overall and per-type tables, metric definitions), the PNG plots, and the
``--compare`` table of changes against an older report. Pure functions of the report; never prints.
How each metric is shown (and whether it is one) comes from the registry ``rag.eval.metrics.METRICS``.
"""

from __future__ import annotations

from collections.abc import Sequence
import json
from pathlib import Path
from typing import Any

from rag.core.errors import NewsragError
from rag.eval import metrics as em
from rag.eval.naive import CHUNKS_PER_ARTICLE as NAIVE_CHUNKS_PER_ARTICLE

#: Metrics drawn per question type in ``metrics_by_type.png``.
PLOT_METRICS = ("hit@5", "mrr@10", "answer@5", "accuracy", "abstention_correct", "citation_supported")


def _fmt(metric: str, value: Any) -> str:
    """A summary value as the report shows it, by the metric's unit."""
    if value is None:
        return "n/a"
    m = em.metric(metric)
    unit = m.unit if m else "share"
    if unit == "count":
        return str(int(value))
    if unit == "seconds":
        return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"
    if unit == "rate":
        return f"{value:.1f}"
    return f"{value:.3f}"


def _load_note(meta: dict[str, Any]) -> str:
    load = meta.get("load_average") or {}
    if load.get("start") is None:
        return ""
    return f"; load average {load['start']:g} at the start, {load['end']:g} at the end"


def _run_lines(meta: dict[str, Any]) -> list[str]:
    """The report's header: what ran, on what, with which settings."""
    return [f"# Evaluation report ({meta['created']})", "",
            f"- machine: {meta['machine']}", f"- questions: {meta['subset']} from `{meta['questions_file']}`",
            f"- archive: `{meta['articles']}`; embedder {meta['embedder']}; answers: {meta['llm_name']}",
            f"- project: top_k {meta['settings']['top_k']}, min_relevance {meta['settings']['min_relevance']}, "
            f"chunks {meta['settings']['chunk_tokens']}/{meta['settings']['chunk_overlap']} tokens; naive: "
            "RecursiveCharacterTextSplitter(1000, 200), Chroma, top-"
            f"{meta['naive']['k']} similarity, LangChain stuff prompt, no date filter",
            f"- run time {meta['seconds']:.0f} s" + (f" (LLM load {meta['llm_load_seconds']:.1f} s)"
                                                    if meta.get("llm_load_seconds") else "")
            + _load_note(meta), ""]


def _overall_lines(summary: dict[str, Any], kinds: list[str]) -> list[str]:
    """The overall table: one row per measured metric, one column per pipeline."""
    lines = ["## Overall", "", "| metric | " + " | ".join(kinds) + " |", "|---" * (len(kinds) + 1) + "|"]
    for metric in em.METRIC_NAMES:
        values = summary.get(metric, {})
        if all(values.get(k) is None for k in kinds):
            continue
        lines.append(f"| {metric} | " + " | ".join(_fmt(metric, values.get(k)) for k in kinds) + " |")
    return lines


def _group_lines(groups: dict[str, Any], kinds: list[str], title: str) -> list[str]:
    """A per-group table (question types, languages): one row per measured metric (index metrics are
    whole-archive), one column per group, the pipelines' values in each cell; nothing without groups."""
    if not groups:
        return []
    types = list(groups)
    lines = ["", f"## {title}", "", "Cells: " + " / ".join(kinds) + ".", "",
             "| metric | " + " | ".join(types) + " |", "|---" * (len(types) + 1) + "|"]
    for m in em.METRICS:
        cells = [groups[t].get(m.name, {}) for t in types]
        if m.index_stat or all(c.get(k) is None for c in cells for k in kinds):
            continue
        lines.append(f"| {m.name} | " + " | ".join(" / ".join(_fmt(m.name, c.get(k)) for k in kinds)
                                                   for c in cells) + " |")
    return lines


def _definition_lines(meta: dict[str, Any]) -> list[str]:
    """Every metric's definition, and how retrieval, answer@k, support and tokens are measured."""
    return ["", "## Definitions", "", em.metric_table(), "",
            "Retrieval is scored on distinct articles, in the order of their first passage in the ranking "
            "(the project's `Pipeline.ranking` with the question's `asked_on` as today, taken "
            f"{min(50, em.DEPTH * meta['settings']['per_article'])} passages deep; the naive peer's "
            f"{em.DEPTH * NAIVE_CHUNKS_PER_ARTICLE} nearest chunks). answer@k looks at the first k passages as "
            "the answerer reads them (the project labels each with its headline). "
            "Citation support: a cited sentence is supported when a passage it cites shares at least "
            f"{em.LEXICAL_THRESHOLD:.0%} of its content words, or when the multilingual embedding cosine "
            f"between the sentence and the passage's closest sentence is at least {em.SEMANTIC_THRESHOLD}. "
            "Tokens are counted with cl100k (an approximation of the model's own tokenizer). "
            "n/a: not measured (no such questions, no LLM, or no citations: the naive peer has none).", ""]


def render_markdown(report: dict[str, Any]) -> str:
    """``report.md``: the run, the overall table, per-type (and, for questions in several languages,
    per-language) tables and the metric definitions."""
    meta = report["meta"]
    kinds = meta["pipelines"]
    lines = (_run_lines(meta) + _overall_lines(report["summary"], kinds) + _group_lines(report["by_type"], kinds, "By question type")
             + _group_lines(report.get("by_language") or {}, kinds, "By question language")
             + _definition_lines(meta) + [f"![{png}]({png})" for png in ("metrics_by_type.png", "latency.png")])
    return "\n".join(lines) + "\n"


def _pyplot(out_dir: Path) -> Any:
    """matplotlib's pyplot on the Agg backend; a NewsragError when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError as exc:
        raise NewsragError("the plots need matplotlib, which is not installed (report.json and report.md "
                           f"are written in {out_dir})", hint="pip install -e '.[eval]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot_metrics(plt: Any, report: dict[str, Any], path: Path) -> list[Path]:
    """``metrics_by_type.png``: key metrics per scope (all, then each type), pipelines side by side."""
    kinds = report["meta"]["pipelines"]
    scopes = {"all": report["summary"], **report["by_type"]}
    metrics = [m for m in PLOT_METRICS if any(v is not None for s in scopes.values() for v in s.get(m, {}).values())]
    if not metrics:
        return []
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.6), squeeze=False)
    width = 0.8 / len(kinds)
    for ax, metric in zip(axes[0], metrics):
        for j, kind in enumerate(kinds):
            vals = [scopes[s].get(metric, {}).get(kind) for s in scopes]
            xs = [i + j * width for i in range(len(scopes))]
            ax.bar(xs, [v or 0.0 for v in vals], width, label=kind)
            for x, v in zip(xs, vals):  # every bar labelled, so 0 and "not measured" differ
                ax.text(x, (v or 0.0) + 0.02, "n/a" if v is None else f"{v:.2f}", rotation=90, ha="center",
                        va="bottom", fontsize=6)
        ax.set_title(metric)
        ax.set_ylim(0, 1.2)
        ax.set_xticks([i + width * (len(kinds) - 1) / 2 for i in range(len(scopes))])
        ax.set_xticklabels(list(scopes), rotation=35, ha="right", fontsize=8)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return [path]


def _latencies(report: dict[str, Any]) -> tuple[list[list[float]], list[str]]:
    """Per-question seconds of each (pipeline, stage) that has any, and their labels."""
    data, labels = [], []
    for kind in report["meta"]["pipelines"]:
        for stage in ("retrieval", "generation", "total"):
            vals = [q["results"][kind]["timings"][stage] for q in report["questions"]
                    if stage in q["results"][kind].get("timings", {}) and
                    (stage != "generation" or q["results"][kind].get("generated"))]
            if vals:
                data.append(vals)
                labels.append(f"{kind}\n{stage}")
    return data, labels


def _plot_latency(plt: Any, report: dict[str, Any], path: Path) -> list[Path]:
    """``latency.png``: per-question seconds per stage, log scale."""
    import matplotlib.ticker as ticker

    data, labels = _latencies(report)
    if not data:
        return []
    fig, ax = plt.subplots(figsize=(1.4 * len(data) + 1.5, 3.6))
    ax.boxplot(data)
    ax.set_xticks(range(1, len(labels) + 1))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_ylabel("seconds per question (log)")
    ax.set_title(f"latency ({report['meta']['llm_name']})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return [path]


def plot_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """``metrics_by_type.png`` (key metrics per type, pipelines side by side) and ``latency.png``
    (per-question seconds per stage). Needs matplotlib (the ``eval`` extra)."""
    plt = _pyplot(out_dir)
    return (_plot_metrics(plt, report, out_dir / "metrics_by_type.png")
            + _plot_latency(plt, report, out_dir / "latency.png"))


def write_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write ``report.json``, ``report.md`` and the PNG plots into ``out_dir``; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    return [out_dir / "report.json", out_dir / "report.md", *plot_report(report, out_dir)]


def format_deltas(deltas: Sequence[em.Delta]) -> str:
    """The ``--compare`` table: old value, new value and change of every metric both reports measured
    (overall, then per question type, where unchanged rows are left out)."""
    rows = [f"{'scope':22s} {'pipeline':8s} {'metric':20s} {'old':>9s} {'new':>9s} {'delta':>8s}"]
    for d in deltas:
        if (d.old is None and d.new is None) or (d.scope != "all" and (d.delta is None or abs(d.delta) < 1e-9)):
            continue
        change = "" if d.delta is None else f"{d.delta:+8.3f}"
        rows.append(f"{d.scope[:22]:22s} {d.pipeline:8s} {d.metric:20s} {_fmt(d.metric, d.old):>9s} "
                    f"{_fmt(d.metric, d.new):>9s} {change:>8s} {d.verdict}")
    return "\n".join(rows)
