"""A tiny real OpenAI-compatible chat server for tests (stdlib http.server on 127.0.0.1).

It answers ``POST /v1/chat/completions`` like a grounded model would: it reads the numbered passages
in the prompt and answers with the first sentence of the first two, cited as [n]; it replies
``NOT_IN_ARCHIVE`` when there are none, and rewrites follow-up questions when asked to. Streamed
answers (SSE) come a word at a time with ``delay`` seconds between words, slow enough to watch the
UI show sources before the answer is complete.

    with serve(delay=0.2) as stub:
        settings = Settings(llm="openai", openai_base_url=stub.base_url)

For the client's own tests, ``serve(api_key="sekrit", answer=["The answer ", "is ", "forty-two."])``
refuses any other key with 401 (as OpenAI does) and gives that fixed answer, streamed piece by piece.
Every request is recorded in ``stub.requests`` as ``{"path", "auth", "body"}``; a path other than
``/v1/chat/completions`` gets 404.

``python tests/openai_stub.py --port 8080 --delay 0.2`` runs it on its own (for demos and screenshots).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
import contextlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import re
import threading
import time
from typing import Any

_PASSAGE = re.compile(r"^\[(\d+)\] [^\n]*\n(.+?)(?=\n\n\[\d+\] |\n>>>|\Z)", re.M | re.S)


def grounded_answer(prompt: str) -> str:
    """First sentence of each of the first two passages in the prompt, cited; NOT_IN_ARCHIVE if none."""
    block = prompt.split("<<<", 1)[-1].split(">>>", 1)[0]
    parts = []
    for m in list(_PASSAGE.finditer(block))[:2]:
        first = re.split(r"(?<=[.!?])\s+", m.group(2).strip(), maxsplit=1)[0].rstrip(".!?")
        parts.append(f"{first} [{m.group(1)}].")
    return " ".join(parts) or "NOT_IN_ARCHIVE"


def rewrite_answer(prompt: str) -> str:
    """A standalone form of the last question: it, about the previous question."""
    last = re.search(r"Last question:\s*(.+)", prompt)
    previous = re.findall(r"^Q:\s*(.+)$", prompt, re.M)
    question = (last.group(1).strip() if last else "").rstrip("?").strip()
    question = re.sub(r"^(and|et|dan)\s+", "", question, flags=re.I)
    return f"{question[:1].upper()}{question[1:]}, about: {previous[-1] if previous else ''}"


@dataclass
class Stub:
    base_url: str
    delay: float
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: When set, a request without ``Authorization: Bearer <api_key>`` is refused with 401.
    api_key: str | None = None
    #: When set, the answer to every request, streamed piece by piece (instead of the grounded one).
    answer: tuple[str, ...] | None = None
    #: When set, the top log-probabilities of the first token, sent back to a request asking for them.
    top_logprobs: dict[str, float] | None = None


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            auth = self.headers.get("Authorization")
            stub.requests.append({"path": self.path, "auth": auth, "body": body})
            if stub.api_key is not None and auth != f"Bearer {stub.api_key}":
                self._send(401, b'{"error": {"message": "Incorrect API key provided", '
                                b'"type": "invalid_request_error", "code": "invalid_api_key"}}')
                return
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, b'{"error": {"message": "no route"}}')
                return
            if stub.answer is not None:
                pieces = list(stub.answer)
            else:
                messages = body.get("messages", [])
                system = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
                prompt = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
                text = rewrite_answer(prompt) if "standalone question" in system else grounded_answer(prompt)
                pieces = re.findall(r"\S+\s*", text)
            text = "".join(pieces)
            base = {"id": "stub", "created": int(time.time()), "model": body.get("model", "stub")}
            if not body.get("stream"):
                choice: dict[str, Any] = {"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": text}}
                if body.get("logprobs") and stub.top_logprobs:
                    tops = [{"token": t, "logprob": lp, "bytes": None} for t, lp in stub.top_logprobs.items()]
                    first = max(tops, key=lambda t: t["logprob"])
                    choice["logprobs"] = {"content": [{**first, "top_logprobs": tops[:body.get("top_logprobs", 5)]}]}
                self._send(200, json.dumps({**base, "object": "chat.completion", "choices": [choice],
                                            "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                                      "total_tokens": 2}}).encode())
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
            try:
                for i, delta in enumerate(deltas):
                    if i > 1:
                        time.sleep(stub.delay)
                    self._chunk({**base, "object": "chat.completion.chunk",
                                 "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
                self._chunk({**base, "object": "chat.completion.chunk",
                             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                self._write(b"data: [DONE]\n\n")
                self._write(b"")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading (a stopped answer)

        def _chunk(self, obj: dict[str, Any]) -> None:
            self._write(b"data: " + json.dumps(obj).encode() + b"\n\n")

        def _write(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler


@contextmanager
def serve(delay: float = 0.0, port: int = 0, *, api_key: str | None = None,
          answer: str | Sequence[str] | None = None) -> Iterator[Stub]:
    """Run the stub on 127.0.0.1 (a free port unless given) for the duration of the block; ``api_key``
    and ``answer`` as in the module docstring (a string answer is streamed a word at a time)."""
    fixed = None if answer is None else tuple(re.findall(r"\S+\s*", answer) if isinstance(answer, str) else answer)
    stub = Stub("", delay, api_key=api_key, answer=fixed)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(stub))
    server.daemon_threads = True
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds between streamed words")
    args = parser.parse_args()
    with serve(args.delay, args.port) as running:
        print(f"OpenAI-compatible stub on {running.base_url} (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
