"""The chat UI served for real on 127.0.0.1, driven through Gradio's own client."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from rag.settings import Settings
from rag.types import Hit
from ui.app import safe_url, source_cards

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(index_settings: Settings) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ui", "--index-dir", str(index_settings.index_dir), "--llm",
                             "extractive", "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"UI exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_chat_answers_the_seed_question_with_a_cited_source(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    history, sources, box = client.predict("Why did Iran attack Israel?", [], api_name="/respond")
    answer = history[-1]["content"]
    text = answer if isinstance(answer, str) else str(answer)
    assert "Damas" in text and "[1]" in text and "Joe Biden soutient" in text
    assert 'id="src-1"' in sources and "src-card cited" in sources


def test_binds_loopback_only(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    # The kernel's table of listening sockets: local address 0100007F is 127.0.0.1, 00000000 would be all.
    listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]
    assert listening == [f"0100007F:{port:04X}"]


def test_archive_text_is_escaped_in_source_cards() -> None:
    hit = Hit("x#0", "x", "<script>alert(3)</script> text", 0.9, "<img src=x onerror=alert(1)>",
              source="<b>evil</b>", url="javascript:alert(2)")
    html = source_cards([hit])
    assert "<script>" not in html and "<img" not in html and "<b>evil" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and safe_url("javascript:alert(2)") is None
    assert safe_url("https://example.test/a") == "https://example.test/a"
