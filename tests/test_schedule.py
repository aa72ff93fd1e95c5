"""Re-indexing on a schedule: periods, jitter, rounds that never overlap, SIGTERM between articles."""

from __future__ import annotations

from pathlib import Path
import random
import signal
import subprocess
import sys
import threading

from conftest import EVENT_S, Lines, ROOT, STARTUP_S, SYNTHETIC, write_jsonl
import pytest

from rag.core.errors import NewsragError
from rag.core.settings import Settings
from rag.index.indexer import reindex
from rag.index.schedule import next_wait, parse_period, run_every


def test_periods_parse_and_bad_ones_say_how_to_write_them() -> None:
    assert [parse_period(p) for p in ("30s", "15m", "1.5h", "1d", "10")] == [30, 900, 5400, 86400, 600]
    for bad in ("", "soon", "-5m", "0s", "15 minutes"):
        with pytest.raises(NewsragError, match="not a period") as err:
            parse_period(bad)
        assert "15m" in err.value.hint


def test_the_wait_is_jittered_around_the_period_and_shortened_by_the_round() -> None:
    rng = random.Random(1)
    waits = [next_wait(100, 0.1, 0, rng) for _ in range(200)]
    assert 90 <= min(waits) < 95 and 105 < max(waits) <= 110
    assert next_wait(100, 0.1, 250, rng) == 0  # a long round: the next starts at once, never beside it


def test_rounds_run_one_after_another_until_stopped() -> None:
    stop = threading.Event()
    running, log = [], []

    def one_round(n: int) -> str:
        running.append(n)
        assert len(running) == 1, "rounds overlapped"
        running.pop()
        if n == 2:
            raise NewsragError("Another re-index is running", hint="wait")
        if n == 4:
            stop.set()
        return f"did {n}"

    assert run_every(0.01, one_round, stop, log.append, seed=0) == 4
    assert [line.split(": ", 1)[1] for line in log] == ["did 1", "failed: Another re-index is running (wait)",
                                                       "did 3", "did 4"]
    assert all(" round " in line for line in log)


def test_a_stop_request_ends_a_reindex_between_articles(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", SYNTHETIC[:3])
    settings = Settings(index_dir=tmp_path / "index")
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 1  # let the first article through

    report = reindex(settings, [source], prune=True, stop=stop)
    assert report.interrupted and report.added == 1 and report.removed == 0
    assert "stopped early" in report.summary_line()
    rest = reindex(settings, [source])  # the next round completes it
    assert rest.added == 2 and rest.unchanged == 1 and not rest.interrupted


@pytest.mark.timeout(2400)
def test_reindex_every_picks_up_new_files_and_ends_on_sigterm(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    write_jsonl(sources / "a.jsonl", SYNTHETIC[:1])
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "reindex.py"), "--index-dir",
                             str(tmp_path / "index"), "--every", "1s", str(sources)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    out = Lines(proc)  # read as it comes: each step waits for the line it needs, however busy the machine
    try:
        assert "every 1s" in out.wait_for("re-indexing", STARTUP_S, stream="stderr")
        assert "added 1," in out.wait_for("round 1 ", STARTUP_S)  # the first round loads the embedder
        assert "added 0, updated 0, unchanged 1" in out.wait_for("round 2 ")  # nothing new: nothing embedded
        write_jsonl(sources / "b.jsonl", SYNTHETIC[1:2])
        out.wait_for("added 1, updated 0, unchanged 1")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=EVENT_S) == 0  # between articles, or at once when waiting for the next round
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
