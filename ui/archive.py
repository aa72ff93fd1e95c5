"""The archive panel: what the index holds, example questions from it, and adding articles by upload.

Uploaded files are copied into ``<index_dir>/uploads/`` (so a later re-index of that directory keeps
them) and indexed with the same incremental re-indexer as ``scripts/reindex.py``: a bad file or line
is reported with the reason and everything else goes in. The pipeline reads the same Chroma index,
so new articles are searchable as soon as the upload finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import hashlib
from pathlib import Path
import re
import shutil
import threading
from typing import Any

from rag import languages
from rag.core.errors import NewsragError
from rag.index.indexer import reindex, ReindexReport
from rag.pipeline import Pipeline
from ui.render import esc

#: Shown next to the upload box: what the re-index script reads.
FORMATS = ".jsonl, .json (JSON Feed), .txt, .md, .html, .xml / .rss / .atom"

_EXAMPLE_SAMPLE = 300


@dataclass
class FileResult:
    """What happened to one uploaded file."""

    name: str
    articles: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "failed" if not self.articles else "partial" if self.problems else "ok"


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", Path(name).name).strip("._") or "upload"
    return stem[-120:]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _example(language: str, title: str) -> str:
    """An example question about a headline, in the headline's language ("headline?" when the language
    has no module in ``rag.languages``)."""
    if not languages.has_replies(language):
        return f"{title}?"
    return languages.reply(language, "example_question").format(title)


class Archive:
    """Facts about the pipeline's index (cached until it changes) and uploads into it."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.uploads = Path(pipeline.settings.index_dir) / "uploads"
        self._lock = threading.Lock()
        self._cached: tuple[Any, dict[str, Any]] | None = None

    def summary(self) -> dict[str, Any]:
        """ChunkStore.summary(), recomputed only when the index changed (count or last re-index)."""
        store = self.pipeline.store
        key = store.version()
        with self._lock:
            if self._cached is None or self._cached[0] != key:
                self._cached = (key, store.summary())
            return dict(self._cached[1])

    def choices(self, s: dict[str, Any] | None = None) -> tuple[list[str], list[str]]:
        """Outlets (most articles first) and language codes, for the filter menus (of ``s``, a summary
        already read, or the current one)."""
        s = s or self.summary()
        outlets = sorted(s["sources"], key=lambda k: (-s["sources"][k], k))
        return outlets, sorted(s["languages"])

    def summary_html(self, s: dict[str, Any] | None = None) -> str:
        """The archive facts table (of ``s``, a summary already read, or the current one)."""
        s = s or self.summary()
        langs = ", ".join(f"{esc(k)} ({v})" for k, v in sorted(s["languages"].items(), key=lambda kv: -kv[1]))
        outlets = sorted(s["sources"].items(), key=lambda kv: -kv[1])
        shown = ", ".join(f"{esc(k)} ({v})" for k, v in outlets[:12]) + (f", … {len(outlets) - 12} more"
                                                                        if len(outlets) > 12 else "")
        span = (f"{esc(s['first_date'])} to {esc(s['last_date'])}" if s["first_date"] else "no dated articles")
        rows = [("Articles", f"{s['articles']} ({s['chunks']} passages)"), ("Languages", langs or "–"),
                ("Outlets", f"{len(outlets)}: {shown}" if outlets else "–"),
                ("Dates", span + (f"; {s['undated']} undated" if s["undated"] else "")),
                ("Last re-index", esc(s.get("last_reindex") or "unknown")), ("Embedder", esc(s.get("embedder", "?")))]
        body = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
        return f'<table class="archive-facts">{body}</table>'

    def version(self) -> tuple[int, str]:
        """Changes when the index does (a re-index here or in another process)."""
        return self.pipeline.store.version()

    def freshness_html(self, s: dict[str, Any] | None = None) -> str:
        """One line for the page header: how big the archive is, its newest article, its last re-index."""
        s = s or self.summary()
        newest = f"newest article {esc(s['last_date'])}" if s.get("last_date") else "no dated articles"
        when = esc(str(s.get("last_reindex") or "unknown")[:16].replace("T", " "))
        return (f'<span id="freshness">Archive: {s["articles"]} articles · {newest} · '
                f'last re-index {when}</span>')

    def example_questions(self, limit: int = 4) -> list[str]:
        """Questions about a few recent headlines of the archive, varied languages first (cheap: a
        bounded sample of the index, not a scan)."""
        metas = self._sample_metadata(_EXAMPLE_SAMPLE)
        seen: dict[str, dict[str, Any]] = {}
        for m in metas:
            title = str(m.get("title") or "")
            if 15 <= len(title) <= 90 and not re.search(r"[<>{}\[\]\\]|https?:", title):
                seen.setdefault(str(m.get("article_id")), m)
        ranked = sorted(seen.values(), key=lambda m: str(m.get("published") or ""), reverse=True)
        picked: list[dict[str, Any]] = []
        for m in ranked:  # one per language first, then the most recent others
            if m.get("language") not in {p.get("language") for p in picked}:
                picked.append(m)
        picked += [m for m in ranked if m not in picked]
        return [_example(str(m.get("language")), str(m["title"])) for m in picked[:limit]]

    def _sample_metadata(self, limit: int) -> list[dict[str, Any]]:
        try:
            return self.pipeline.store.sample_metadata(limit)
        except Exception:  # examples are a nicety: never let them stop the UI
            return []

    def add_files(self, files: Sequence[str | Path],
                  progress: Callable[[int, int, str], None] | None = None) -> tuple[list[FileResult], ReindexReport]:
        """Copy ``files`` into uploads/ and index them; per-file results plus the re-index report.
        Raises NewsragError when the index is busy (another re-index holds its lock)."""
        self.uploads.mkdir(parents=True, exist_ok=True)
        copies: dict[str, FileResult] = {}
        for f in files:
            src = Path(f)
            dest = self.uploads / _safe_name(src.name)
            if dest.exists() and _digest(dest) != _digest(src):
                dest = dest.with_name(f"{dest.stem}-{_digest(src)}{dest.suffix}")
            shutil.copyfile(src, dest)
            copies[str(dest)] = FileResult(src.name)

        def owner(where: str) -> FileResult | None:
            for path, result in copies.items():
                if where == path or (where.startswith(path) and where[len(path)] in ":# "):
                    return result
            return None

        def on_article(done: int, total: int, article: Any) -> None:
            result = owner(article.origin)
            if result is not None:
                result.articles += 1
            if progress:
                progress(done, total, result.name if result else "")

        report = reindex(self.pipeline.settings, list(copies), progress=on_article)
        for err in report.errors:
            result = owner(err.where)
            if result is not None:
                path = next(p for p, r in copies.items() if r is result)
                text = str(err).replace(path, result.name)
                result.problems.append(text)
        return list(copies.values()), report


def results_html(results: Sequence[FileResult], report: ReindexReport | None, error: str = "") -> str:
    """Per-file outcome of an upload, all names and messages escaped."""
    if error:
        return f'<p class="notice">{esc(error)}</p>'
    if not results:
        return "<p><em>Choose one or more files first.</em></p>"
    rows = []
    for r in results:
        label = {"ok": "✓ added", "partial": "⚠ partly added", "failed": "✗ not added"}[r.status]
        detail = f"{r.articles} article{'s' if r.articles != 1 else ''}"
        problems = "".join(f"<br>{esc(p)}" for p in r.problems[:10])
        more = f"<br>… {len(r.problems) - 10} more problems" if len(r.problems) > 10 else ""
        rows.append(f'<tr><td>{esc(r.name)}</td><td class="{r.status}">{label}</td>'
                    f'<td>{detail}{problems}{more}</td></tr>')
    total = ""
    if report is not None:
        total = (f"<p>New {report.added}, updated {report.updated}, already there {report.unchanged}; "
                 f"{report.chunks} passages embedded in {report.seconds:.1f} s; the index holds "
                 f"{report.total_chunks} passages.</p>")
    return f'<table class="upload-results">{"".join(rows)}</table>{total}'


def upload(archive: Archive, files: Sequence[str] | None,
           progress: Callable[[int, int, str], None] | None = None) -> str:
    """Run an upload and render its outcome (the index being busy is a message, not a crash)."""
    if not files:
        return results_html([], None)
    try:
        results, report = archive.add_files(files, progress)
    except NewsragError as exc:
        return results_html([], None, error=f"Could not add the files: {exc.message}. {exc.hint}")
    return results_html(results, report)
