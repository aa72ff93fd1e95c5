#!/usr/bin/env python
"""Load test of the chat UI: N simultaneous chats against one server on loopback; prints latencies.

    python scripts/loadtest.py --index-dir indexes/sample --llm extractive --users 10
    python scripts/loadtest.py --url http://127.0.0.1:7860 --users 10      # a server already running

Without --url it starts ``python -m ui`` on a free 127.0.0.1 port (and stops it afterwards). It first
times one chat alone (the baseline), then N chats submitted at once through Gradio's client, each a
separate session, and reports for both: time until the sources arrive, time until the answer is
complete (p50 / p95 / max), how many waited in the queue, and errors. A benchmark, not a test: it
asserts nothing, but exits 1 when a chat failed. Everything is bounded by --timeout.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import date
import os
from pathlib import Path
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

from rag.models.chat import llm_names
from ui.app import is_loopback

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Chat:
    """One simulated user's chat."""

    user: int
    sources_s: float | None = None
    total_s: float | None = None
    max_rank: int = 0
    error: str = ""
    statuses: list[str] = field(default_factory=list)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "ui", "--index-dir", str(args.index_dir), "--host", "127.0.0.1", "--port", str(port)]
    if args.llm:
        cmd += ["--llm", args.llm]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    if args.concurrency:
        env["NEWSRAG_UI_CONCURRENCY"] = str(args.concurrency)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the UI exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the UI did not start within 300 s")


def one_chat(url: str, question: str, user: int, deadline: float, go: threading.Event) -> Chat:
    """Submit one question in a fresh session; poll until the answer is complete."""
    from gradio_client import Client

    chat = Chat(user)
    try:
        client = Client(url, verbose=False)
        go.wait()
        start = time.monotonic()
        job = client.submit(question=question, history=[], date_from=None, date_to=None, outlets=[], languages=[],
                            as_of=date.today().isoformat(), api_name="/ask")
        while not job.done():
            if time.monotonic() > deadline:
                job.cancel()
                chat.error = "timed out"
                return chat
            status = job.status()
            if getattr(status.code, "name", "") == "IN_QUEUE" and status.rank is not None:
                chat.max_rank = max(chat.max_rank, int(status.rank) + 1)  # rank 0: next in line
            if chat.sources_s is None and any("src-card" in str(out[1]) for out in job.outputs()):
                chat.sources_s = time.monotonic() - start
            time.sleep(0.02)
        history, sources, *_ = job.result()
        chat.total_s = time.monotonic() - start
        if chat.sources_s is None and "src-card" in str(sources):
            chat.sources_s = chat.total_s
        last = history[-1] if history else {}
        if "answer-text" not in str(last) or "pending" in str(last):
            chat.error = f"no answer in the chat: {str(last)[:200]}"
    except Exception as exc:  # a benchmark reports every failure rather than stopping at the first
        chat.error = f"{type(exc).__name__}: {exc}"
    return chat


def run(url: str, question: str, users: int, deadline: float) -> list[Chat]:
    results: list[Chat] = []
    go = threading.Event()
    lock = threading.Lock()

    def worker(i: int) -> None:
        chat = one_chat(url, question, i, deadline, go)
        with lock:
            results.append(chat)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(users)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # let every client connect first, so the questions arrive together
    go.set()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 5)
    return sorted(results, key=lambda c: c.user)


def report(label: str, chats: list[Chat]) -> None:
    ok = [c for c in chats if not c.error and c.total_s is not None]
    totals = [c.total_s for c in ok if c.total_s is not None]
    sources = [c.sources_s for c in ok if c.sources_s is not None]
    queued = sum(1 for c in chats if c.max_rank > 0)
    print(f"{label}: {len(ok)}/{len(chats)} answered, {len(chats) - len(ok)} errors, {queued} saw a queue position")
    if totals:
        print(f"  answer complete  p50 {pct(totals, .5):6.2f} s   p95 {pct(totals, .95):6.2f} s   "
              f"max {max(totals):6.2f} s   mean {statistics.mean(totals):6.2f} s")
    if sources:
        print(f"  sources shown    p50 {pct(sources, .5):6.2f} s   p95 {pct(sources, .95):6.2f} s   "
              f"max {max(sources):6.2f} s")
    for c in chats:
        if c.error:
            print(f"  user {c.user}: {c.error}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = ap.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running UI on this machine (loopback only)")
    target.add_argument("--index-dir", type=Path, help="start a UI over this index")
    ap.add_argument("--llm", choices=llm_names(), help="with --index-dir")
    ap.add_argument("--concurrency", type=int, help="NEWSRAG_UI_CONCURRENCY for the started UI")
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--question", default="Why did Iran attack Israel?")
    ap.add_argument("--timeout", type=float, default=600, help="seconds for the whole run")
    args = ap.parse_args()
    if args.users < 1 or args.users > 100:
        ap.error("--users must be 1..100")
    deadline = time.monotonic() + args.timeout
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below stops the started UI
    proc = None
    if args.url:
        host = urlsplit(args.url).hostname or ""
        if not is_loopback(host):
            ap.error(f"{host} is not a loopback address: this load test only targets this machine")
        url = args.url.rstrip("/")
    else:
        proc, url = start_server(args)
    try:
        print(f"target {url}; question {args.question!r}", flush=True)
        run(url, args.question, 1, deadline)  # warm-up (first embedder calls, client imports): not counted
        baseline = run(url, args.question, 1, deadline)
        report("1 user (baseline)", baseline)
        crowd = run(url, args.question, args.users, deadline)
        report(f"{args.users} users at once", crowd)
        if baseline[0].total_s and all(c.total_s for c in crowd):
            worst = max(c.total_s for c in crowd if c.total_s)
            print(f"  slowest of {args.users} / baseline: {worst / baseline[0].total_s:.1f}x")
        return 1 if any(c.error for c in baseline + crowd) else 0
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
