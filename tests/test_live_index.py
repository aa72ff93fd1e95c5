"""A local index re-indexed by another process while this one serves it (issue: live archive).

Chroma's embedded client keeps its vector index in memory; before the store reopened on change, a
re-index from another process left this one's searches stale and then failing ("Error finding id").
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

from conftest import EVENT_S, ROOT, STARTUP_S, SYNTHETIC, write_jsonl
import pytest

from rag.core.settings import Settings
from rag.factory import build_pipeline
from rag.index.indexer import reindex

PANDAS = {"id": "t-pandas", "title": "Zoo welcomes twin pandas", "source": "example-news.test",
          "published": "2025-06-03", "language": "en",
          "text": "The city zoo welcomed twin giant pandas born overnight, keepers said on Tuesday. "
                  "The cubs weigh 150 grams each and will stay with their mother."}


def run_reindex(index: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "reindex.py"), "--index-dir", str(index), "--quiet",
                           *map(str, args)], capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture()
def served(tmp_path: Path) -> tuple[Settings, Path]:
    """A small index of its own (this test changes it) and the directory of its sources."""
    sources = tmp_path / "sources"
    sources.mkdir()
    write_jsonl(sources / "first.jsonl", SYNTHETIC[:3])
    settings = Settings(index_dir=tmp_path / "index", llm="extractive")
    assert reindex(settings, [sources]).added == 3
    return settings, sources


def test_answers_follow_a_reindex_by_another_process(served: tuple[Settings, Path]) -> None:
    settings, sources = served
    pipeline = build_pipeline(settings)
    assert pipeline.ask("What closed Catania airport?").citations[0].article_id == "t-volcano"
    assert all(h.article_id != "t-pandas" for h in pipeline.retrieve("How much do the panda cubs weigh?"))

    write_jsonl(sources / "second.jsonl", [PANDAS])
    done = run_reindex(settings.index_dir, sources)
    assert done.returncode == 0, done.stderr
    # The new article is answerable at once, from the same open pipeline, and the old ones still are.
    answer = pipeline.ask("How much do the panda cubs weigh?")
    assert answer.citations and answer.citations[0].article_id == "t-pandas" and "150" in answer.text
    assert pipeline.ask("What closed Catania airport?").citations[0].article_id == "t-volcano"

    # A prune in the other process removes an article here too, without stale-id errors.
    (sources / "first.jsonl").unlink()
    done = run_reindex(settings.index_dir, "--prune", sources)
    assert done.returncode == 0 and "removed 3" in done.stdout, done.stdout + done.stderr
    assert {h.article_id for h in pipeline.retrieve("What closed Catania airport?")} == {"t-pandas"}
    assert pipeline.store.count() == 1


def test_a_scheduled_reindex_killed_mid_round_leaves_the_served_index_answering(served: tuple[Settings, Path]) -> None:
    settings, sources = served
    pipeline = build_pipeline(settings)
    marker = Path(settings.index_dir) / "changed.stamp"
    before = marker.stat().st_mtime_ns
    many = [{**PANDAS, "id": f"t-zoo-{i}", "title": f"Zoo news, part {i}",
             "text": f"Part {i}. " + PANDAS["text"] + f" Visitors on day {i} queued for hours."} for i in range(40)]
    write_jsonl(sources / "many.jsonl", many)
    # A scheduled re-index (its first round starts at once), killed mid-round.
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "reindex.py"), "--index-dir",
                             str(settings.index_dir), "--quiet", "--every", "1h", str(sources)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_S
        while marker.stat().st_mtime_ns == before and time.monotonic() < deadline:  # its first article is in
            assert proc.poll() is None, "the re-index ended before it could be killed"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=EVENT_S)
    assert proc.returncode == -signal.SIGKILL
    # Whatever the killed run left, the served pipeline keeps answering from a consistent index.
    assert pipeline.ask("What closed Catania airport?").citations[0].article_id == "t-volcano"
    found = {h.article_id for h in pipeline.retrieve("panda cubs at the zoo, visitors queued")}
    assert found and found <= {f"t-zoo-{i}" for i in range(40)} | {"t-volcano", "t-budget", "t-banjir"}
    n = pipeline.store.count()
    assert 3 < n < 3 + 40
    # And the next run completes what the killed one started, which the pipeline sees too.
    assert run_reindex(settings.index_dir, sources).returncode == 0
    assert pipeline.store.count() == 43
    ids = json.dumps([h.article_id for h in pipeline.retrieve("Zoo news, part 39: visitors on day 39")])
    assert "t-zoo-39" in ids
