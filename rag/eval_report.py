"""Rendering of an evaluation report (the dict ``rag.evaluation.evaluate`` returns): ``report.json``,
``report.md`` (run, overall and per-type tables, metric definitions), the PNG plots, and the
``--compare`` table of changes against an older report. Pure functions of the report; never prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from rag import eval_metrics as em
from rag.errors import NewsragError

#: Metrics drawn per question type in ``metrics_by_type.png``.
PLOT_METRICS = ("hit@5", "mrr@10", "answer@5", "accuracy", "abstention_correct", "citation_supported")


def _fmt(metric: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if metric in ("questions", "index_chunks"):
        return str(int(value))
    if metric.endswith(("_p50", "_p95")) or metric == "index_seconds":
        return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"
    if metric in ("tokens_per_second", "decode_tokens_per_second", "index_chunks_per_second"):
        return f"{value:.1f}"
    return f"{value:.3f}"


def _load_note(meta: dict[str, Any]) -> str:
    load = meta.get("load_average") or {}
    if load.get("start") is None:
        return ""
    return f"; load average {load['start']:g} at the start, {load['end']:g} at the end"


def render_markdown(report: dict[str, Any]) -> str:
    """``report.md``: the run, the overall table, per-type tables and the metric definitions."""
    meta, summary = report["meta"], report["summary"]
    kinds = meta["pipelines"]
    lines = [f"# Evaluation report ({meta['created']})", "",
             f"- machine: {meta['machine']}", f"- questions: {meta['subset']} from `{meta['questions_file']}`",
             f"- archive: `{meta['articles']}`; embedder {meta['embedder']}; answers: {meta['llm_name']}",
             f"- project: top_k {meta['settings']['top_k']}, min_relevance {meta['settings']['min_relevance']}, "
             f"chunks {meta['settings']['chunk_tokens']}/{meta['settings']['chunk_overlap']} tokens; naive: "
             "RecursiveCharacterTextSplitter(1000, 200), Chroma, top-"
             f"{meta['naive']['k']} similarity, LangChain stuff prompt, no date filter",
             f"- run time {meta['seconds']:.0f} s" + (f" (LLM load {meta['llm_load_seconds']:.1f} s)"
                                                     if meta.get("llm_load_seconds") else "")
             + _load_note(meta), "",
             "## Overall", "", "| metric | " + " | ".join(kinds) + " |", "|---" * (len(kinds) + 1) + "|"]
    for metric in em.METRIC_NAMES:
        values = summary.get(metric, {})
        if all(values.get(k) is None for k in kinds):
            continue
        lines.append(f"| {metric} | " + " | ".join(_fmt(metric, values.get(k)) for k in kinds) + " |")
    types = list(report["by_type"])
    lines += ["", "## By question type", "", "Cells: " + " / ".join(kinds) + ".", "",
              "| metric | " + " | ".join(types) + " |", "|---" * (len(types) + 1) + "|"]
    for metric in em.METRIC_NAMES:
        cells = [report["by_type"][t].get(metric, {}) for t in types]
        if metric.startswith("index_") or all(c.get(k) is None for c in cells for k in kinds):
            continue
        lines.append(f"| {metric} | " + " | ".join(" / ".join(_fmt(metric, c.get(k)) for k in kinds) for c in cells)
                     + " |")
    lines += ["", "## Definitions", "", em.metric_table(), "",
              "Retrieval is scored on distinct articles, in the order of their first passage in the ranking "
              "(the project's `Retriever.search` with the question's `asked_on` as today, taken "
              f"{min(50, em.DEPTH * meta['settings']['per_article'])} passages deep; the naive peer's "
              f"{em.NAIVE_DEPTH_CHUNKS} nearest chunks). answer@k looks at the first k passages as the "
              "answerer reads them (the project labels each with its headline). "
              "Citation support: a cited sentence is supported when a passage it cites shares at least "
              f"{em.LEXICAL_THRESHOLD:.0%} of its content words, or when the multilingual embedding cosine "
              f"between the sentence and the passage's closest sentence is at least {em.SEMANTIC_THRESHOLD}. "
              "Tokens are counted with cl100k (an approximation of the model's own tokenizer). "
              "n/a: not measured (no such questions, no LLM, or no citations: the naive peer has none).", ""]
    for png in ("metrics_by_type.png", "latency.png"):
        lines.append(f"![{png}]({png})")
    return "\n".join(lines) + "\n"


def plot_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """``metrics_by_type.png`` (key metrics per type, pipelines side by side) and ``latency.png``
    (per-question seconds per stage). Needs matplotlib."""
    try:
        import matplotlib
    except ImportError as exc:
        raise NewsragError("the plots need matplotlib, which is not installed (report.json and report.md "
                           f"are written in {out_dir})", hint="pip install matplotlib") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401  (matplotlib.ticker below)

    kinds = report["meta"]["pipelines"]
    scopes = {"all": report["summary"], **report["by_type"]}
    metrics = [m for m in PLOT_METRICS if any(v is not None for s in scopes.values() for v in s.get(m, {}).values())]
    paths = []
    if metrics:
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
        paths.append(out_dir / "metrics_by_type.png")
        fig.savefig(paths[-1], dpi=90)
        plt.close(fig)
    stages = ("retrieval", "generation", "total")
    data, labels = [], []
    for kind in kinds:
        for stage in stages:
            vals = [q["results"][kind]["timings"][stage] for q in report["questions"]
                    if stage in q["results"][kind].get("timings", {}) and
                    (stage != "generation" or q["results"][kind].get("generated"))]
            if vals:
                data.append(vals)
                labels.append(f"{kind}\n{stage}")
    if data:
        fig, ax = plt.subplots(figsize=(1.4 * len(data) + 1.5, 3.6))
        ax.boxplot(data)
        ax.set_xticks(range(1, len(labels) + 1))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_ylabel("seconds per question (log)")
        ax.set_title(f"latency ({report['meta']['llm_name']})", fontsize=9)
        fig.tight_layout()
        paths.append(out_dir / "latency.png")
        fig.savefig(paths[-1], dpi=90)
        plt.close(fig)
    return paths


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
