#!/usr/bin/env python
"""Benchmark of the live archive: the chat answering while a scheduled re-index reads feeds into the
index it serves. Prints figures, asserts nothing (exit 1 only when a chat failed).

    python scripts/bench_live.py --llm extractive --questions 8

Everything runs on 127.0.0.1: a loopback web server (tests/web_stub.py) serves real feeds of
``../shared/data/ingest``; the chat UI (``python -m ui``) serves a fresh index of ``sample/``; and
``scripts/reindex.py --every`` reads the feeds into that index with ``--no-follow-links`` (the feeds'
items link to the real web, which this machine must not be sent to). The chat is asked the same
questions one after another, first with no re-index running (the baseline), then while the first
round of the schedule runs; the round's own summary line gives requests, articles and seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from loadtest import one_chat, start_server  # scripts/ is on the path of a script run from it

ROOT = Path(__file__).resolve().parents[1]


def _web_stub() -> Any:
    """The tests' web stub (tests/web_stub.py), loaded from its file: the same feeds and pages the tests serve."""
    spec = importlib.util.spec_from_file_location("web_stub", ROOT / "tests" / "web_stub.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["web_stub"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_stub = _web_stub()
INGEST, WebStub = _stub.INGEST, _stub.WebStub

FEEDS = ["rss-parser/guardian.rss", "rss-parser/heraldsun.rss", "rss-parser/uolNoticias.rss",
         "trafilatura/feeds/feed1.atom", "trafilatura/feeds/feed2.rss", "trafilatura/feeds/feed.json"]
QUESTIONS = ["Why did Iran attack Israel?", "Pourquoi l'Iran a-t-il attaqué Israël ?",
             "Mengapa Iran menyerang Israel?", "What did Biden say about the G7?"]


def ask(url: str, n: int, until: float | None = None) -> list[float]:
    """Answer latencies (s) of ``n`` questions asked in turn (or until ``until``, a monotonic time)."""
    import threading

    go = threading.Event()
    go.set()
    out: list[float] = []
    i = 0
    while (until is None and i < n) or (until is not None and time.monotonic() < until):
        chat = one_chat(url, QUESTIONS[i % len(QUESTIONS)], i, time.monotonic() + 120, go)
        if chat.error or chat.total_s is None:
            raise SystemExit(f"chat {i} failed: {chat.error}")
        out.append(chat.total_s)
        i += 1
    return out


def describe(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: no answers"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"{label}: {len(values)} answers, p50 {statistics.median(values):.2f} s, p95 {p95:.2f} s, "
            f"max {max(values):.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llm", default="extractive")
    ap.add_argument("--questions", type=int, default=8, help="baseline answers")
    args = ap.parse_args()
    if not INGEST.exists():
        raise SystemExit(f"{INGEST} is missing: this benchmark reads ../shared/data/ingest")
    work = Path(tempfile.mkdtemp(prefix="newsrag-live-"))
    index = work / "index"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "reindex.py"), "--index-dir", str(index), "--quiet",
                    str(ROOT / "sample")], check=True, capture_output=True)
    with WebStub() as web:  # stops itself after 10 minutes in any case
        sources = work / "feeds.txt"
        sources.write_text("".join(web.url(f"/data/{f}") + "\n" for f in FEEDS), encoding="utf-8")
        ui, url = start_server(argparse.Namespace(index_dir=index, llm=args.llm, concurrency=None))
        try:
            ask(url, 1)  # warm up (first answer loads what the UI loads lazily)
            without = ask(url, args.questions)
            print(describe("answers, no re-index running", without))
            started = time.monotonic()
            schedule = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "reindex.py"), "--index-dir",
                                         str(index), "--every", "1h", "--no-follow-links", "--sources", str(sources)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
            during: list[float] = []
            round_line = ""
            import threading

            def read_round() -> None:
                nonlocal round_line
                for line in schedule.stdout or []:
                    if " round 1 " in line:
                        round_line = line.strip()
                        return

            reader = threading.Thread(target=read_round, daemon=True)
            reader.start()
            while reader.is_alive() and time.monotonic() - started < 1800:
                during += ask(url, 1)
            round_seconds = time.monotonic() - started
            schedule.send_signal(signal.SIGTERM)
            schedule.wait(timeout=120)
            print(describe("answers during the re-index round", during))
            print(f"round: {round_line or '(no round line)'}")
            print(f"round wall time seen by the benchmark: {round_seconds:.1f} s; web requests served: "
                  f"{len(web.requests)}; scheduler exit status after SIGTERM: {schedule.returncode}")
            after = ask(url, 2)
            print(describe("answers after the round", after))
        finally:
            ui.send_signal(signal.SIGTERM)
            ui.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
