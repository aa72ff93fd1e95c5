"""Feedback on answers (thumbs up or down, an optional comment), kept beside the index for evaluation.

Each rating or comment appends one JSON line to ``<index_dir>/feedback.jsonl`` holding everything
needed to replay the case: question, rewritten question, answer, citations, retrieved articles,
filters, the LLM and the settings that shape answers. A comment sent after a rating repeats the
record with the comment, and withdrawing a rating appends one with ``rating: null``; so the last line
of an ``answer_id`` is its current state (``latest``).
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
import json
from pathlib import Path
import threading
import time
from typing import Any, Literal

from filelock import FileLock

from rag.core.settings import Settings
from rag.core.types import Answer

FEEDBACK_FILE = "feedback.jsonl"
#: "up", "down", or None when the user withdrew an earlier rating.
Rating = Literal["up", "down"] | None

#: Settings that shape an answer (never credentials).
SETTINGS_KEPT = ("embedder", "llm", "local_model", "openai_model", "top_k", "fetch_k", "per_article",
                 "min_relevance", "relevance_margin", "max_tokens", "temperature", "chunk_tokens",
                 "chunk_overlap", "collection")


def settings_subset(settings: Settings) -> dict[str, Any]:
    """The answer-shaping settings as JSON-ready values."""
    return {k: (str(v) if isinstance(v, Path) else v) for k in SETTINGS_KEPT if (v := getattr(settings, k)) is not None}


class FeedbackStore:
    """Appends feedback records to ``<index_dir>/feedback.jsonl`` (safe across threads and processes)."""

    def __init__(self, index_dir: Path | str) -> None:
        self.path = Path(index_dir) / FEEDBACK_FILE
        self._file_lock = FileLock(str(self.path) + ".lock")
        self._lock = threading.Lock()

    def record(self, answer: Answer, *, answer_id: str, rating: Rating, comment: str = "",
               filters: Any = None, llm: str = "", settings: Settings | None = None) -> dict[str, Any]:
        """Append one record for ``answer`` and return it."""
        if rating not in ("up", "down", None):
            raise ValueError(f"rating must be 'up', 'down' or None, not {rating!r}")
        data = answer.to_dict()
        row = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "answer_id": answer_id,
            "rating": rating,
            "comment": comment.strip(),
            "question": answer.question,
            "rewritten_question": answer.rewritten_question,
            "answer": answer.text,
            "abstained": answer.abstained,
            "language": answer.language,
            "citations": data["citations"],
            "retrieved": data["retrieved"],
            "passages": data["passages"],
            "filters": asdict(filters) if is_dataclass(filters) and not isinstance(filters, type) else filters,
            "llm": llm or answer.llm,
            "settings": settings_subset(settings) if settings is not None else {},
            "timings": data["timings"],
        }
        line = json.dumps(row, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self._file_lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line)
        return row

    def read(self) -> list[dict[str, Any]]:
        """Every record, oldest first (a damaged line, e.g. from a crash mid-write, is skipped)."""
        if not self.path.exists():
            return []
        rows = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return rows

    def latest(self) -> dict[str, dict[str, Any]]:
        """The current record of each answer (its last rating and comment), by ``answer_id``."""
        return {row["answer_id"]: row for row in self.read() if "answer_id" in row}
